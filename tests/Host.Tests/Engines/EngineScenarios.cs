using System.Net;
using JourneyOrchestrator.Host.Tests.EndToEnd;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Engines;

/// <summary>
/// Scenarios asserted over the host's HTTP API, meant to run against every engine (issue 9 item 5). Only the embedded
/// engine runs them so far; the DurableTask.AzureStorage class and the remaining scenarios are still to be written.
/// </summary>
public abstract class EngineScenarios
{
    /// <summary>Starts the host process on the engine under test.</summary>
    protected abstract Task<HostProcess> StartHostAsync();

    [Fact]
    public async Task EventToAnUnknownJourney_Answers404ProblemDetails()
    {
        await using var host = await StartHostAsync();
        var dealer = host.Client("dev-dealer-key");
        await (await dealer.PostJsonAsync("/api/journeys/no-such-journey/events/testdrive.booked?eventId=evt-x", new { }))
            .ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RepeatedEventId_ChangesNothing()
    {
        await using var host = await StartHostAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.UntilTouchpointsAsync(1);
        await anna.RaiseAsync("testdrive.booked", new { testDriveAt = "2026-01-10T10:00:00Z" }, eventId: "anna-dup");
        await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "choice", "choice phase");
        var touchpoints = await anna.TouchpointsAsync();
        var journey = (await anna.JourneyAsync()).ToJsonString();

        await anna.RaiseAsync("testdrive.booked", new { testDriveAt = "2026-01-10T10:00:00Z" }, eventId: "anna-dup");
        await anna.AdvanceAsync("PT1M"); // lets the engine settle; a duplicate must not have been applied

        Assert.Equal(touchpoints, await anna.TouchpointsAsync());
        Assert.Equal(journey, (await anna.JourneyAsync()).ToJsonString());
    }
}

/// <summary>The scenarios on the embedded engine: the host with the manual clock, time moved over the API.</summary>
[Collection(EndToEndCollection.Name)]
public sealed class EmbeddedEngineScenarios : EngineScenarios
{
    protected override Task<HostProcess> StartHostAsync() => HostProcess.StartAsync();
}
