using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>How an episode left the execution.</summary>
internal enum ExecutionOutcome { Running, Completed, Failed, ContinuedAsNew }

/// <summary>What one episode produced. The dispatcher turns it into an <see cref="Storage.OrchestrationCommit"/>.</summary>
internal sealed record ExecutionResult
{
    /// <summary>The events to append, starting with <see cref="EpisodeStarted"/>; empty when nothing was applied.</summary>
    public required IReadOnlyList<HistoryEvent> NewHistory { get; init; }
    public required ExecutionOutcome Outcome { get; init; }
    public string? Output { get; init; }
    public FailureDetails? Failure { get; init; }
    public string? ContinueAsNewInput { get; init; }
    /// <summary>External events to deliver to the next execution after ContinueAsNew.</summary>
    public IReadOnlyList<ExternalEventReceived> CarriedEvents { get; init; } = [];
    public string? CustomStatus { get; init; }
}

/// <summary>What a replay that only reads (<see cref="Simulation.HistoryReplayer"/>) asks of the executor.</summary>
internal sealed record ReplayHooks
{
    /// <summary>Called with each recorded event in order; a delivery (start, event, timer fired, activity result) before the code gets it.</summary>
    public Action<HistoryEvent>? OnRecorded { get; init; }
    /// <summary>The history has no <see cref="TimerCancelled"/> events (DurableTask.Core records none): the code's cancellations match nothing.</summary>
    public bool CancellationsNotRecorded { get; init; }
}

/// <summary>
/// Replays orchestration code against its history, checks that it makes the same decisions
/// (non-determinism detection), then applies the new events and records what the code does next.
/// Synchronous: the orchestration runs on the caller's thread under an
/// <see cref="OrchestrationSynchronizationContext"/>.
/// </summary>
internal static class OrchestrationExecutor
{
    public static ExecutionResult Execute(
        string instanceId,
        ITaskOrchestrator orchestration,
        IReadOnlyList<HistoryEvent> history,
        IReadOnlyList<HistoryEvent> newEvents,
        DateTimeOffset now,
        string? customStatus,
        ILoggerFactory? loggerFactory = null,
        ReplayHooks? hooks = null)
    {
        var started = history.OfType<JourneyStarted>().FirstOrDefault() ?? newEvents.OfType<JourneyStarted>().FirstOrDefault()
            ?? throw new InvalidOperationException($"Instance '{instanceId}' has no JourneyStarted event to run from.");
        var context = new RuntimeOrchestrationContext(instanceId, started, customStatus, loggerFactory);
        var sync = new OrchestrationSynchronizationContext();
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(sync);
        try
        {
            return Run(context, sync, orchestration, history, newEvents, now, hooks);
        }
        catch (NonDeterminismException nonDeterminism)
        {
            return Failed(now, nonDeterminism, context);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }
    }

    private static ExecutionResult Run(
        RuntimeOrchestrationContext context,
        OrchestrationSynchronizationContext sync,
        ITaskOrchestrator orchestration,
        IReadOnlyList<HistoryEvent> history,
        IReadOnlyList<HistoryEvent> newEvents,
        DateTimeOffset now,
        ReplayHooks? hooks)
    {
        Task<object?>? code = null;

        // 1. Replay: the code must do again exactly what the history says it did.
        for (var position = 0; position < history.Count; position++)
        {
            var recorded = history[position];
            if (hooks?.CancellationsNotRecorded == true && recorded is not TimerCancelled)
            {
                SkipCancellations(context);
            }

            hooks?.OnRecorded?.Invoke(recorded);
            if (recorded is TimerScheduled or ActivityScheduled or TimerCancelled)
            {
                Match(context, position, recorded);
                continue;
            }

            if (!IsDelivery(recorded))
            {
                continue;
            }

            EnsureAllMatched(context, position, recorded);
            if (code is { IsCompleted: true } && recorded is not EpisodeStarted)
            {
                throw new NonDeterminismException(context.InstanceId, position, Describe(recorded), "nothing: the orchestration already returned");
            }

            code = Deliver(context, sync, orchestration, recorded, code);
        }

        if (hooks?.CancellationsNotRecorded == true)
        {
            SkipCancellations(context);
        }

        EnsureAllMatched(context, history.Count, null);

        // 2. The new episode: from here on every action is recorded as new history.
        context.Replaying = false;
        context.SetCurrentTime(now);
        var recordedNew = context.NewActions;
        recordedNew.Add(new EpisodeStarted { Timestamp = now });
        var leftovers = new List<ExternalEventReceived>();
        var applied = 0;
        foreach (var received in newEvents)
        {
            if (code is { IsCompleted: true })
            {
                if (received is ExternalEventReceived external)
                {
                    leftovers.Add(external);
                }

                continue;
            }

            if (IsStale(context, received))
            {
                continue;
            }

            recordedNew.Add(received);
            applied++;
            code = Deliver(context, sync, orchestration, received, code);
        }

        if (applied == 0 && recordedNew.Count == 1)
        {
            return new ExecutionResult { NewHistory = [], Outcome = ExecutionOutcome.Running, CustomStatus = context.CustomStatusJson };
        }

        return Conclude(context, code, leftovers, now);
    }

