using System.Globalization;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// The same external-event load on our embedded engine (SQLite, <see cref="EventsScenario"/>) and on Microsoft's
/// DurableTask.Core engine over DurableTask.AzureStorage on Azurite (<see cref="EventsDtfxScenario"/>), in one run with
/// the same instances, events and concurrency; one line with both, each one's ratio to the raw speed of its own storage,
/// and the ratio of the two engines.
/// </summary>
internal static class SideBySideScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var instances = options.Int("instances", 200);
        var perInstance = options.Int("events-per-instance", 2);
        var concurrency = options.Int("concurrency", 32);
        string[] shared =
        [
            "--instances", Text(instances), "--events-per-instance", Text(perInstance), "--concurrency", Text(concurrency),
        ];

        IReadOnlyDictionary<string, string> ours;
        IReadOnlyDictionary<string, string> dtfx;
        Report.Quiet = true;
        try
        {
            Report.Progress("side-by-side: our engine on SQLite");
            await EventsScenario.RunAsync(new BenchOptions([.. shared, "--trials", Text(options.Int("trials", 1)), "--single-instance-events", "1000"]));
            ours = Report.Last;
            Report.Progress("side-by-side: DurableTask.Core on DurableTask.AzureStorage (Azurite)");
            await EventsDtfxScenario.RunAsync(new BenchOptions([.. shared, "--partitions", Text(options.Int("partitions", 4))]));
            dtfx = Report.Last;
        }
        finally
        {
            Report.Quiet = false;
        }

        var oursPerSecond = double.Parse(ours["events_per_sec"], CultureInfo.InvariantCulture);
        var dtfxPerSecond = double.Parse(dtfx["events_per_sec"], CultureInfo.InvariantCulture);
        Report.Line(
            "side-by-side",
            ("instances", instances),
            ("events", instances * perInstance),
            ("concurrency", concurrency),
            ("ours_events_per_sec", oursPerSecond),
            ("ours_raw_sqlite_per_sec", ours["raw_per_sec"]),
            ("ours_ratio_to_raw", ours["ratio"]),
            ("dtfx_events_per_sec", dtfxPerSecond),
            ("dtfx_raw_queue_writes_per_sec", dtfx["raw_queue_writes_per_sec"]),
            ("dtfx_ratio_to_raw", dtfx["ratio"]),
            ("ours_over_dtfx", oursPerSecond / dtfxPerSecond),
            ("verified", ours["verified"] == "true" && dtfx["verified"] == "true"));
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
