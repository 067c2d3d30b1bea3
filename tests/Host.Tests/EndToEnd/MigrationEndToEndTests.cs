using System.Net;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// In-flight migration over HTTP against the real host process: a dry run per step, a mapping that leaves a wait step out is
/// refused, a move takes each journey to its mapped step in v2 and says so in its timeline, the same migration again asks
/// nobody twice, and 'end' ends a version's journeys.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class MigrationEndToEndTests
{
    private static string Template(string second) => $$"""
        id: promo-migration
        name: Promo
        events: [promo.requested, promo.go, promo.later]
        entry:
          events: [promo.requested]
        start: wait-go
        steps:
          - { id: wait-go, kind: waitForEvent, phase: communication, events: [promo.go], on: { promo.go: hello } }
          - { id: hello, kind: email, phase: communication, email: brochure-follow-up, category: transactional, next: wait-later }
          - { id: wait-later, kind: waitForEvent, phase: choice, events: [promo.later], on: { promo.later: second } }
          - { id: second, kind: email, phase: choice, email: {{second}}, category: transactional, next: done }
          - { id: done, kind: end, phase: choice }
        """;

    [Fact]
    public async Task Migration_DryRunThenMove_EachJourneyAtItsMappedStepInV2_AuditedOnce_AndEndEndsTheRest()
    {
        await using var host = await HostProcess.StartAsync();
        var marketing = host.Client("dev-marketing-key");
        var admin = host.Client("dev-admin-key");
        await (await marketing.PutJsonAsync("/api/templates/promo-migration", Text(Template("quote-follow-up"), "application/yaml"))).ReadJsonAsync(HttpStatusCode.Created);
        var anna = new JourneyDriver(host, "anna", "p-1");
        var bert = new JourneyDriver(host, "bert", "p-2");
        await anna.RaiseAsync("promo.requested", withProfile: true);
        await bert.RaiseAsync("promo.requested", withProfile: true);
        await bert.RaiseAsync("promo.go");
        await bert.UntilJourneyAsync(j => j["currentSteps"]!.AsArray().Any(s => s!.GetValue<string>() == "wait-later"), "bert at wait-later");
        await anna.UntilJourneyAsync(j => j["currentSteps"]!.AsArray().Any(s => s!.GetValue<string>() == "wait-go"), "anna at wait-go");
        await (await marketing.PutJsonAsync("/api/templates/promo-migration", Text(Template("testdrive-invitation"), "application/yaml"))).ReadJsonAsync(HttpStatusCode.Created);

        // A mapping that leaves a waiting step out, and a marketing key: refused.
        await (await admin.PostJsonAsync("/api/templates/promo-migration/migrations", new { fromVersion = 1, toVersion = 2, action = "move", mapping = new Dictionary<string, string> { ["wait-go"] = "wait-go" } }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.mapping");
        await (await marketing.PostJsonAsync("/api/templates/promo-migration/migrations", new { fromVersion = 1, toVersion = 2, action = "move" })).ProblemAsync(HttpStatusCode.Forbidden);

        var mapping = new Dictionary<string, string> { ["wait-go"] = "wait-go", ["wait-later"] = "wait-later" };
        var dry = await (await admin.PostJsonAsync("/api/templates/promo-migration/migrations", new { fromVersion = 1, toVersion = 2, action = "move", mapping }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(dry["dryRun"]!.GetValue<bool>());
        Assert.Equal(2, dry["journeys"]!.GetValue<int>());
        Assert.Equal([("wait-go", 1), ("wait-later", 1)], dry["steps"]!.AsArray().Select(s => (s!["step"]!.GetValue<string>(), s["journeys"]!.GetValue<int>())));
        Assert.Equal(1, (await anna.JourneyAsync())["templateVersion"]!.GetValue<int>()); // nothing moved

        var run = await (await admin.PostJsonAsync("/api/templates/promo-migration/migrations", new { fromVersion = 1, toVersion = 2, action = "move", mapping, dryRun = false, migrationId = "m-spring" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(2, run["applied"]!.AsArray().Count);
        await bert.UntilJourneyAsync(j => j["templateVersion"]!.GetValue<int>() == 2 && j["currentSteps"]!.AsArray().Any(s => s!.GetValue<string>() == "wait-later"), "bert in v2");
        await anna.UntilJourneyAsync(j => j["templateVersion"]!.GetValue<int>() == 2, "anna in v2");
        await bert.RaiseAsync("promo.later");
        await bert.UntilTouchpointsAsync(3);
        Assert.Contains(await bert.TouchpointsAsync(), t => t.Name == "testdrive-invitation"); // v2's e-mail
        var audit = Assert.Single(await anna.TouchpointsAsync(), t => t.Name == "migration");
        Assert.Equal(("journey", "ordered", "migration", "m-spring"), (audit.Channel, audit.Status, audit.CauseKind, audit.CauseName));

        // The same migration again: nobody is on v1 any more.
        var again = await (await admin.PostJsonAsync("/api/templates/promo-migration/migrations", new { fromVersion = 1, toVersion = 2, action = "move", mapping, dryRun = false, migrationId = "m-spring" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, again["journeys"]!.GetValue<int>());
        Assert.Single(await anna.TouchpointsAsync(), t => t.Name == "migration");

        // End: the v2 journeys that are still running end.
        var ended = await (await admin.PostJsonAsync("/api/templates/promo-migration/migrations", new { fromVersion = 2, action = "end", dryRun = false })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, ended["journeys"]!.GetValue<int>()); // anna (bert completed)
        await anna.UntilJourneyAsync(j => j["status"]!.GetValue<string>() == "Terminated", "anna ended");
    }
}
