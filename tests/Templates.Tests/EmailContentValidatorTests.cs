using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>What an e-mail authored through the API must be before it is published, each error at its path.</summary>
public sealed class EmailContentValidatorTests
{
    private static readonly EmailContentValidator Validator = new(new LiquidRenderer());

    private static EmailContent Email(string html = "<p>Hi {{ customer.firstName }}, the {{ data.model }}</p>", string subject = "Your {{ data.model }}", string defaultLocale = "en",
        string? text = null) => new()
        {
            Name = "offer",
            DefaultLocale = defaultLocale,
            Locales = new Dictionary<string, EmailLocaleContent>
            {
                ["en"] = new() { Subject = subject, Html = html, Text = text },
                ["nl-NL"] = new() { Subject = "Uw {{ data.model }}", Html = "<p>Hoi {{ customer.firstName }}</p>" },
            },
        };

    private static IReadOnlyList<(string Path, string Message)> Errors(EmailContent email) => [.. Validator.Validate(email).Select(e => (e.Path, e.Message))];

    [Fact]
    public void AValidEmail_HasNoErrors_LocalsOfTheTemplateItselfCount() =>
        Assert.Empty(Errors(Email(html: "{% assign name = customer.firstName %}{% for o in data.options %}{{ o }} {{ forloop.index }}{% endfor %}<p>{{ name }} {{ unsubscribe.url }} {{ event.name }} {{ journey.id }}</p>")));

    [Fact]
    public void ALiquidError_IsReportedAtItsLocaleAndField()
    {
        var error = Assert.Single(Errors(Email(html: "<p>{% if customer.firstName %}Hi</p>")));
        Assert.Equal("$.locales[\"en\"].html", error.Path);
        Assert.StartsWith("Liquid error:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownVariable_IsNamed()
    {
        var error = Assert.Single(Errors(Email(subject: "For {{ costumer.firstName }}")));
        Assert.Equal("$.locales[\"en\"].subject", error.Path);
        Assert.Equal("Unknown variable 'costumer': an e-mail has customer, data, event, journey, unsubscribe (e.g. customer.firstName, data.model).", error.Message);
    }

    [Fact]
    public void AMissingDefaultLocale_AMissingBody_AndABadLocale_AreEachReported()
    {
        var email = Email(defaultLocale: "de") with
        {
            Locales = new Dictionary<string, EmailLocaleContent>
            {
                ["en"] = new() { Subject = "Hi", Html = " " },
                ["english"] = new() { Subject = "Hi", Html = "<p>Hi</p>" },
            },
        };

        Assert.Equal(
            ["$.defaultLocale", "$.locales[\"en\"].html", "$.locales[\"english\"]"],
            Errors(email).Select(e => e.Path));
        Assert.Contains("'de' is missing from locales (en, english)", Errors(email)[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASubjectOnSeveralLines_AndALoopPastTheLimitsWithoutData_AreRefused()
    {
        Assert.Equal("$.locales[\"en\"].subject", Assert.Single(Errors(Email(subject: "Line one\nLine two"))).Path);
        var loop = Assert.Single(Errors(Email(text: "{% for i in (1..100000000) %}x{% endfor %}")));
        Assert.Equal("$.locales[\"en\"].text", loop.Path);
        Assert.StartsWith("Goes past a Liquid limit", loop.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("nl-BE", "Uw Hybrid X")] // by language
    [InlineData("nl-NL", "Uw Hybrid X")]
    [InlineData("fr-FR", "Your Hybrid X")] // the default
    [InlineData(null, "Your Hybrid X")]
    public void TheLocale_IsExactThenByLanguageThenTheDefault(string? locale, string subject) =>
        Assert.Equal(subject, new LiquidRenderer().RenderLine(Email().For(locale).Subject, new System.Text.Json.Nodes.JsonObject { ["data"] = new System.Text.Json.Nodes.JsonObject { ["model"] = "Hybrid X" } }));
}
