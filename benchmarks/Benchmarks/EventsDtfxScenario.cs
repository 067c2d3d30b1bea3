using System.Diagnostics;
using System.Reflection;
using Azure.Storage.Queues;
using JourneyOrchestrator.Storage.AzureStorage.DurableTask;
using JourneyOrchestrator.Testing;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// External events applied per second to many running instances on the cluster engine (DTFx's TaskHubWorker over
/// DurableTask.AzureStorage, an SDK orchestrator through the shim) on Azurite; and, in the same run and the same Azurite,
/// raw queue writes (one message per event, the Azure SDK at the same concurrency) as the ratio's base.
/// </summary>
internal static class EventsDtfxScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var instances = options.Int("instances", 200);
        var perInstance = options.Int("events-per-instance", 2);
        var concurrency = options.Int("concurrency", 32);
        var partitions = options.Int("partitions", 4);
        var events = instances * perInstance;

        var folder = AzuriteProcess.Folder(typeof(EventsDtfxScenario).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AzuriteFolder").Value!);
        Report.Progress($"events-dtfx: starting Azurite {AzuriteProcess.Version} from {folder}");
        await using var azurite = await AzuriteProcess.StartAsync(folder);

        var engineOptions = new DurableTaskAzureStorageOptions
        {
            ConnectionString = azurite.ConnectionString,
            TaskHubName = "benchdtfx",
            PartitionCount = partitions,
            MaxQueuePollingInterval = TimeSpan.FromSeconds(1),
            ClientPollingInterval = TimeSpan.FromMilliseconds(200),
        };
        await using var provider = new ServiceCollection()
            .AddDurableTaskAzureStorage(engineOptions, tasks => tasks.AddOrchestrator<PingSink>())
            .BuildServiceProvider();
        var worker = provider.GetRequiredService<DurableTaskAzureStorageWorker>();
        var client = provider.GetRequiredService<DurableTaskAzureStorageClient>();
        await worker.StartAsync(CancellationToken.None);

        // ---- set-up (not timed): every instance started and parked in its wait ----
        var setUp = Stopwatch.StartNew();
        var ids = Enumerable.Range(0, instances).Select(i => $"ping-{i:D6}").ToList();
        await ForEachAsync(ids, concurrency, id => client.ScheduleNewOrchestrationInstanceAsync(
            nameof(PingSink), perInstance, new StartOrchestrationOptions { InstanceId = id }));
        await UntilAsync(client, OrchestrationRuntimeStatus.Running, instances, TimeSpan.FromMinutes(5), m => m.SerializedCustomStatus == "0");
        Report.Progress($"events-dtfx: {instances} instances started and waiting in {setUp.Elapsed.TotalSeconds:0.0} s");

        // ---- timed: perInstance events to each, until every instance has applied them (and completed) ----
        var timed = Stopwatch.StartNew();
        for (var round = 0; round < perInstance; round++)
        {
            await ForEachAsync(ids, concurrency, id => client.RaiseEventAsync(id, "ping", round));
        }

        var raiseSeconds = timed.Elapsed.TotalSeconds;
        await UntilAsync(client, OrchestrationRuntimeStatus.Completed, instances, TimeSpan.FromMinutes(10));
        var seconds = timed.Elapsed.TotalSeconds;
        var perSecond = events / seconds;
        Report.Progress($"events-dtfx: {events} events applied in {seconds:0.0} s ({perSecond:0}/s; raising took {raiseSeconds:0.0} s)");
        await worker.StopAsync(CancellationToken.None);

        // ---- raw base, same Azurite: one queue message per event (what raising an event costs DTFx at the least) ----
        var queue = new QueueClient(azurite.ConnectionString, "rawdtfx");
        await queue.CreateIfNotExistsAsync();
        var payload = new string('x', 400); // about the size of DTFx's EventRaised message
        var raw = Stopwatch.StartNew();
        await ForEachAsync(Enumerable.Range(0, events).ToList(), concurrency, _ => queue.SendMessageAsync(payload));
        var rawPerSecond = events / raw.Elapsed.TotalSeconds;
        Report.Progress($"events-dtfx: raw queue writes {rawPerSecond:0}/s");

        Report.Line(
            "events-dtfx",
            ("instances", instances),
            ("events", events),
            ("concurrency", concurrency),
            ("partitions", partitions),
            ("events_per_sec", perSecond),
            ("raise_s", raiseSeconds),
            ("apply_s", seconds),
            ("raw_queue_writes_per_sec", rawPerSecond),
            ("ratio", perSecond / rawPerSecond),
            ("verified", true));
    }

    private static async Task ForEachAsync<T>(IReadOnlyList<T> items, int concurrency, Func<T, Task> action)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, items.Count)).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < items.Count)
            {
                await action(items[index]).ConfigureAwait(false);
            }
        })).ConfigureAwait(false);
    }

    /// <summary>Polls the task hub until <paramref name="count"/> instances have <paramref name="status"/> (and match).</summary>
    private static async Task UntilAsync(DurableTaskClient client, OrchestrationRuntimeStatus status, int count, TimeSpan limit, Func<OrchestrationMetadata, bool>? match = null)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var seen = 0;
            await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { Statuses = [status], PageSize = 1000 }))
            {
                if (match is null || match(instance))
                {
                    seen++;
                }
            }

            if (seen >= count)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"events-dtfx: only {seen} of {count} instances reached {status} within {limit}.");
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }
}

/// <summary>Waits for <c>input</c> "ping" events, publishing how many it has (custom status), then completes.</summary>
internal sealed class PingSink : TaskOrchestrator<int, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, int input)
    {
        for (var seen = 0; seen < input; seen++)
        {
            context.SetCustomStatus(seen);
            await context.WaitForExternalEvent<int>("ping");
        }

        return input;
    }
}
