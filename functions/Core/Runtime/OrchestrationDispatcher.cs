using System.Diagnostics;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// Locks instances with pending work, replays them, and commits each episode (history, timers,
/// outbox, status) in one store transaction. One episode per instance at a time (the store's lock);
/// many instances in parallel.
/// </summary>
public sealed partial class OrchestrationDispatcher(
    IJourneyStore store,
    JourneyRegistry registry,
    IServiceProvider services,
    TimeProvider time,
    WorkSignal signal,
    IOptions<JourneyRuntimeOptions> options,
    ILogger<OrchestrationDispatcher> logger)
{
    private readonly JourneyRuntimeOptions _options = options.Value;
    private readonly ILoggerFactory _loggerFactory = services.GetService<ILoggerFactory>() ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    /// <summary>Locks one batch of instances and processes it; returns how many instances it processed.</summary>
    /// <remarks>Once locked, a batch is processed and committed even if <paramref name="cancellationToken"/> fires: shutdown loses nothing.</remarks>
    public async Task<int> ProcessBatchAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var items = await store.LockNextOrchestrationsAsync(_options.OrchestrationBatchSize, now, _options.OrchestrationLockDuration, cancellationToken);
        if (items.Count == 0)
        {
            return 0;
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrentOrchestrations };
        await Parallel.ForEachAsync(items, parallel, async (item, _) => await ProcessAsync(item));
        signal.NotifyInstanceChanged();
        return items.Count;
    }

    private async Task ProcessAsync(OrchestrationWorkItem item)
    {
        var started = Stopwatch.GetTimestamp();
        using var span = EngineTelemetry.Source.StartActivity("episode");
        span?.SetTag("journeys.instance_id", item.InstanceId);
        try
        {
            var now = time.GetUtcNow();
            var commit = BuildCommit(item, now);
            if (commit is null)
            {
                await store.AbandonOrchestrationAsync(item, CancellationToken.None);
                EngineTelemetry.Episodes.Add(1, EngineTelemetry.Outcome("abandoned"));
                return;
            }

            await store.CommitOrchestrationAsync(item, commit, CancellationToken.None);
            Record(item, now, started);
            if (commit.NewActivities.Count > 0 || commit.NewMessages.Any(m => m.VisibleAt <= time.GetUtcNow()))
            {
                signal.NotifyWork();
            }
        }
        catch (LockLostException)
        {
            Log.LockLost(logger, item.InstanceId);
            EngineTelemetry.Episodes.Add(1, EngineTelemetry.Outcome("lock-lost"));
        }
#pragma warning disable CA1031 // A failure of one instance must not stop the others; the lock is released so it is retried.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Log.EpisodeFailed(logger, item.InstanceId, error);
            EngineTelemetry.Episodes.Add(1, EngineTelemetry.Outcome("failed"));
            span?.SetStatus(ActivityStatusCode.Error, error.Message);
            try
            {
                await store.AbandonOrchestrationAsync(item, CancellationToken.None);
            }
#pragma warning disable CA1031 // The lock expires anyway; nothing more to do.
            catch (Exception abandonError)
#pragma warning restore CA1031
            {
                Log.AbandonFailed(logger, item.InstanceId, abandonError);
            }
        }
    }

    /// <summary>Decides what one episode writes. Null when there is nothing to write.</summary>
    internal OrchestrationCommit? BuildCommit(OrchestrationWorkItem item, DateTimeOffset now)
    {
        var instance = item.Instance;
        if (instance is null)
        {
            return null;
        }

        var consumed = new List<long>();
        if (instance.Status.IsFinished())
        {
            // Late activity results or timers for a finished instance: drop them.
            consumed.AddRange(item.Messages.Select(m => m.Id));
            return consumed.Count == 0 ? null : new OrchestrationCommit { Instance = instance, NewHistory = [], ConsumedMessageIds = consumed };
        }

        if (item.Messages.FirstOrDefault(m => m.Event is JourneyTerminated) is { Event: JourneyTerminated terminated })
        {
            return new OrchestrationCommit
            {
                Instance = instance with { Status = InstanceStatus.Terminated, LastUpdatedAt = now, CompletedAt = now, Output = JsonData.Serialize(terminated.Reason) },
                NewHistory = [new EpisodeStarted { Timestamp = now }, terminated],
                ConsumedMessageIds = [.. item.Messages.Select(m => m.Id)],
                DeleteAllTimers = true,
            };
        }

        var status = instance.Status;
        var controlHistory = new List<HistoryEvent>();
        var toExecute = new List<InboxMessage>();
        foreach (var message in item.Messages)
        {
            switch (message.Event)
            {
                case JourneySuspended when status != InstanceStatus.Suspended:
                    status = InstanceStatus.Suspended;
                    controlHistory.Add(message.Event);
                    break;
                case JourneyResumed when status == InstanceStatus.Suspended:
                    status = item.History.Count == 0 ? InstanceStatus.Pending : InstanceStatus.Running;
                    controlHistory.Add(message.Event);
                    break;
                case JourneySuspended or JourneyResumed:
                    break; // Suspending a suspended instance, or resuming a running one, changes nothing.
                case var _ when status == InstanceStatus.Suspended:
                    continue; // Left in the inbox until resumed.
                case var _ when message.ExecutionId is not null && message.ExecutionId != instance.ExecutionId:
                    break; // From an execution that ended (ContinueAsNew): stale.
                default:
                    toExecute.Add(message);
                    break;
            }

            consumed.Add(message.Id);
        }

        if (toExecute.Count == 0)
        {
            return consumed.Count == 0 && controlHistory.Count == 0
                ? null
                : new OrchestrationCommit
                {
                    Instance = instance with { Status = status, LastUpdatedAt = now },
                    NewHistory = controlHistory,
                    ConsumedMessageIds = consumed,
                };
        }

        if (item.History.Count == 0)
        {
            // A new execution: its start comes first, then what was received, in the order it was accepted.
            toExecute = [.. toExecute.OrderBy(m => m.Event is JourneyStarted ? 0 : 1).ThenBy(m => m.Event.Timestamp).ThenBy(m => m.Id)];
        }

        var result = Execute(instance, item.History, toExecute, now);
        return ToCommit(instance with { Status = status }, controlHistory, result, consumed, now);
    }

    /// <summary>The metrics of a committed episode: its duration, the events it applied, how late its timers came.</summary>
    private static void Record(OrchestrationWorkItem item, DateTimeOffset now, long started)
    {
        EngineTelemetry.Episodes.Add(1, EngineTelemetry.Outcome("committed"));
        EngineTelemetry.EpisodeDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        foreach (var message in item.Messages)
        {
            switch (message.Event)
            {
                case ExternalEventReceived:
                    EngineTelemetry.EventsApplied.Add(1);
                    break;
                case TimerFired timer:
                    EngineTelemetry.TimerLateness.Record(Math.Max(0, (now - timer.FireAt).TotalMilliseconds));
                    break;
            }
        }
    }

    private ExecutionResult Execute(InstanceRecord instance, IReadOnlyList<HistoryEvent> history, List<InboxMessage> messages, DateTimeOffset now)
    {
        var events = messages.Select(m => m.Event).ToList();
        try
        {
            using var scope = services.CreateScope();
            var orchestration = registry.CreateOrchestrator(instance.Name, scope.ServiceProvider);
            if (orchestration is null)
            {
                return FailedResult(now, new FailureDetails("UnknownOrchestration", $"No orchestration named '{instance.Name}' is registered in this host.", null), instance);
            }

            return OrchestrationExecutor.Execute(instance.InstanceId, orchestration, history, events, now, instance.CustomStatus, _loggerFactory);
        }
#pragma warning disable CA1031 // Anything the runtime or the user's factory throws fails the instance visibly.
        catch (Exception error)
#pragma warning restore CA1031
        {
            return FailedResult(now, FailureDetails.FromException(error), instance);
        }
    }

    private static ExecutionResult FailedResult(DateTimeOffset now, FailureDetails failure, InstanceRecord instance) => new()
    {
        NewHistory = [new EpisodeStarted { Timestamp = now }, new JourneyFailed { Timestamp = now, Failure = failure }],
        Outcome = ExecutionOutcome.Failed,
        Failure = failure,
        CustomStatus = instance.CustomStatus,
    };

    private static OrchestrationCommit ToCommit(InstanceRecord instance, List<HistoryEvent> controlHistory, ExecutionResult result, List<long> consumed, DateTimeOffset now)
    {
        var history = controlHistory.Concat(result.NewHistory).ToList();
        var scheduledNow = result.NewHistory.OfType<TimerScheduled>().Select(t => t.Sequence).ToHashSet();
        var cancelledNow = result.NewHistory.OfType<TimerCancelled>().Select(t => t.TimerSequence).ToHashSet();
        var activities = result.NewHistory.OfType<ActivityScheduled>().Select(a => new ActivityWorkItem
        {
            InstanceId = instance.InstanceId,
            ExecutionId = instance.ExecutionId,
            Sequence = a.Sequence,
            Name = a.Name,
            Input = a.Input,
            Attempt = a.Attempt,
            VisibleAt = now,
        }).ToList();
        var updated = instance with
        {
            Status = instance.Status == InstanceStatus.Pending ? InstanceStatus.Running : instance.Status,
            CustomStatus = result.CustomStatus,
            LastUpdatedAt = now,
        };

        switch (result.Outcome)
        {
            case ExecutionOutcome.Completed:
                return Finished(updated with { Status = InstanceStatus.Completed, Output = result.Output, CompletedAt = now }, history, consumed, activities);
            case ExecutionOutcome.Failed:
                return Finished(updated with { Status = InstanceStatus.Failed, Failure = result.Failure, CompletedAt = now }, history, consumed, activities);
            case ExecutionOutcome.ContinuedAsNew:
                return ContinueAsNew(updated, result, consumed, activities, now);
        }

        var timers = result.NewHistory.OfType<TimerScheduled>()
            .Where(t => !cancelledNow.Contains(t.Sequence))
            .Select(t => new InboxMessage
            {
                InstanceId = instance.InstanceId,
                ExecutionId = instance.ExecutionId,
                Event = new TimerFired { Timestamp = t.FireAt, TimerSequence = t.Sequence, FireAt = t.FireAt },
                VisibleAt = t.FireAt,
            }).ToList();
        return new OrchestrationCommit
        {
            Instance = updated,
            NewHistory = history,
            ConsumedMessageIds = consumed,
            NewMessages = timers,
            CancelledTimers = [.. cancelledNow.Where(s => !scheduledNow.Contains(s))],
            NewActivities = activities,
        };
    }

    private static OrchestrationCommit Finished(InstanceRecord instance, List<HistoryEvent> history, List<long> consumed, List<ActivityWorkItem> activities) => new()
    {
        Instance = instance,
        NewHistory = history,
        ConsumedMessageIds = consumed,
        DeleteAllTimers = true, // An un-awaited timer must not keep a finished journey alive.
        NewActivities = activities,
    };

    private static OrchestrationCommit ContinueAsNew(InstanceRecord instance, ExecutionResult result, List<long> consumed, List<ActivityWorkItem> activities, DateTimeOffset now)
    {
        var executionId = Guid.NewGuid().ToString("N");
        var started = new JourneyStarted { Timestamp = now, Name = instance.Name, Version = instance.Version, ExecutionId = executionId, Input = result.ContinueAsNewInput };
        var messages = new List<InboxMessage>
        {
            new() { InstanceId = instance.InstanceId, ExecutionId = executionId, Event = started, VisibleAt = now },
        };
        messages.AddRange(result.CarriedEvents.Select(e => new InboxMessage { InstanceId = instance.InstanceId, Event = e, VisibleAt = now }));
        return new OrchestrationCommit
        {
            Instance = instance with { ExecutionId = executionId, Input = result.ContinueAsNewInput, Output = null },
            ReplaceHistory = true,
            NewHistory = [],
            ConsumedMessageIds = consumed,
            NewMessages = messages,
            DeleteAllTimers = true,
            NewActivities = activities,
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Lost the lock on instance {InstanceId}; its episode was dropped and will be redone by the new owner.")]
        public static partial void LockLost(ILogger logger, string instanceId);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Processing instance {InstanceId} failed; its work was abandoned and will be retried.")]
        public static partial void EpisodeFailed(ILogger logger, string instanceId, Exception error);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Releasing the lock on instance {InstanceId} failed; it will expire.")]
        public static partial void AbandonFailed(ILogger logger, string instanceId, Exception error);
    }
}