    private static ExecutionResult Conclude(RuntimeOrchestrationContext context, Task<object?>? code, List<ExternalEventReceived> leftovers, DateTimeOffset now)
    {
        var recorded = context.NewActions;
        if (code is null || !code.IsCompleted)
        {
            return new ExecutionResult { NewHistory = recorded, Outcome = ExecutionOutcome.Running, CustomStatus = context.CustomStatusJson };
        }

        if (code.IsFaulted || code.IsCanceled)
        {
            var error = code.Exception?.InnerException ?? new TaskCanceledException("The orchestration was cancelled.");
            var failure = FailureDetails.FromException(error);
            recorded.Add(new JourneyFailed { Timestamp = now, Failure = failure });
            return new ExecutionResult { NewHistory = recorded, Outcome = ExecutionOutcome.Failed, Failure = failure, CustomStatus = context.CustomStatusJson };
        }

        if (context.ContinueAsNewRequest is { } request)
        {
            recorded.Add(new ContinuedAsNew { Timestamp = now, Input = request.Input });
            var carried = request.PreserveEvents ? [.. context.BufferedEvents, .. leftovers] : new List<ExternalEventReceived>();
            return new ExecutionResult
            {
                NewHistory = recorded,
                Outcome = ExecutionOutcome.ContinuedAsNew,
                ContinueAsNewInput = request.Input,
                CarriedEvents = carried,
                CustomStatus = context.CustomStatusJson,
            };
        }

        var output = JsonData.Serialize(code.Result);
        recorded.Add(new JourneyCompleted { Timestamp = now, Output = output });
        return new ExecutionResult { NewHistory = recorded, Outcome = ExecutionOutcome.Completed, Output = output, CustomStatus = context.CustomStatusJson };
    }

    /// <summary>Non-determinism: the history no longer fits the code, so only the failure is recorded.</summary>
    private static ExecutionResult Failed(DateTimeOffset now, Exception error, RuntimeOrchestrationContext context)
    {
        var failure = FailureDetails.FromException(error);
        return new ExecutionResult
        {
            NewHistory = [new EpisodeStarted { Timestamp = now }, new JourneyFailed { Timestamp = now, Failure = failure }],
            Outcome = ExecutionOutcome.Failed,
            Failure = failure,
            CustomStatus = context.CustomStatusJson,
        };
    }

    private static bool IsDelivery(HistoryEvent e) =>
        e is EpisodeStarted or JourneyStarted or ExternalEventReceived or TimerFired or ActivityCompleted or ActivityFailed;

    /// <summary>Timer or activity results the execution no longer waits for (cancelled, or from a crash re-delivery) are dropped, not recorded.</summary>
    private static bool IsStale(RuntimeOrchestrationContext context, HistoryEvent received) => received switch
    {
        TimerFired fired => !context.HasPendingTimer(fired.TimerSequence),
        ActivityCompleted completed => !context.HasPendingActivity(completed.ScheduledSequence),
        ActivityFailed failed => !context.HasPendingActivity(failed.ScheduledSequence),
        JourneyStarted => false,
        ExternalEventReceived => false,
        _ => true,
    };

