using System.Diagnostics;
using JourneyOrchestrator.Core.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// Diagnostics, not a target scenario (<c>probe-lock</c>): where the dispatcher's poll spends its time. With the workers
/// off, parks N instances, queues K events for each, then times <c>LockNextOrchestrationsAsync(200)</c> on an otherwise
/// idle store, and the part of it that is reading (the same instance and history reads through the public API).
/// </summary>
internal static class ProbeScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var instances = options.Int("instances", 10_000);
        var perInstance = options.Int("events-per-instance", 5);
        var batch = options.Int("batch", 200);
        using var folder = new TempFolder("jo-bench-probe", options.Flag("keep"));
        await using var host = new BenchHost(folder.File("probe.db"), o => o.RunWorkers = false);
        await host.StartAsync();
        var dispatcher = host.Services.GetRequiredService<OrchestrationDispatcher>();
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 256 };
        await Parallel.ForEachAsync(Enumerable.Range(0, instances), parallel,
            async (i, ct) => await host.Client.StartAsync(Orchestrations.PingLoop, 1_000_000, new() { InstanceId = $"ev-{i:D6}" }, ct));
        while (await dispatcher.ProcessBatchAsync() > 0)
        {
        }

        // One event each and an episode, so histories look like the events scenario's mid-run; then K queued each.
        await Parallel.ForEachAsync(Enumerable.Range(0, instances), parallel, async (i, ct) => await host.Client.RaiseEventAsync($"ev-{i:D6}", "ping", 1, cancellationToken: ct));
        while (await dispatcher.ProcessBatchAsync() > 0)
        {
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, instances * perInstance), parallel,
            async (k, ct) => await host.Client.RaiseEventAsync($"ev-{k % instances:D6}", "ping", 1, cancellationToken: ct));

        var store = host.Store.Inner;
        double lockMs = 0, readMs = 0, executeCommitMs = 0;
        const int Rounds = 10;
        for (var round = 0; round < Rounds; round++)
        {
            var began = Stopwatch.GetTimestamp();
            var items = await store.LockNextOrchestrationsAsync(batch, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(2));
            lockMs += Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            began = Stopwatch.GetTimestamp();
            foreach (var item in items)
            {
                await store.GetInstanceAsync(item.InstanceId);
                await store.GetHistoryAsync(item.InstanceId);
            }

            readMs += Stopwatch.GetElapsedTime(began).TotalMilliseconds;
            await Task.WhenAll(items.Select(item => store.AbandonOrchestrationAsync(item)));

            // For scale: one whole dispatcher batch (lock, read, execute, commit) of the same size.
            began = Stopwatch.GetTimestamp();
            await dispatcher.ProcessBatchAsync();
            executeCommitMs += Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        }

        Report.Line(
            "probe-lock",
            ("batch", batch),
            ("lock_call_ms", lockMs / Rounds),
            ("of_which_reads_ms", readMs / Rounds),
            ("whole_dispatcher_batch_ms", executeCommitMs / Rounds));
    }
}
