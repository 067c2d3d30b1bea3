using JourneyOrchestrator.Templates.Tests.Support;
using System.Diagnostics;
using JourneyOrchestrator.Templates.Simulation;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// <c>simulate</c>: the shipped fifteen-years scenario of new-car-purchase (a purchase and 16 yearly service rounds, until
/// the repeat limit) in virtual time, as <c>journey simulate</c> runs it: files read and validated once, then
/// <c>--runs</c> simulations timed one by one after <c>--warmup</c> untimed ones. Options: --runs 20 --warmup 3.
/// </summary>
internal static class SimulateScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var runs = options.Int("runs", 20);
        var warmup = options.Int("warmup", 3);
        var folder = Repo.TemplatesFolder;
        var template = ScenarioFiles.LoadTemplate(Path.Combine(folder, "new-car-purchase.yaml"));
        var scenarioFile = Path.Combine(folder, "scenarios", "new-car-purchase", "fifteen-years.yaml");
        var loaded = ScenarioLoader.Load(await File.ReadAllTextAsync(scenarioFile), template.Template!, "fifteen-years");
        var simulator = new JourneySimulator(template.Emails);

        var coldClock = Stopwatch.StartNew();
        var cold = await ScenarioFiles.RunAsync(scenarioFile);
        var coldMs = coldClock.Elapsed.TotalMilliseconds;
        if (!cold.Passed)
        {
            throw new InvalidOperationException("The fifteen-years scenario did not pass: " + string.Join("; ", cold.Errors));
        }

        for (var i = 0; i < warmup; i++)
        {
            await simulator.RunAsync(template.Template!, loaded.Scenario!);
        }

        var times = new List<double>();
        SimulationResult? last = null;
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            last = await simulator.RunAsync(template.Template!, loaded.Scenario!);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        Report.Line("simulate",
            ("years", Math.Round((last!.EndedAt - last.Start).TotalDays / 365.25, 1)),
            ("outcome", last.EndReason ?? last.Outcome),
            ("episodes", last.Episodes),
            ("timeline_entries", last.Timeline.Count),
            ("emails", last.Timeline.Count(e => e.Kind == TimelineKinds.Email)),
            ("cold_ms", Math.Round(coldMs, 1)),
            ("median_ms", Math.Round(Stats.Percentile(times, 50), 2)),
            ("p95_ms", Math.Round(Stats.Percentile(times, 95), 2)),
            ("max_ms", Math.Round(times.Max(), 2)),
            ("runs", runs));
    }

}