    private static Task<object?>? Deliver(
        RuntimeOrchestrationContext context,
        OrchestrationSynchronizationContext sync,
        ITaskOrchestrator orchestration,
        HistoryEvent received,
        Task<object?>? code)
    {
        switch (received)
        {
            case EpisodeStarted episode:
                context.SetCurrentTime(episode.Timestamp);
                return code;
            case JourneyStarted when code is null:
                code = Start(orchestration, context);
                break;
            case ExternalEventReceived external:
                context.DeliverEvent(external);
                break;
            case TimerFired fired:
                context.DeliverTimer(fired.TimerSequence);
                break;
            case ActivityCompleted completed:
                context.DeliverActivityResult(completed.ScheduledSequence, completed.Result, null);
                break;
            case ActivityFailed failed:
                context.DeliverActivityResult(failed.ScheduledSequence, null, failed.Failure);
                break;
        }

        sync.Pump();
        return code;
    }

    private static Task<object?> Start(ITaskOrchestrator orchestration, RuntimeOrchestrationContext context)
    {
        try
        {
            var input = JsonData.Deserialize(context.InputJson, orchestration.InputType);
            return orchestration.RunAsync(context, input);
        }
#pragma warning disable CA1031 // Any exception from user code fails the instance; it is recorded, not swallowed.
        catch (Exception error)
#pragma warning restore CA1031
        {
            return Task.FromException<object?>(error);
        }
    }

    private static void Match(RuntimeOrchestrationContext context, int position, HistoryEvent recorded)
    {
        if (!context.UnmatchedActions.TryDequeue(out var action))
        {
            throw new NonDeterminismException(context.InstanceId, position, Describe(recorded), "nothing: the code no longer schedules it");
        }

        var same = (recorded, action) switch
        {
            (TimerScheduled r, TimerScheduled a) => r.Sequence == a.Sequence,
            (ActivityScheduled r, ActivityScheduled a) => r.Sequence == a.Sequence && string.Equals(r.Name, a.Name, StringComparison.OrdinalIgnoreCase),
            (TimerCancelled r, TimerCancelled a) => r.TimerSequence == a.TimerSequence,
            _ => false,
        };
        if (!same)
        {
            throw new NonDeterminismException(context.InstanceId, position, Describe(recorded), Describe(action));
        }
    }

    /// <summary>Drops the timer cancellations the code made that a history without them (DurableTask.Core's) cannot match.</summary>
    private static void SkipCancellations(RuntimeOrchestrationContext context)
    {
        while (context.UnmatchedActions.TryPeek(out var next) && next is TimerCancelled)
        {
            context.UnmatchedActions.Dequeue();
        }
    }

    private static void EnsureAllMatched(RuntimeOrchestrationContext context, int position, HistoryEvent? next)
    {
        if (context.UnmatchedActions.TryPeek(out var extra))
        {
            throw new NonDeterminismException(
                context.InstanceId,
                position,
                next is null ? "the end of the history" : Describe(next),
                Describe(extra));
        }
    }

    private static string Describe(HistoryEvent e) => e switch
    {
        TimerScheduled t => $"TimerScheduled(sequence {t.Sequence}, fires {t.FireAt:O})",
        ActivityScheduled a => $"ActivityScheduled(sequence {a.Sequence}, '{a.Name}')",
        TimerCancelled c => $"TimerCancelled(sequence {c.TimerSequence})",
        ExternalEventReceived x => $"ExternalEventReceived('{x.Name}')",
        TimerFired f => $"TimerFired(sequence {f.TimerSequence})",
        ActivityCompleted c => $"ActivityCompleted(sequence {c.ScheduledSequence})",
        ActivityFailed f => $"ActivityFailed(sequence {f.ScheduledSequence})",
        _ => e.TypeName,
    };
}
