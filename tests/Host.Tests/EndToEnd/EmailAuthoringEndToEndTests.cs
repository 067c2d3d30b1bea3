using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// E-mails authored through the API, against the real host process: validated at publish with paths, previewed with a
/// sample customer, rendered in the customer's locale, and pinned to the template version a journey runs.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class EmailAuthoringEndToEndTests
{
    private static string Template(string name = "Spring promo") => $$"""
        id: spring-promo
        name: {{name}}
        events: [promo.requested]
        entry:
          events: [promo.requested]
        start: promo
        steps:
          - id: promo
            kind: email
            phase: communication
            email: spring-offer
            category: transactional
            next: done
          - id: done
            kind: end
            phase: communication
        """;

    private static object Email(string subject) => new
    {
        defaultLocale = "en",
        locales = new Dictionary<string, object>
        {
            ["en"] = new { subject = subject + " for {{ customer.firstName }}", html = "<p>Hi {{ customer.firstName }}, the {{ data.model }} is ready.</p>", text = "Hi {{ customer.firstName }}" },
            ["nl-NL"] = new { subject = "NL: " + subject + " voor {{ customer.firstName }}", html = "<p>Hoi {{ customer.firstName }}</p>" },
        },
    };

    [Fact]
    public async Task Emails_ValidatedPreviewedLocalisedAndPinnedToTheTemplateVersion()
    {
        await using var host = await HostProcess.StartAsync();
        var marketing = host.Client("dev-marketing-key");

        // Refused with every error at its path; nothing published.
        var bad = await (await marketing.PutJsonAsync("/api/emails/spring-offer", new
        {
            defaultLocale = "de",
            locales = new Dictionary<string, object> { ["en"] = new { subject = "Hi {{ costumer.firstName }}", html = "<p>{% if x %}</p>" } },
        })).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.defaultLocale");
        var paths = bad["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList();
        Assert.Contains("$.locales[\"en\"].subject", paths);
        Assert.Contains("$.locales[\"en\"].html", paths);
        await (await marketing.GetAsync(U("/api/emails/spring-offer"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await host.Client("dev-dealer-key").PutJsonAsync("/api/emails/spring-offer", Email("x"))).ProblemAsync(HttpStatusCode.Forbidden);

        // A template that names an e-mail nobody published is refused; once it is published, it is taken.
        await (await marketing.PutJsonAsync("/api/templates/spring-promo", Text(Template(), "application/yaml"))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "steps[0].email");
        Assert.Equal(1, (await (await marketing.PutJsonAsync("/api/emails/spring-offer", Email("Spring offer"))).ReadJsonAsync(HttpStatusCode.Created))["version"]!.GetValue<int>());
        Assert.Equal(1, (await (await marketing.PutJsonAsync("/api/emails/spring-offer", Email("Spring offer"))).ReadJsonAsync(HttpStatusCode.OK))["version"]!.GetValue<int>()); // same content
        await (await marketing.PutJsonAsync("/api/templates/spring-promo", Text(Template(), "application/yaml"))).ReadJsonAsync(HttpStatusCode.Created);

        var preview = await (await marketing.PostJsonAsync("/api/emails/spring-offer/preview", new { locale = "nl-BE" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(("NL: Spring offer voor Anna", 1), (preview["subject"]!.GetValue<string>(), preview["version"]!.GetValue<int>()));

        // A journey of template v1 renders e-mail v1, in the customer's language.
        var anna = new JourneyDriver(host, "anna", journeyKey: "promo-1"); // nl-NL
        await anna.RaiseAsync("promo.requested", new { model = "Hybrid X" }, withProfile: true);
        await anna.UntilTouchpointsAsync(1);
        Assert.Equal("NL: Spring offer voor Anna", (await anna.MailAsync()).Single()["subject"]!.GetValue<string>());

        // E-mail v2: journeys of template v1 still render v1 (pinned when v1 was published) ...
        Assert.Equal(2, (await (await marketing.PutJsonAsync("/api/emails/spring-offer", Email("Spring offer, now 5% off"))).ReadJsonAsync(HttpStatusCode.Created))["version"]!.GetValue<int>());
        var bert = new JourneyDriver(host, "bert", journeyKey: "promo-2");
        await bert.RaiseAsync("promo.requested", new { model = "Hybrid X" }, withProfile: true);
        await bert.UntilTouchpointsAsync(1);
        Assert.Equal("NL: Spring offer voor Anna", (await bert.MailAsync()).Single()["subject"]!.GetValue<string>()); // bert's profile is Anna's sample

        // ... and template v2, published after it, renders v2.
        await (await marketing.PutJsonAsync("/api/templates/spring-promo", Text(Template("Spring promo 2"), "application/yaml"))).ReadJsonAsync(HttpStatusCode.Created);
        var cees = new JourneyDriver(host, "cees", journeyKey: "promo-3");
        await cees.RaiseAsync("promo.requested", new { model = "Hybrid X" }, withProfile: true);
        await cees.UntilTouchpointsAsync(1);
        Assert.Equal("NL: Spring offer, now 5% off voor Anna", (await cees.MailAsync()).Single()["subject"]!.GetValue<string>());

        var versions = await marketing.OkJsonAsync("/api/emails/spring-offer/versions/1");
        Assert.Equal("Spring offer for {{ customer.firstName }}", versions["locales"]!["en"]!["subject"]!.GetValue<string>());
        Assert.Equal(["spring-offer"], (await marketing.OkJsonAsync("/api/emails")).AsArray().Select(e => e!["name"]!.GetValue<string>()));
    }
}
