using System.Text.Json.Serialization;
using JourneyOrchestrator.Core.History;

namespace JourneyOrchestrator.Core.Storage;

/// <summary>The runtime status of an instance, as stored and as shown to clients.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<InstanceStatus>))]
public enum InstanceStatus
{
    /// <summary>Created; its start message has not been processed yet.</summary>
    Pending,
    Running,
    Completed,
    Failed,
    Terminated,
    Suspended,
}

public static class InstanceStatusExtensions
{
    /// <summary>Completed, failed and terminated instances are finished: they accept no more events.</summary>
    public static bool IsFinished(this InstanceStatus status) =>
        status is InstanceStatus.Completed or InstanceStatus.Failed or InstanceStatus.Terminated;
}

/// <summary>The instance row: what a status query returns without the history.</summary>
public sealed record InstanceRecord
{
    public required string InstanceId { get; init; }
    /// <summary>Changes on every ContinueAsNew; activity results carry it so stale ones are discarded.</summary>
    public required string ExecutionId { get; init; }
    /// <summary>The registered orchestration name.</summary>
    public required string Name { get; init; }
    public string? Version { get; init; }
    public required InstanceStatus Status { get; init; }
    /// <summary>JSON text of the current execution's input.</summary>
    public string? Input { get; init; }
    /// <summary>JSON text of the output once completed.</summary>
    public string? Output { get; init; }
    /// <summary>JSON text set by <c>SetCustomStatus</c>.</summary>
    public string? CustomStatus { get; init; }
    public FailureDetails? Failure { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset LastUpdatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>Free key/value labels set at start (e.g. dealer, customer); queries filter on them by equality.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>A message in an instance's inbox: the history event it will become once applied.</summary>
public sealed record InboxMessage
{
    /// <summary>Assigned by the store, increasing in enqueue order; 0 before it is stored.</summary>
    public long Id { get; init; }
    public required string InstanceId { get; init; }
    /// <summary>
    /// Set for messages that belong to one execution (timers, activity results): the dispatcher discards them
    /// when the instance has moved on. Null for external events and control messages, which go to the current execution.
    /// </summary>
    public string? ExecutionId { get; init; }
    /// <summary>
    /// The fact: <see cref="JourneyStarted"/>, <see cref="ExternalEventReceived"/>, <see cref="TimerFired"/>,
    /// <see cref="ActivityCompleted"/>, <see cref="ActivityFailed"/>, or a control event
    /// (<see cref="JourneyTerminated"/>, <see cref="JourneySuspended"/>, <see cref="JourneyResumed"/>).
    /// </summary>
    public required HistoryEvent Event { get; init; }
    /// <summary>Not delivered before this time (timers use it as their due time).</summary>
    public required DateTimeOffset VisibleAt { get; init; }
    /// <summary>Duplicate suppression key, unique per instance for ever (until purge).</summary>
    public string? DeduplicationId { get; init; }

    /// <summary>Control messages are processed even while the instance is suspended.</summary>
    public bool IsControl => Event is JourneyTerminated or JourneyResumed or JourneySuspended;

    /// <summary>For a timer message, the timer's sequence (so the store can delete it on cancellation); else null.</summary>
    public int? TimerSequence => Event is TimerFired fired ? fired.TimerSequence : null;
}

/// <summary>A locked instance with its history and visible messages.</summary>
public sealed record OrchestrationWorkItem
{
    public required string InstanceId { get; init; }
    public required string LockToken { get; init; }
    public required DateTimeOffset LockedUntil { get; init; }
    /// <summary>The instance row; null only if it was purged between lock and read (the item then holds no messages worth applying).</summary>
    public required InstanceRecord? Instance { get; init; }
    public required IReadOnlyList<HistoryEvent> History { get; init; }
    public required IReadOnlyList<InboxMessage> Messages { get; init; }
}

/// <summary>Everything one episode writes, committed in one transaction by <see cref="IJourneyStore.CommitOrchestrationAsync"/>.</summary>
public sealed record OrchestrationCommit
{
    /// <summary>The instance row after the episode (status, execution id, output, custom status, ...).</summary>
    public required InstanceRecord Instance { get; init; }
    /// <summary>When true the stored history is deleted and <see cref="NewHistory"/> is the whole history of the new execution (ContinueAsNew).</summary>
    public bool ReplaceHistory { get; init; }
    public required IReadOnlyList<HistoryEvent> NewHistory { get; init; }
    /// <summary>Ids of the messages this episode applied or discarded: deleted.</summary>
    public required IReadOnlyList<long> ConsumedMessageIds { get; init; }
    /// <summary>New inbox messages for this instance (timers: <see cref="TimerFired"/> visible at their due time).</summary>
    public IReadOnlyList<InboxMessage> NewMessages { get; init; } = [];
    /// <summary>Timer sequences (of <see cref="InstanceRecord.ExecutionId"/> before the episode) whose messages are deleted.</summary>
    public IReadOnlyList<int> CancelledTimers { get; init; } = [];
    /// <summary>When true every pending timer message of the instance is deleted (the execution ended).</summary>
    public bool DeleteAllTimers { get; init; }
    /// <summary>New activity work items: the outbox, written in the same transaction.</summary>
    public IReadOnlyList<ActivityWorkItem> NewActivities { get; init; } = [];
}

/// <summary>An activity to run: an outbox row. At least once; <see cref="IdempotencyKey"/> lets a channel deduplicate.</summary>
public sealed record ActivityWorkItem
{
    /// <summary>Unique: equal to <see cref="IdempotencyKey"/>.</summary>
    public string Id => IdempotencyKey;
    public required string InstanceId { get; init; }
    public required string ExecutionId { get; init; }
    public required int Sequence { get; init; }
    public required string Name { get; init; }
    public string? Input { get; init; }
    public int Attempt { get; init; } = 1;
    public required DateTimeOffset VisibleAt { get; init; }
    /// <summary>How many times a worker has taken this item (set by the store when locked).</summary>
    public int DequeueCount { get; init; }
    /// <summary>Set by the store when locked.</summary>
    public string? LockToken { get; init; }
    public DateTimeOffset? LockedUntil { get; init; }

    /// <summary>"{instance}:{execution}:{sequence}": stable across retries of the same attempt and crashes.</summary>
    public string IdempotencyKey => $"{InstanceId}:{ExecutionId}:{Sequence}";
}

/// <summary>Filters for <see cref="IJourneyStore.QueryInstancesAsync"/>; every filter given must match.</summary>
public sealed record InstanceQuery
{
    public IReadOnlyCollection<InstanceStatus>? Statuses { get; init; }
    public string? Name { get; init; }
    public string? InstanceIdPrefix { get; init; }
    public DateTimeOffset? CreatedFrom { get; init; }
    public DateTimeOffset? CreatedTo { get; init; }
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    /// <summary>1..1000.</summary>
    public int PageSize { get; init; } = 100;
    /// <summary>Opaque token from a previous page, or null for the first page.</summary>
    public string? ContinuationToken { get; init; }
}

public sealed record InstancePage(IReadOnlyList<InstanceRecord> Instances, string? ContinuationToken);
