using System.Text.Json;
using JourneyOrchestrator.Storage.AzureStorage.DurableTask;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.DurableTask;

/// <summary>
/// One cluster-engine worker (DTFx over DurableTask.AzureStorage on Azurite) on a task hub of its own, with its client.
/// Real time: DTFx stamps each episode with <c>DateTime.UtcNow</c>, so these tests use short durations and bounded waits.
/// </summary>
internal sealed class DtfxHarness : IAsyncDisposable
{
    /// <summary>The bound on every wait of these tests (a worker on Azurite answers in well under a second when healthy).</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private readonly ServiceProvider _provider;

    private DtfxHarness(ServiceProvider provider, DurableTaskAzureStorageOptions options)
    {
        _provider = provider;
        Options = options;
        Worker = provider.GetRequiredService<DurableTaskAzureStorageWorker>();
        Client = provider.GetRequiredService<DurableTaskAzureStorageClient>();
    }

    public DurableTaskAzureStorageOptions Options { get; }
    public DurableTaskAzureStorageWorker Worker { get; }
    public DurableTaskAzureStorageClient Client { get; }
    public IServiceProvider Services => _provider;

    public static DurableTaskAzureStorageOptions NewOptions(AzuriteFixture azurite) => new()
    {
        ConnectionString = azurite.ConnectionString,
        TaskHubName = "hub" + Guid.NewGuid().ToString("N")[..12],
        PartitionCount = 1,
        MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
        ClientPollingInterval = TimeSpan.FromMilliseconds(100),
    };

    public static Task<DtfxHarness> StartAsync(
        AzuriteFixture azurite,
        Action<DurableTaskRegistry> tasks,
        Action<DurableTaskAzureStorageOptions>? configure = null,
        Action<IServiceCollection>? services = null) =>
        StartWithAsync(azurite, (collection, options) =>
        {
            services?.Invoke(collection);
            collection.AddDurableTaskAzureStorage(options, tasks);
        }, configure);

    /// <summary>A harness whose services (the engine included) <paramref name="register"/> adds.</summary>
    public static async Task<DtfxHarness> StartWithAsync(
        AzuriteFixture azurite,
        Action<IServiceCollection, DurableTaskAzureStorageOptions> register,
        Action<DurableTaskAzureStorageOptions>? configure = null,
        bool start = true)
    {
        var options = NewOptions(azurite);
        configure?.Invoke(options);
        var collection = new ServiceCollection();
        register(collection, options);
        var harness = new DtfxHarness(collection.BuildServiceProvider(), options);
        if (start)
        {
            using var timeout = new CancellationTokenSource(Patience);
            await harness.Worker.StartAsync(timeout.Token);
        }

        return harness;
    }

    /// <summary>Waits (bounded) for the instance to finish.</summary>
    public async Task<OrchestrationMetadata> CompletionAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            var last = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            throw new TimeoutException(
                $"'{instanceId}' did not finish within {Patience}; last seen: {last?.RuntimeStatus} {last?.SerializedCustomStatus}; history: " +
                await Client.GetSerializedHistoryAsync(instanceId));
        }
    }

    /// <summary>Polls (bounded) until <paramref name="condition"/> holds for the instance.</summary>
    public async Task<OrchestrationMetadata> UntilAsync(string instanceId, Func<OrchestrationMetadata, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var metadata = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            if (metadata is not null && condition(metadata))
            {
                return metadata;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"'{instanceId}' did not reach '{what}' within {Patience}; last seen: {metadata?.RuntimeStatus} {metadata?.SerializedCustomStatus}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Waits (bounded) until the orchestrator's custom status is <paramref name="status"/>.</summary>
    public Task<OrchestrationMetadata> CustomStatusAsync(string instanceId, string status) =>
        UntilAsync(instanceId, m => m.SerializedCustomStatus == JsonSerializer.Serialize(status), "custom status " + status);

    public async ValueTask DisposeAsync()
    {
        await Worker.StopAsync(CancellationToken.None);
        await _provider.DisposeAsync();
    }
}
