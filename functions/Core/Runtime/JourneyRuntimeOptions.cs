using System.ComponentModel.DataAnnotations;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>Tuning of the dispatcher and workers. Validated at start-up.</summary>
public sealed class JourneyRuntimeOptions
{
    /// <summary>Instances locked per store round trip.</summary>
    /// <remarks>
    /// A batch is executed and committed as a whole before the next poll, so work that falls due meanwhile waits for the
    /// whole batch: 100 keeps that wait short while a poll still amortises its round trips. On the SQLite store it applied
    /// more events per second than 200 (fewer episodes per event) with the same timer-burst time (docs/benchmarks.md).
    /// </remarks>
    [Range(1, 1000)]
    public int OrchestrationBatchSize { get; set; } = 100;

    /// <summary>Episodes executed (and committing) at once; commits of concurrent episodes are grouped by the store.</summary>
    [Range(1, 4096)]
    public int MaxConcurrentOrchestrations { get; set; } = 256;

    /// <summary>Activities running at once.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentActivities { get; set; } = 32;

    /// <summary>How long a worker owns a locked instance; after that another worker may take it over.</summary>
    public TimeSpan OrchestrationLockDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a worker owns a locked activity; a crashed worker's activity runs again after this.</summary>
    public TimeSpan ActivityLockDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Longest sleep of an idle worker without a signal. In-process enqueues wake workers at once and timers
    /// wake them at their due time; this only bounds how late work written by another process is noticed.
    /// </summary>
    public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delay before an activity that failed with an infrastructure error (not its own exception) is tried again.</summary>
    public TimeSpan ActivityAbandonDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Whether to run the background workers (a host may run only the API).</summary>
    public bool RunWorkers { get; set; } = true;
}
