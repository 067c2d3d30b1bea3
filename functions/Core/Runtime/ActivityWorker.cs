using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Telemetry;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// Runs activity work items from the outbox, at least once: an item stays locked while it runs and is
/// deleted in the same transaction that hands its result to the instance. A crash before that commit
/// makes the item visible again after its lock expires; an idempotency key in the activity's input (the orchestrator
/// makes it) lets the channel recognise the repeat.
/// </summary>
public sealed partial class ActivityWorker(
    IJourneyStore store,
    JourneyRegistry registry,
    IServiceProvider services,
    TimeProvider time,
    WorkSignal signal,
    IOptions<JourneyRuntimeOptions> options,
    ILogger<ActivityWorker> logger)
{
    private readonly JourneyRuntimeOptions _options = options.Value;

    /// <summary>Locks and runs one batch of activities; returns how many it took.</summary>
    /// <param name="cancellationToken">Shutdown: an activity still running then is released (its result, if it comes, dropped) and runs again later.</param>
    public async Task<int> ProcessBatchAsync(CancellationToken cancellationToken = default)
    {
        var items = await store.LockNextActivitiesAsync(_options.MaxConcurrentActivities, time.GetUtcNow(), _options.ActivityLockDuration, cancellationToken);
        if (items.Count == 0)
        {
            return 0;
        }

        await Task.WhenAll(items.Select(item => RunAsync(item, cancellationToken)));
        return items.Count;
    }

    private async Task RunAsync(ActivityWorkItem item, CancellationToken cancellationToken)
    {
        using var span = EngineTelemetry.Source.StartActivity("activity " + item.Name);
        span?.SetTag("journeys.instance_id", item.InstanceId);
        span?.SetTag("journeys.activity.attempt", item.Attempt);
        var name = new KeyValuePair<string, object?>("activity", item.Name);
        if (item.Attempt > 1)
        {
            EngineTelemetry.ActivityRetries.Add(1, name);
        }

        HistoryEvent outcome;
        try
        {
            outcome = await InvokeAsync(item, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await store.AbandonActivityAsync(item, time.GetUtcNow(), CancellationToken.None);
            EngineTelemetry.Activities.Add(1, name, EngineTelemetry.Outcome("abandoned"));
            return;
        }

        var failed = outcome is ActivityFailed;
        EngineTelemetry.Activities.Add(1, name, EngineTelemetry.Outcome(failed ? "failed" : "completed"));
        if (failed)
        {
            span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error);
        }

        var result = new InboxMessage { InstanceId = item.InstanceId, ExecutionId = item.ExecutionId, Event = outcome, VisibleAt = time.GetUtcNow() };
        try
        {
            if (await store.CompleteActivityAsync(item, result, CancellationToken.None))
            {
                signal.NotifyWork();
            }
            else
            {
                Log.ActivityLockLost(logger, item.Name, item.IdempotencyKey);
            }
        }
#pragma warning disable CA1031 // The store failed: release the item so it is run again; the idempotency key covers the repeat.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Log.ActivityCommitFailed(logger, item.Name, item.IdempotencyKey, error);
            await store.AbandonActivityAsync(item, time.GetUtcNow() + _options.ActivityAbandonDelay, CancellationToken.None);
        }
    }

    private async Task<HistoryEvent> InvokeAsync(ActivityWorkItem item, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var scope = services.CreateAsyncScope();
        var activity = registry.CreateActivity(item.Name, scope.ServiceProvider);
        if (activity is null)
        {
            return new ActivityFailed
            {
                Timestamp = now,
                ScheduledSequence = item.Sequence,
                Failure = new FailureDetails("UnknownActivity", $"No activity named '{item.Name}' is registered in this host.", null),
            };
        }

        var context = new EmbeddedActivityContext(new TaskName(item.Name), item.InstanceId);
        try
        {
            var input = JsonData.Deserialize(item.Input, activity.InputType);
            // The SDK's activities take no cancellation token: on shutdown the run is abandoned (released to run again).
            var output = await activity.RunAsync(context, input).WaitAsync(cancellationToken);
            return new ActivityCompleted { Timestamp = time.GetUtcNow(), ScheduledSequence = item.Sequence, Result = JsonData.Serialize(output) };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // The activity's own failure is its result: recorded in history, retried per the orchestration's policy.
        catch (Exception error)
#pragma warning restore CA1031
        {
            Log.ActivityFailed(logger, item.Name, item.IdempotencyKey, error);
            return new ActivityFailed { Timestamp = time.GetUtcNow(), ScheduledSequence = item.Sequence, Failure = FailureDetails.FromException(error) };
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Warning, Message = "Activity {Name} ({IdempotencyKey}) failed.")]
        public static partial void ActivityFailed(ILogger logger, string name, string idempotencyKey, Exception error);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Activity {Name} ({IdempotencyKey}) finished after its lock was lost; its result was dropped (another worker owns it).")]
        public static partial void ActivityLockLost(ILogger logger, string name, string idempotencyKey);

        [LoggerMessage(EventId = 1103, Level = LogLevel.Error, Message = "Recording the result of activity {Name} ({IdempotencyKey}) failed; it will run again.")]
        public static partial void ActivityCommitFailed(ILogger logger, string name, string idempotencyKey, Exception error);
    }
}
