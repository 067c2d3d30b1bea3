using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Storage.AzureStorage.Tests;

namespace JourneyOrchestrator.Host.Tests.Engines;

/// <summary>
/// The engine suite on the cluster engine: the host process with <c>Journeys__Storage__Provider=DurableTaskAzureStorage</c>
/// (DTFx over DurableTask.AzureStorage) on Azurite, on real time. A period is 5 s, and durable timers are cut in pieces of
/// at most 2 s (the SDK's <c>MaximumTimerInterval</c>, 3 days in production), so a period-long timer is split as a
/// years-long one is. Each test gets its own task hub and data-store prefix on the shared Azurite.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DurableTaskEngineScenarios(AzuriteFixture azurite) : EngineScenarios
{
    protected override string Period => "PT5S";

    protected override TimeSpan Patience => TimeSpan.FromSeconds(90);

    protected override Task<HostProcess> StartHostAsync(IReadOnlyDictionary<string, string>? settings = null) =>
        HostProcess.StartAsync(Settings(AzuriteFixture.NewPrefix(), settings));

    /// <summary>Real time: the periods pass while <see cref="EngineScenarios.EventuallyAsync"/> waits.</summary>
    protected override Task PassAsync(HostProcess host, int periods) => Task.CompletedTask;

    /// <summary>
    /// Two processes on one task hub, both running workers, with short leases and visibility timeouts: when one is killed,
    /// the other takes its partitions within seconds and the messages it had taken reappear.
    /// </summary>
    protected override async Task<CrashPair> StartCrashPairAsync(IReadOnlyDictionary<string, string> settings)
    {
        var shared = Settings(AzuriteFixture.NewPrefix(), new Dictionary<string, string>(settings)
        {
            ["Journeys__Storage__DurableTaskAzureStorage__LeaseInterval"] = "00:00:04",
            ["Journeys__Storage__DurableTaskAzureStorage__LeaseRenewInterval"] = "00:00:01",
            ["Journeys__Storage__DurableTaskAzureStorage__LeaseAcquireInterval"] = "00:00:01",
            ["Journeys__Storage__DurableTaskAzureStorage__ControlQueueVisibilityTimeout"] = "00:00:10",
            // Above the fake SendGrid's slow answer (1.5 s), so a live worker's send is never run twice.
            ["Journeys__Storage__DurableTaskAzureStorage__WorkItemQueueVisibilityTimeout"] = "00:00:10",
        });
        var victim = await HostProcess.StartAsync(shared);
        var survivor = await HostProcess.StartAsync(shared);
        return new CrashPair(victim, () => Task.FromResult(survivor), () => { }, survivor);
    }

    private Dictionary<string, string> Settings(string prefix, IReadOnlyDictionary<string, string>? settings)
    {
        var all = new Dictionary<string, string>
        {
            ["Journeys__Storage__Provider"] = "DurableTaskAzureStorage",
            ["Journeys__Storage__AzureStorage__ConnectionString"] = azurite.ConnectionString,
            ["Journeys__Storage__AzureStorage__NamePrefix"] = prefix,
            ["Journeys__Storage__DurableTaskAzureStorage__TaskHubName"] = "hub" + prefix,
            ["Journeys__Storage__DurableTaskAzureStorage__PartitionCount"] = "2",
            ["Journeys__Storage__DurableTaskAzureStorage__MaxQueuePollingInterval"] = "00:00:00.500",
            ["Journeys__Storage__DurableTaskAzureStorage__MaximumTimerInterval"] = "00:00:02",
            // The suite's yearly loop runs in 5 s periods; the default minimum loop wait (an hour) would refuse it.
            ["Journeys__Templates__MinimumLoopWait"] = "PT1S",
            ["Journeys__Clock"] = "", // the wall clock: DTFx stamps episodes with DateTime.UtcNow
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        return all;
    }
}
