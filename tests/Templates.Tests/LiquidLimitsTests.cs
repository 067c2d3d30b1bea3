using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Runtime;
using Microsoft.DurableTask;
using JourneyOrchestrator.Templates.Activities;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;
using JourneyOrchestrator.Templates.Validation;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>Liquid renders are bounded (issue 16, findings 4 and 5): steps, recursion, output and value length, numbers.</summary>
public sealed class LiquidLimitsTests
{
    private readonly LiquidRenderer _renderer = new();

    private static JsonObject Model(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void ALoopInATaskTitle_TheIssuesSixMillionCharacters_StopsAtTheLineLimit()
    {
        var title = "{% for i in (1..1000) %}{% for j in (1..600) %}xxxxxxxxxx{% endfor %}{% endfor %}";

        var e = Assert.Throws<LiquidLimitException>(() => _renderer.Render(title, [], html: false));

        Assert.Equal(nameof(LiquidLimits.MaxLineLength), e.Limit);
        Assert.Equal("Liquid limit reached: the text is longer than allowed (the limit MaxLineLength is 1,000).", e.Message);
    }

    [Fact]
    public void AHugeRange_IsRefusedBeforeItsValuesAreBuilt()
    {
        var started = DateTime.UtcNow;

        var e = Assert.Throws<LiquidLimitException>(() => _renderer.Render("{% for i in (1..2000000000) %}{% endfor %}", [], html: true));

        Assert.Equal(nameof(LiquidLimits.MaxRangeLength), e.Limit);
        Assert.Equal("Liquid limit reached: the range (1..2000000000) has more values than allowed (the limit MaxRangeLength is 10,000).", e.Message);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5), "nothing was built");
    }

    [Fact]
    public void ARangeFromTheData_IsBoundedToo()
    {
        var e = Assert.Throws<LiquidLimitException>(() => _renderer.Render("{% for i in (1..data.n) %}{% endfor %}", Model("""{"data": {"n": 1e20}}"""), html: true));

        Assert.Equal(nameof(LiquidLimits.MaxRangeLength), e.Limit);
        Assert.Equal("123", _renderer.Render("{% for i in (1..data.n) %}{{ i }}{% endfor %}", Model("""{"data": {"n": 3}}"""), html: true));
    }

    [Fact]
    public void NestedLoops_StopAtTheStepLimit()
    {
        var e = Assert.Throws<LiquidLimitException>(() => _renderer.Render("{% for i in (1..1000) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}", [], html: true));

        Assert.Equal(nameof(LiquidLimits.MaxSteps), e.Limit);
        Assert.Equal("Liquid limit reached: the template ran too many statements (a loop too long?) (the limit MaxSteps is 100,000).", e.Message);
    }

    [Fact]
    public void AnUnexpectedValue_FailsTheRenderAsALiquidError_NotAnOverflow()
    {
        var e = Assert.Throws<FormatException>(() => _renderer.Render("{{ 10 | divided_by: data.zero }}", Model("""{"data": {"zero": 0}}"""), html: true));

        Assert.StartsWith("Liquid render error: DivideByZeroException", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ABodyLongerThanTheLimit_StopsWhileWriting()
    {
        var renderer = new LiquidRenderer(new LiquidLimits { MaxBodyLength = 5000 });

        var e = Assert.Throws<LiquidLimitException>(() => renderer.Render("{% for i in (1..1000) %}0123456789{% endfor %}", [], html: true));

        Assert.Equal(nameof(LiquidLimits.MaxBodyLength), e.Limit);
        Assert.Equal(4990, renderer.Render("{% for i in (1..499) %}0123456789{% endfor %}", [], html: true).Length);
    }

    [Fact]
    public void AStringDoubledByAssign_StopsAtTheValueLimit()
    {
        var source = "{% assign s = 'xxxxxxxxxxxxxxxx' %}{% for i in (1..40) %}{% assign s = s | append: s %}{% endfor %}{{ s | size }}";

        var e = Assert.Throws<LiquidLimitException>(() => _renderer.Render(source, [], html: true));

        Assert.Equal(nameof(LiquidLimits.MaxValueLength), e.Limit);
        Assert.Contains("'assign' made 's' longer than allowed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStringDoubledByCapture_StopsAtTheValueLimit()
    {
        var source = "{% capture s %}xxxxxxxxxxxxxxxx{% endcapture %}{% for i in (1..40) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}";

        var e = Assert.Throws<LiquidLimitException>(() => _renderer.Render(source, [], html: true));

        Assert.Equal(nameof(LiquidLimits.MaxValueLength), e.Limit);
    }

    [Fact]
    public void TheLimitsAreFormatExceptions_AsTheActivitiesExpect() =>
        Assert.IsAssignableFrom<FormatException>(new LiquidLimitException("MaxSteps", 1, "x"));

    [Theory]
    [InlineData("1e400", "1e400")]
    [InlineData("-1e400", "-1e400")]
    [InlineData("1e30", "1e30")]
    [InlineData("79228162514264337593543950336", "79228162514264337593543950336")]
    [InlineData("12.5", "12.5")]
    public void NumbersBeyondDecimal_AreRenderedAsWritten_NotAnOverflow(string number, string rendered) =>
        Assert.Equal($"price {rendered}", _renderer.Render("price {{ data.price }}", Model("{\"data\": {\"price\": " + number + "}}"), html: false));

    [Fact]
    public void ANumberBeyondDecimal_StillComparesAndFilters_WithoutThrowing()
    {
        var model = Model("""{"data": {"price": 1e400}}""");

        Assert.Equal("big", _renderer.Render("{% if data.price %}big{% endif %}", model, html: true));
        Assert.Equal("1e400", _renderer.Render("{{ data.price | default: 0 }}", model, html: true));
    }

    [Fact]
    public void RenderLine_PutsCrLfAndControlCharactersOnOneLine()
    {
        var model = Model("""{"customer": {"firstName": "Anna\r\nBcc: evil@example.com"}, "data": {"model": "X\u0000\tY\u2028Z"}}""");

        Assert.Equal("Hi Anna Bcc: evil@example.com, your X Y Z", _renderer.RenderLine("Hi {{ customer.firstName }}, your {{ data.model }}\r\n", model));
    }

    [Theory]
    [InlineData("a\r\nb", "a b")]
    [InlineData("\n a \n", "a")]
    [InlineData("plain", "plain")]
    [InlineData("tab\tand\u0085next", "tab and next")]
    public void SingleLine_ReplacesLineBreaksWithOneSpace(string text, string line) => Assert.Equal(line, EmailText.SingleLine(text));

    [Fact]
    public async Task SendEmail_WithCrLfInTheName_SendsAOneLineSubject()
    {
        var data = new InMemoryJourneyDataStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero));
        await data.UpsertCustomerAsync(new CustomerProfile
        {
            Id = "c1", DealerId = "d1", Email = "anna@example.com", FirstName = "Anna\r\nBcc: evil@example.com", Consent = new ConsentSettings { Email = true },
        });
        var templates = new FakeEmailTemplates(new Dictionary<string, string> { ["hi"] = "subject: Hi {{ customer.firstName }}\n<p>x</p>" });
        var activity = new SendEmailActivity(data, templates, _renderer, new DevMailboxEmailSender(data, time), time);

        var result = await activity.RunAsync(Context, Request("hi"));

        Assert.Equal("sent", result.Status);
        Assert.Equal("Hi Anna Bcc: evil@example.com", Assert.Single(data.Mail).Subject);
    }

    [Fact]
    public async Task SendEmail_WithALoopBomb_FailsThatEmailWithTheLimitNamed()
    {
        var data = new InMemoryJourneyDataStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero));
        await data.UpsertCustomerAsync(new CustomerProfile { Id = "c1", DealerId = "d1", Email = "anna@example.com", FirstName = "Anna", Consent = new ConsentSettings { Email = true } });
        var templates = new FakeEmailTemplates(new Dictionary<string, string> { ["bomb"] = "subject: Hi\n{% for i in (1..1000) %}{% for j in (1..1000) %}xxxxxxxxxx{% endfor %}{% endfor %}" });
        var activity = new SendEmailActivity(data, templates, _renderer, new DevMailboxEmailSender(data, time), time);

        var result = await activity.RunAsync(Context, Request("bomb"));

        Assert.Equal("failed", result.Status);
        Assert.StartsWith("Liquid limit reached: the e-mail body is longer than allowed (the limit MaxBodyLength is", result.Detail, StringComparison.Ordinal);
        Assert.Empty(data.Mail);
    }

    [Fact]
    public async Task SendEmail_WithAHugeNumberInTheData_IsSent()
    {
        var data = new InMemoryJourneyDataStore();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero));
        await data.UpsertCustomerAsync(new CustomerProfile { Id = "c1", DealerId = "d1", Email = "anna@example.com", FirstName = "Anna", Consent = new ConsentSettings { Email = true } });
        var templates = new FakeEmailTemplates(new Dictionary<string, string> { ["price"] = "subject: Your price {{ data.price }}\n<p>{{ data.price }}</p>" });
        var activity = new SendEmailActivity(data, templates, _renderer, new DevMailboxEmailSender(data, time), time);

        var result = await activity.RunAsync(Context,
            Request("price") with { Model = Model("""{"data": {"price": 1e400}}""") });

        Assert.Equal("sent", result.Status);
        Assert.Equal("Your price 1e400", Assert.Single(data.Mail).Subject);
    }

    [Fact]
    public void Validator_RendersWithTheLimits_AndReportsALoopBombInATitle()
    {
        var template = new JourneyTemplate
        {
            Id = "bomb",
            Name = "Bomb",
            Events = ["a.happened"],
            Start = "call",
            Steps =
            [
                new StepSpec { Id = "call", Kind = "task", Task = "call", Title = "{% for i in (1..1000) %}{% for j in (1..600) %}xxxxxxxxxx{% endfor %}{% endfor %}", Next = "done" },
                new StepSpec { Id = "done", Kind = "end" },
            ],
        };

        var error = Assert.Single(new TemplateValidator(new FakeEmailTemplates()).Validate(template));

        Assert.Equal("steps[0].title", error.Path);
        Assert.Equal("The title goes past a Liquid limit even without data: Liquid limit reached: the text is longer than allowed (the limit MaxLineLength is 1,000).", error.Message);
    }

    [Fact]
    public void Validator_ReportsALoopBombInAnEmailBody()
    {
        var emails = new FakeEmailTemplates(new Dictionary<string, string> { ["bomb"] = "subject: Hi\n{% for i in (1..100000000) %}{% endfor %}" });
        var template = new JourneyTemplate
        {
            Id = "bomb",
            Name = "Bomb",
            Start = "mail",
            Steps = [new StepSpec { Id = "mail", Kind = "email", Email = "bomb", Next = "done" }, new StepSpec { Id = "done", Kind = "end" }],
        };

        var error = Assert.Single(new TemplateValidator(emails).Validate(template));

        Assert.Equal("steps[0].email", error.Path);
        Assert.Equal("The body of e-mail template 'bomb' goes past a Liquid limit even without data: Liquid limit reached: the range (1..100000000) has more values than allowed (the limit MaxRangeLength is 10,000).", error.Message);
    }

    [Fact]
    public void Validator_DataDependentRenderErrors_AreLeftToTheSend() =>
        Assert.Empty(new TemplateValidator(new FakeEmailTemplates(new Dictionary<string, string> { ["x"] = "subject: {{ data.a | divided_by: data.b }}\n" })).Validate(new JourneyTemplate
        {
            Id = "x", Name = "X", Start = "mail", Steps = [new StepSpec { Id = "mail", Kind = "email", Email = "x", Next = "done" }, new StepSpec { Id = "done", Kind = "end" }],
        }));

    private static readonly TaskActivityContext Context = new EmbeddedActivityContext(new TaskName("journey.send-email"), "j1");

    private static SendEmailRequest Request(string email) => new()
    {
        DeliveryKey = "j1:run-1:0:4",
        JourneyId = "j1",
        DealerId = "d1",
        CustomerId = "c1",
        TemplateId = "t",
        TemplateVersion = 1,
        StepId = "s",
        Email = email,
        Category = "marketing",
        Model = [],
        Cause = new TouchpointCause("timer"),
    };
}
