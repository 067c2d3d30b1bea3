using JourneyOrchestrator.Host.Tests.EndToEnd;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Engines;

/// <summary>
/// The engine suite on the embedded engine: the host process on SQLite with the manual clock; a period is a year, passed by
/// moving the clock over the API (which answers once every timer due on the way has fired and its work is done).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class EmbeddedEngineScenarios : EngineScenarios
{
    protected override string Period => "P1Y";

    protected override TimeSpan Patience => TimeSpan.FromSeconds(20);

    protected override Task<HostProcess> StartHostAsync(IReadOnlyDictionary<string, string>? settings = null) => HostProcess.StartAsync(settings);

    protected override async Task PassAsync(HostProcess host, int periods)
    {
        using var admin = host.Client("dev-admin-key");
        await admin.AdvanceAsync($"P{periods}Y");
    }

    protected override async Task SettleAsync(HostProcess host)
    {
        using var admin = host.Client("dev-admin-key");
        await admin.AdvanceAsync("PT0S");
    }

    /// <summary>One process; after its SIGKILL a new one starts on the same data folder (the dead one's file lock is gone with it).</summary>
    protected override async Task<CrashPair> StartCrashPairAsync(IReadOnlyDictionary<string, string> settings)
    {
        var data = Directory.CreateTempSubdirectory("engine-crash-");
        var shared = new Dictionary<string, string>(settings) { ["Journeys__Storage__Sqlite__Path"] = data.FullName };
        var victim = await HostProcess.StartAsync(shared);
        return new CrashPair(victim, () => HostProcess.StartAsync(shared), () => data.Delete(recursive: true));
    }
}
