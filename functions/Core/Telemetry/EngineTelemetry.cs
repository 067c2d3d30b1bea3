using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace JourneyOrchestrator.Core.Telemetry;

/// <summary>
/// The embedded engine's metrics and trace source, one registry for the assembly (names: docs/operations.md). Instruments
/// are created once; recording costs nothing measurable while no listener (OpenTelemetry, <c>dotnet-counters</c>) listens.
/// </summary>
public static class EngineTelemetry
{
    /// <summary>The meter's and the activity source's name: <c>AddMeter</c> / <c>AddSource</c> it.</summary>
    public const string Name = "JourneyOrchestrator.Engine";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>Orchestration episodes by <c>outcome</c>: <c>committed</c>, <c>abandoned</c> (nothing to run), <c>failed</c>, <c>lock-lost</c>.</summary>
    public static readonly Counter<long> Episodes = Meter.CreateCounter<long>(
        "journeys.engine.episodes", "{episode}", "Orchestration episodes, by outcome.");

    /// <summary>From an episode's start (its messages locked) to its commit.</summary>
    public static readonly Histogram<double> EpisodeDuration = Meter.CreateHistogram<double>(
        "journeys.engine.episode.duration", "ms", "Time from locking an instance's messages to committing its episode.");

    /// <summary>External events applied by committed episodes.</summary>
    public static readonly Counter<long> EventsApplied = Meter.CreateCounter<long>(
        "journeys.engine.events.applied", "{event}", "External events applied by committed episodes.");

    /// <summary>How late a durable timer reaches its orchestration (engine clock: virtual on the manual clock).</summary>
    public static readonly Histogram<double> TimerLateness = Meter.CreateHistogram<double>(
        "journeys.engine.timer.lateness", "ms", "When a timer's episode runs minus the timer's due time.");

    /// <summary>Activity runs by <c>activity</c> (its name) and <c>outcome</c>: <c>completed</c>, <c>failed</c>, <c>abandoned</c>.</summary>
    public static readonly Counter<long> Activities = Meter.CreateCounter<long>(
        "journeys.engine.activities", "{run}", "Activity runs, by activity and outcome.");

    /// <summary>Activity runs that are a retry (attempt 2 or more of the orchestration's retry policy), by <c>activity</c>.</summary>
    public static readonly Counter<long> ActivityRetries = Meter.CreateCounter<long>(
        "journeys.engine.activity.retries", "{run}", "Activity runs that retry an earlier failed attempt.");

    public static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);
}
