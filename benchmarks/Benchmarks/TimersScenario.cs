using System.Diagnostics;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// Durable timers on real time (<see cref="TimeProvider.System"/>): (a) a burst of many timers due in the same
/// millisecond; (b) a steady stream of timers due at a constant rate while new instances keep being started.
/// </summary>
/// <remarks>
/// Lateness of one timer = the time the orchestration saw it fire (<c>CurrentUtcDateTime</c> after the await, the
/// episode's start time, stored as <c>completed_at</c>) minus its due time. "Durable" lateness is when the commit of that
/// episode returned (fsynced) minus the due time, i.e. when a client could observe the completion.
/// </remarks>
internal static class TimersScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var burstCount = options.Int("timer-instances", 100_000);
        var concurrency = options.Int("concurrency", 256);
        var steadyRate = options.Double("steady-rate", 1000);
        var steadySeconds = options.Int("steady-seconds", 25);
        var steadyLead = TimeSpan.FromSeconds(options.Double("steady-lead", 2));
        // Set-up must end before the burst is due. It runs at several thousand starts per second; the lead is generous
        // and checked (burst_setup_ok=false says the figures are not valid and --burst-lead must grow).
        var burstLead = TimeSpan.FromSeconds(options.Double("burst-lead", 5 + (burstCount / 4000.0)));
        using var folder = new TempFolder("jo-bench-timers", options.Flag("keep"));

        await using var host = BenchHost.Create(folder.File("timers.db"), options);
        await host.StartAsync();
        var store = host.Store;
        var fired = new Lateness();
        store.Committed = (commit, returned) =>
        {
            if (commit.Instance.Status == InstanceStatus.Completed && commit.Instance.CompletedAt is { } at)
            {
                var due = new DateTimeOffset(JsonData.Deserialize<DateTime>(commit.Instance.Input), TimeSpan.Zero);
                fired.Add(commit.Instance.InstanceId.StartsWith('b'), at - due, returned - due, returned);
            }
        };

        // ---- (a) burst ----
        var t0 = TrimToMillisecond(DateTimeOffset.UtcNow + burstLead);
        Report.Progress($"timers: starting {burstCount} instances, all due at {t0:HH:mm:ss.fff} (in {burstLead.TotalSeconds:0} s)");
        var setup = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, burstCount),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, ct) => await host.Client.StartAsync(Orchestrations.Timer, t0.UtcDateTime, new() { InstanceId = $"b-{i:D7}" }, ct));
        await EventsScenario.WaitAsync(() => store.Started >= burstCount, TimeSpan.FromMinutes(10), "every burst timer to be scheduled");
        var setupEnd = DateTimeOffset.UtcNow;
        var setupSeconds = setup.Elapsed.TotalSeconds;
        var setupOk = setupEnd < t0 - TimeSpan.FromMilliseconds(500);
        Report.Progress($"timers: {burstCount} timers scheduled in {setupSeconds:0.0} s ({burstCount / setupSeconds:0}/s); " +
            (setupOk ? $"{(t0 - setupEnd).TotalSeconds:0.0} s before they are due" : "TOO LATE: the burst figures are not valid, raise --burst-lead"));
        var lockBefore = store.LockStats;
        var writerCpuBefore = ProcFs.ThreadCpuSeconds(EventsScenario.WriterThread);
        var processCpuBefore = ProcFs.CpuSeconds(Environment.ProcessId);
        await EventsScenario.WaitAsync(() => store.Completed >= burstCount, burstLead + TimeSpan.FromMinutes(5), "every burst timer to fire");
        var burst = fired.Take(burst: true);
        var allFired = (burst.LastReturned - t0).TotalSeconds;
        var lockAfter = store.LockStats;
        var burstWindow = (burst.LastReturned - t0).TotalSeconds;
        Report.Progress($"timers: burst of {burstCount} all fired and committed {allFired:0.00} s after they were due; first {Stats.Percentile(burst.Fired, 0):0} ms late; " +
            $"{lockAfter.Calls - lockBefore.Calls} dispatcher polls, {(lockAfter.Time - lockBefore.Time).TotalSeconds:0.00} s in LockNextOrchestrationsAsync; " +
            $"writer thread on CPU {(ProcFs.ThreadCpuSeconds(EventsScenario.WriterThread) - writerCpuBefore) / burstWindow:P0}, process {(ProcFs.CpuSeconds(Environment.ProcessId) - processCpuBefore) / burstWindow:0.00} cores");

        // ---- (b) steady: starts paced at the rate, each timer due `lead` after its start ----
        var steadyCount = (int)Math.Round(steadyRate * steadySeconds);
        var s0 = DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(200);
        Report.Progress($"timers: steady {steadyRate}/s for {steadySeconds} s ({steadyCount} timers, each started {steadyLead.TotalSeconds:0.#} s before due)");
        var gate = new SemaphoreSlim(concurrency);
        var pending = new List<Task>(steadyCount);
        var next = 0;
        while (next < steadyCount)
        {
            var now = DateTimeOffset.UtcNow;
            var due = (int)Math.Min(steadyCount, Math.Floor((now - s0).TotalSeconds * steadyRate) + 1);
            for (; next < due; next++)
            {
                var i = next;
                var fireAt = TrimToMillisecond(s0 + TimeSpan.FromSeconds((double)i / steadyRate) + steadyLead);
                await gate.WaitAsync();
                pending.Add(StartAsync(host, $"s-{i:D7}", fireAt, gate));
            }

            await Task.Delay(5);
        }

        await Task.WhenAll(pending);
        await EventsScenario.WaitAsync(() => store.Completed >= burstCount + steadyCount, TimeSpan.FromMinutes(5), "every steady timer to fire");
        var steady = fired.Take(burst: false);

        Report.Line(
            "timers",
            ("burst_count", burstCount),
            ("burst_setup_s", setupSeconds),
            ("burst_setup_ok", setupOk),
            ("burst_all_fired_s", allFired),
            ("burst_first_ms", Stats.Percentile(burst.Fired, 0)),
            ("burst_p50_ms", Stats.Percentile(burst.Fired, 50)),
            ("burst_p99_ms", Stats.Percentile(burst.Fired, 99)),
            ("burst_max_ms", Stats.Percentile(burst.Fired, 100)),
            ("burst_durable_p99_ms", Stats.Percentile(burst.Durable, 99)),
            ("steady_rate", steadyRate),
            ("steady_count", steadyCount),
            ("steady_p50_ms", Stats.Percentile(steady.Fired, 50)),
            ("steady_p99_ms", Stats.Percentile(steady.Fired, 99)),
            ("steady_max_ms", Stats.Percentile(steady.Fired, 100)),
            ("steady_durable_p99_ms", Stats.Percentile(steady.Durable, 99)),
            ("steady_late_over_100ms", steady.Fired.Count(ms => ms > 100)),
            ("steady_late_over_1s", steady.Fired.Count(ms => ms > 1000)));
    }

    private static async Task StartAsync(BenchHost host, string id, DateTimeOffset fireAt, SemaphoreSlim gate)
    {
        try
        {
            await host.Client.StartAsync(Orchestrations.Timer, fireAt.UtcDateTime, new() { InstanceId = id });
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The store keeps milliseconds; a due time with sub-millisecond ticks would read as up to 1 ms early.</summary>
    private static DateTimeOffset TrimToMillisecond(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    /// <summary>Lateness samples in milliseconds, per phase.</summary>
    private sealed class Lateness
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<bool, Phase> _phases = new() { [true] = new(), [false] = new() };

        public void Add(bool burst, TimeSpan fired, TimeSpan durable, DateTimeOffset returned)
        {
            lock (_gate)
            {
                var phase = _phases[burst];
                phase.Fired.Add(fired.TotalMilliseconds);
                phase.Durable.Add(durable.TotalMilliseconds);
                if (returned > phase.LastReturned)
                {
                    phase.LastReturned = returned;
                }
            }
        }

        public Phase Take(bool burst)
        {
            lock (_gate)
            {
                return _phases[burst];
            }
        }
    }

    private sealed class Phase
    {
        public List<double> Fired { get; } = [];
        public List<double> Durable { get; } = [];
        public DateTimeOffset LastReturned { get; set; }
    }
}
