using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.EndToEnd;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Limits;

/// <summary>One real host process (manual clock) for the abuse-limit tests.</summary>
public sealed class LimitsHost : IAsyncLifetime
{
    public HostProcess Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await HostProcess.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// Issue 16, findings 4, 5 and 6 (CR/LF), through the real host process: runaway templates are refused at publish, input the
/// journeys could not carry is refused at the API with the path, and what is accepted runs (e-mails not lost, no JsonException).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class AbuseLimitsEndToEndTests(LimitsHost fixture) : IClassFixture<LimitsHost>
{
    private readonly HostProcess _host = fixture.Host;
    private HttpClient Dealer => _host.Client("dev-dealer-key");
    private HttpClient Marketing => _host.Client("dev-marketing-key");

    private const string RunawayTasks = """
        id: runaway-tasks
        name: Runaway tasks (issue 16)
        events: [runaway.tasks]
        entry: { events: [runaway.tasks] }
        start: call
        steps:
          - { id: call, kind: task, task: call, title: Call, next: again }
          - { id: again, kind: repeat, goto: call }
        """;

    private const string RunawayMail = """
        id: runaway-mail
        name: Runaway mail (issue 16)
        events: [runaway.mail]
        entry: { events: [runaway.mail] }
        start: mail
        steps:
          - { id: mail, kind: email, email: brochure-follow-up, next: pause }
          - { id: pause, kind: wait, duration: PT0S, next: mail }
        """;

    private static object Profile(string firstName = "Anna") =>
        new { email = "anna@example.com", firstName, lastName = "de Vries", locale = "nl-NL", consent = new { email = true } };

    private async Task<HttpResponseMessage> PublishAsync(string id, string yaml) =>
        await Marketing.PutAsync(U($"/api/templates/{id}"), Text(yaml, "application/yaml"));

    private async Task<HttpResponseMessage> RaiseAsync(string customerId, string json) =>
        await Dealer.PostAsync(U($"/api/customers/{customerId}/events"), Json(json));

    [Theory]
    [InlineData("runaway-tasks", RunawayTasks, "steps[0]", "The steps 'call', 'again' form a loop that can go round without waiting at least PT1H ('again' starts over at once)")]
    [InlineData("runaway-mail", RunawayMail, "steps[0]", "The steps 'mail', 'pause' form a loop that can go round without waiting at least PT1H ('pause' waits only PT0S)")]
    public async Task TheIssuesRunawayTemplates_AreRefusedAtPublishWith422_AndDoNotValidate(string id, string yaml, string path, string message)
    {
        var problem = await (await PublishAsync(id, yaml)).ProblemAsync(HttpStatusCode.UnprocessableEntity, path);
        Assert.StartsWith(message, problem["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);

        var validation = await (await Marketing.PostAsync(U("/api/templates/validate"), Text(yaml, "application/yaml"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(validation["valid"]!.GetValue<bool>());
        Assert.StartsWith(message, validation["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await Dealer.GetAsync(U($"/api/templates/{id}"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ANumberBeyondDouble_IsRefusedWith422NamingThePath_OnEveryDataRoute()
    {
        var problem = await (await RaiseAsync("big-number", """{"name": "brochure.downloaded", "dealerId": "demo-dealer", "data": {"model": "X", "price": 1e400}}"""))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.data.price");
        Assert.Equal("The number 1e400 is outside the range of a double (about ±1.7e308); send it as a string.", problem["errors"]![0]!["message"]!.GetValue<string>());

        await (await Dealer.PostAsync(U("/api/journeys"), Json("""
            {"template": "new-car-purchase", "dealerId": "demo-dealer", "data": {"items": [1, -1e400]},
             "customer": {"id": "big-number", "email": "anna@example.com", "firstName": "Anna", "lastName": "de Vries", "locale": "nl-NL", "consent": {"email": true}}}
            """))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.data.items[1]");
        await (await Dealer.PostAsync(U("/api/journeys/any-journey/events/quote.sent"), Json("""{"quote": {"price": 1E+999}}""")))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.quote.price");
    }

    [Fact]
    public async Task ANumberBeyondTheRenderersDecimal_IsAccepted_AndTheEmailIsRendered_NotLost()
    {
        var anna = new JourneyDriver(_host, customerId: "huge-number");

        var started = await anna.RaiseAsync("brochure.downloaded", JsonNode.Parse("""{"model": 1e300}"""), withProfile: true);

        Assert.Single(started);
        var touch = Assert.Single(await anna.UntilTouchpointsAsync(1));
        Assert.Equal(("email", "brochure-follow-up", "sent"), (touch.Channel, touch.Name, touch.Status));
        var mail = Assert.Single(await anna.MailAsync());
        Assert.Equal("Anna, your 1e300 brochure — and a test drive?", mail["subject"]!.GetValue<string>());
    }

    [Fact]
    public async Task TheDeepestAcceptedData_RunsThroughAJourneyThatRendersIt_AndOneLevelMoreIsRefused()
    {
        static JsonObject Nested(int levels) => levels == 1 ? new JsonObject { ["leaf"] = "bottom" } : new JsonObject { ["n"] = Nested(levels - 1) };

        var tooDeep = new JsonObject { ["model"] = "Deep X", ["n"] = Nested(EventDataRulesMaxDepth) };
        var refused = await Dealer.PostJsonAsync("/api/customers/deep/events", new { name = "brochure.downloaded", dealerId = "demo-dealer", customer = Profile(), data = tooDeep });
        var problem = await refused.ProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal($"The data nests deeper than {EventDataRulesMaxDepth} levels of objects and arrays.", problem["errors"]![0]!["message"]!.GetValue<string>());

        // The deepest the API accepts: the data object and 31 levels inside it, 32 in all.
        var anna = new JourneyDriver(_host, customerId: "deep");
        var deepest = new JsonObject { ["model"] = "Deep X", ["n"] = Nested(EventDataRulesMaxDepth - 1) };
        Assert.Single(await anna.RaiseAsync("brochure.downloaded", deepest, withProfile: true));
        await anna.UntilTouchpointsAsync(1);

        // Timers, e-mails (the model with the deep data is rendered and stored each time) and a task: no failure.
        await anna.AdvanceAsync("P1D");
        await anna.AdvanceAsync("P2D");
        await anna.RaiseAsync("testdrive.booked", deepest);
        var journey = await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "choice", "choice phase");
        Assert.Equal("Running", journey["status"]!.GetValue<string>());
        Assert.Null(journey["failure"]);
        var touchpoints = await anna.TouchpointsAsync();
        Assert.Equal(["sent", "sent", "created"], touchpoints.Select(t => t.Status));
        Assert.All(await anna.MailAsync(), m => Assert.Contains("Deep X", m["subject"]!.GetValue<string>() + m["body"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task EventDataLargerThanTheLimit_IsRefusedWith413NamingIt()
    {
        var data = new { model = "X", notes = new string('x', 70 * 1024) };

        var problem = await (await Dealer.PostJsonAsync("/api/customers/big-data/events", new { name = "brochure.downloaded", dealerId = "demo-dealer", customer = Profile(), data }))
            .ProblemAsync(HttpStatusCode.RequestEntityTooLarge, "$.data");

        Assert.Contains("the limit (per event) is 64 KB", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Anna\r\nBcc: evil@example.com")]
    [InlineData("Anna\nX")]
    [InlineData("Anna\u0007")]
    public async Task CrLfOrControlCharactersInAName_AreRefusedWith422AndThePath(string firstName)
    {
        var problem = await (await Dealer.PostJsonAsync("/api/customers/crlf/events", new { name = "brochure.downloaded", dealerId = "demo-dealer", customer = Profile(firstName) }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.customer.firstName");
        Assert.Equal("Must be one line: no line breaks (CR, LF) or other control characters.", problem["errors"]![0]!["message"]!.GetValue<string>());

        await (await Dealer.PutJsonAsync("/api/customers/crlf", new { dealerId = "demo-dealer", email = "anna@example.com", firstName = "Anna", lastName = firstName, locale = "nl-NL", consent = new { email = true } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.lastName");
        Assert.Empty((await Dealer.OkJsonAsync("/api/journeys?customer=crlf"))["items"]!.AsArray());
    }

    [Fact]
    public async Task ALiquidLoopInATaskTitle_IsBounded_AndTheTouchpointNamesTheLimit()
    {
        const string yaml = """
            id: title-loop
            name: Title loop (issue 16)
            events: [title.loop, stop.now]
            entry: { events: [title.loop] }
            start: call
            steps:
              - { id: call, kind: task, task: call, title: "{% for i in (1..data.n) %}xxxxxxxxxx{% endfor %}", next: listen }
              - { id: listen, kind: waitForEvent, events: [stop.now], next: done }
              - { id: done, kind: end }
            """;
        await (await PublishAsync("title-loop", yaml)).ReadJsonAsync(HttpStatusCode.Created);

        var driver = new JourneyDriver(_host, customerId: "title-loop");
        Assert.Single(await driver.RaiseAsync("title.loop", new { n = 5000 }, withProfile: true)); // 50,000 characters

        var touch = Assert.Single(await driver.UntilTouchpointsAsync(1));
        Assert.Equal(("task", "created"), (touch.Channel, touch.Status));
        var detail = (await Dealer.OkJsonAsync($"/api/journeys/{driver.JourneyId}/touchpoints"))[0]!["detail"]!.GetValue<string>();
        Assert.Equal("the title was not rendered: Liquid limit reached: the text is longer than allowed (the limit MaxLineLength is 1,000).", detail);
        var task = Assert.Single(await driver.TasksAsync());
        Assert.True(task["title"]!.GetValue<string>().Length < 100, "the task keeps the short template text, not a 50,000-character title");

        // A loop that is too long without any data is refused when published.
        var constant = yaml.Replace("(1..data.n)", "(1..600000)", StringComparison.Ordinal).Replace("id: title-loop", "id: title-loop-2", StringComparison.Ordinal);
        var problem = await (await PublishAsync("title-loop-2", constant)).ProblemAsync(HttpStatusCode.UnprocessableEntity, "steps[0].title");
        Assert.Contains("MaxRangeLength", problem["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private const int EventDataRulesMaxDepth = JourneyOrchestrator.Api.Http.EventDataRules.MaxDepth;
}
