using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// In-flight migration on the fake clock: a journey waiting at a mapped step of v1 continues at its target in v2 (a fresh
/// execution, data and goals kept); anything else leaves it where it is.
/// </summary>
public sealed class MigrationTests
{
    private static JourneyTemplate Version(int version, string secondEmail) => TemplateLoader.Load($$"""
        id: promo
        name: Promo
        events: [go, later]
        start: wait-go
        steps:
          - { id: wait-go, kind: waitForEvent, phase: communication, events: [go], on: { go: hello } }
          - { id: hello, kind: email, phase: communication, email: brochure-follow-up, category: transactional, next: wait-later }
          - { id: wait-later, kind: waitForEvent, phase: choice, events: [later], on: { later: second } }
          - { id: second, kind: email, phase: choice, email: {{secondEmail}}, category: transactional, next: done }
          - { id: done, kind: end, phase: choice }
        """).Template! with { Version = version };

    private static JsonObject Order(int from, int to, Dictionary<string, string> mapping, string id = "m-1") =>
        JsonSerializer.SerializeToNode(new JourneyMigrationOrder { MigrationId = id, FromVersion = from, ToVersion = to, Mapping = mapping, By = "test" }, JsonData.Options)!.AsObject();

    [Fact]
    public async Task AJourneyAtAMappedWait_ContinuesThereInTheNewVersion_KeepingItsData()
    {
        await using var h = JourneyHarness.Create(Version(1, "quote-follow-up"), Version(2, "testdrive-invitation"));
        var id = await h.StartAsync("promo", data: new JsonObject { ["model"] = "Hybrid X" });
        await h.RaiseAsync(id, "go");
        Assert.Equal(("wait-later", 1), ((await h.StatusAsync(id)).CurrentStep, (await h.StatusAsync(id)).TemplateVersion));

        await h.RaiseAsync(id, JourneyNames.MigrateEvent, Order(1, 2, new() { ["wait-go"] = "wait-go", ["wait-later"] = "wait-later" }), eventId: "migrate-1");

        var status = await h.StatusAsync(id);
        Assert.Equal(("wait-later", 2, "choice"), (status.CurrentStep, status.TemplateVersion, status.Phase));
        await h.RaiseAsync(id, "later");
        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], h.Emails()); // v2's second e-mail
        Assert.Contains("Hybrid X", h.Data.Mail[0].Body, StringComparison.Ordinal);
        Assert.Equal("end", (await h.ResultAsync(id))!.Reason);
    }

    [Fact]
    public async Task AnOrderForAnotherVersionOrAnUnmappedStep_LeavesTheJourneyWhereItIs_AndARepeatIsIgnored()
    {
        await using var h = JourneyHarness.Create(Version(1, "quote-follow-up"), Version(2, "testdrive-invitation"), Version(3, "testdrive-reminder"));
        var id = await h.StartAsync("promo");
        await h.RaiseAsync(id, "go");

        await h.RaiseAsync(id, JourneyNames.MigrateEvent, Order(2, 3, new() { ["wait-later"] = "wait-later" }), eventId: "m-a"); // not v1
        await h.RaiseAsync(id, JourneyNames.MigrateEvent, Order(1, 2, new() { ["wait-go"] = "wait-go" }), eventId: "m-b"); // not this step
        Assert.Equal(("wait-later", 1), ((await h.StatusAsync(id)).CurrentStep, (await h.StatusAsync(id)).TemplateVersion));
        Assert.DoesNotContain(JourneyNames.MigrateEvent, (await h.StatusAsync(id)).WaitingFor); // listened for, not shown

        await h.RaiseAsync(id, JourneyNames.MigrateEvent, Order(1, 3, new() { ["wait-later"] = "wait-later" }), eventId: "m-c");
        await h.RaiseAsync(id, JourneyNames.MigrateEvent, Order(3, 2, new() { ["wait-later"] = "wait-later" }), eventId: "m-c"); // the same id again
        Assert.Equal(3, (await h.StatusAsync(id)).TemplateVersion);
    }
}
