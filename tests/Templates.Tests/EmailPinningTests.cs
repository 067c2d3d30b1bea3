using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// API-authored e-mails in a running journey on the fake clock: the send renders the version its template version pinned
/// (not a later one), in the customer's locale; without an API e-mail of that name, the shipped file.
/// </summary>
public sealed class EmailPinningTests
{
    private static readonly JourneyTemplate Template = TemplateLoader.Load("""
        id: promo
        name: Promo
        events: [go]
        start: wait-go
        steps:
          - { id: wait-go, kind: waitForEvent, phase: communication, events: [go], on: { go: promo-mail } }
          - { id: promo-mail, kind: email, phase: communication, email: spring-offer, category: transactional, next: shipped }
          - { id: shipped, kind: email, phase: communication, email: quote-follow-up, category: transactional, next: done }
          - { id: done, kind: end, phase: communication }
        """).Template! with { Version = 1 };

    private static EmailContent Email(string subject) => new()
    {
        Name = "spring-offer",
        DefaultLocale = "en",
        Locales = new Dictionary<string, EmailLocaleContent>
        {
            ["en"] = new() { Subject = subject + " for {{ customer.firstName }}", Html = "<p>{{ data.model }}</p>" },
            ["nl"] = new() { Subject = "NL " + subject + " voor {{ customer.firstName }}", Html = "<p>{{ data.model }}</p>", Text = "Hoi {{ customer.firstName }}" },
        },
    };

    [Fact]
    public async Task TheSendRendersThePinnedVersion_NotALaterOne_AndShippedFilesStillWork()
    {
        await using var h = JourneyHarness.Create(Template);
        await h.Data.PublishEmailAsync(Email("Spring"), h.Now);
        await h.Data.PublishTemplateAsync(Template, "id: promo", "application/yaml", h.Now, new Dictionary<string, int> { ["spring-offer"] = 1 });
        await h.Data.PublishEmailAsync(Email("Summer"), h.Now.AddHours(1)); // later: not pinned by template v1
        var id = await h.StartAsync("promo", data: new JsonObject { ["model"] = "Hybrid X" }); // customer locale en

        await h.RaiseAsync(id, "go");

        Assert.Equal(["spring-offer", "quote-follow-up"], h.Emails());
        Assert.Equal("Spring for Anna", h.Data.Mail[0].Subject); // v1 (not the later Summer), in the customer's en
        Assert.Contains("Hybrid X", h.Data.Mail[0].Body, StringComparison.Ordinal);
        Assert.StartsWith("Your quote", h.Data.Mail[1].Subject, StringComparison.Ordinal); // the shipped .liquid
    }

    [Fact]
    public async Task ATemplateVersionThatPinnedNothing_RendersTheShippedFile_AndIsFailedWhenThereIsNone()
    {
        await using var h = JourneyHarness.Create(Template);
        await h.Data.PublishTemplateAsync(Template, "id: promo", "application/yaml", h.Now); // published before the e-mail existed
        await h.Data.PublishEmailAsync(Email("Spring"), h.Now.AddMinutes(1));
        var id = await h.StartAsync("promo");

        await h.RaiseAsync(id, "go");

        var failed = Assert.Single(h.Data.Touchpoints, t => t.Name == "spring-offer");
        Assert.Equal("failed", failed.Status); // no pin and no spring-offer.liquid: not silently the newest
        Assert.Equal(["quote-follow-up"], h.Emails());
    }
}
