using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Runtime;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Core.Simulation;

/// <summary>How a read-only replay went: whether the code fit its history to the end, and if not where it stopped.</summary>
public sealed record HistoryReplayResult(bool Replayed, string? Problem);

/// <summary>
/// Replays an orchestration's recorded history through its code, in memory, and runs nothing new: no activity, no timer, no
/// write. The code sees exactly what it saw when it ran (its time, events, activity results), so it makes the same decisions,
/// and an <c>IJourneyTrace</c> that includes replay hears each of them: this is how a live journey's timeline says why it did
/// what it did. Works on any engine's history as the SDK returns it (DurableTask.Core records no timer cancellations, so
/// those the code makes are not matched).
/// </summary>
public static class HistoryReplayer
{
    /// <summary>
    /// Replays <paramref name="history"/> (one execution, oldest first) through <paramref name="orchestrator"/>;
    /// <paramref name="onRecorded"/> hears each recorded event in order, a delivery (the start, events, timers fired, activity
    /// results) before the code gets it.
    /// </summary>
    public static HistoryReplayResult Replay(ITaskOrchestrator orchestrator, string instanceId, IReadOnlyList<HistoryEvent> history, Action<HistoryEvent>? onRecorded = null)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        ArgumentNullException.ThrowIfNull(history);
        if (!history.OfType<JourneyStarted>().Any())
        {
            return new HistoryReplayResult(false, "The history has no start event.");
        }

        var last = history[^1].Timestamp;
        var result = OrchestrationExecutor.Execute(
            instanceId, orchestrator, history, [], last, customStatus: null,
            hooks: new ReplayHooks { OnRecorded = onRecorded, CancellationsNotRecorded = true });
        return result.Outcome == ExecutionOutcome.Failed && result.NewHistory.Count > 0
            ? new HistoryReplayResult(false, result.Failure?.Message)
            : new HistoryReplayResult(true, null);
    }
}
