using JourneyOrchestrator.Core.History;

namespace JourneyOrchestrator.Core.Storage;

/// <summary>
/// The storage port. Small and transactional: every write touches exactly one instance
/// (no transaction spans two instances), so that a partitioned store (Azure Tables with
/// the instance id as partition key) can implement it with one entity-group transaction.
/// </summary>
/// <remarks>
/// <para>Times are always passed in by the caller (from the runtime's <see cref="TimeProvider"/>);
/// a store never reads the wall clock to decide visibility or lock expiry.</para>
/// <para>Every provider must pass the conformance suite in <c>tests/Storage.Conformance</c>.</para>
/// </remarks>
public interface IJourneyStore : IAsyncDisposable
{
    /// <summary>Creates or upgrades the schema. Idempotent; called once at start-up.</summary>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    // ---- client side -------------------------------------------------------------------

    /// <summary>
    /// Creates a new instance (status <see cref="InstanceStatus.Pending"/>) and its start message
    /// (a <see cref="JourneyStarted"/> event) atomically.
    /// </summary>
    /// <returns>
    /// <see cref="CreateResult.Created"/>; <see cref="CreateResult.AlreadyExists"/> when an instance
    /// with that id exists and is not finished, or is finished and <paramref name="replaceIfFinished"/>
    /// is false. With <paramref name="replaceIfFinished"/> a finished instance's history, messages,
    /// activities and tags are deleted and the new one takes its place (event ids already seen are kept).
    /// </returns>
    Task<CreateResult> CreateInstanceAsync(InstanceRecord instance, InboxMessage startMessage, bool replaceIfFinished, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends a message to an instance's inbox. When <see cref="InboxMessage.DeduplicationId"/> is set
    /// and was seen before for this instance (in any execution), nothing is written and
    /// <see cref="EnqueueResult.Duplicate"/> is returned. Messages that are not
    /// <see cref="InboxMessage.IsControl"/> are refused with <see cref="EnqueueResult.InstanceFinished"/>
    /// when the instance is completed, failed or terminated. Activity results (<see cref="InboxMessage.ExecutionId"/>
    /// set) are accepted whatever the status; the dispatcher discards them if they are stale.
    /// </summary>
    Task<EnqueueResult> EnqueueAsync(InboxMessage message, CancellationToken cancellationToken = default);

    Task<InstanceRecord?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>The current execution's history in order.</summary>
    Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Instances matching every given filter, ordered by creation time then id, a page at a time.</summary>
    Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a finished instance and everything it owns (history, messages, activities, tags, seen event ids).
    /// Returns <see cref="PurgeResult.NotFound"/> or <see cref="PurgeResult.NotFinished"/> without deleting anything otherwise.
    /// </summary>
    Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default);

    /// <summary>Purges up to <paramref name="maxCount"/> finished instances completed before <paramref name="completedBefore"/>; returns how many.</summary>
    Task<int> PurgeInstancesAsync(DateTimeOffset completedBefore, int maxCount, CancellationToken cancellationToken = default);


    // ---- orchestration dispatcher ------------------------------------------------------

    /// <summary>
    /// Locks up to <paramref name="maxCount"/> instances that have at least one message visible at
    /// <paramref name="now"/> and are not locked (or whose lock expired before <paramref name="now"/>).
    /// A suspended instance is only returned when it has a visible control message, and then only its
    /// control messages are in the work item. Each work item carries the instance, its current
    /// history and its visible messages in enqueue order.
    /// </summary>
    Task<IReadOnlyList<OrchestrationWorkItem>> LockNextOrchestrationsAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits one episode atomically: the new instance state, appended (or, on a new execution, replaced)
    /// history, deletion of the consumed messages, new messages (timers), deleted timers, new activity work
    /// items (the outbox), and releases the lock.
    /// </summary>
    /// <exception cref="LockLostException">The lock token no longer matches (expired and taken by another worker, or purged); nothing was written.</exception>
    Task CommitOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCommit commit, CancellationToken cancellationToken = default);

    /// <summary>Releases the lock without writing anything; the messages stay and are visible again at once.</summary>
    Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, CancellationToken cancellationToken = default);

    // ---- activity worker ---------------------------------------------------------------

    /// <summary>Locks up to <paramref name="maxCount"/> activity work items visible at <paramref name="now"/>, incrementing each one's dequeue count.</summary>
    Task<IReadOnlyList<ActivityWorkItem>> LockNextActivitiesAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes the activity work item and enqueues its result message into the owning instance's inbox in one
    /// transaction. Returns false (and writes nothing) when the lock was lost: another worker owns the item now,
    /// or it was deleted (instance purged).
    /// </summary>
    Task<bool> CompleteActivityAsync(ActivityWorkItem workItem, InboxMessage result, CancellationToken cancellationToken = default);

    /// <summary>Releases the lock; the item becomes visible again at <paramref name="visibleAt"/>.</summary>
    Task AbandonActivityAsync(ActivityWorkItem workItem, DateTimeOffset visibleAt, CancellationToken cancellationToken = default);

    // ---- poller ------------------------------------------------------------------------

    /// <summary>
    /// The earliest visibility time strictly after <paramref name="now"/> of any message or activity, or null when
    /// there is none. Workers sleep until then (or until signalled, or their safety poll interval).
    /// </summary>
    Task<DateTimeOffset?> GetNextWakeUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default);
}

public enum CreateResult { Created, AlreadyExists }

public enum EnqueueResult { Accepted, Duplicate, InstanceNotFound, InstanceFinished }

public enum PurgeResult { Purged, NotFound, NotFinished }

/// <summary>Thrown by a commit whose lock is no longer held; the caller drops its work and lets the new owner redo it.</summary>
public sealed class LockLostException(string instanceId)
    : Exception($"The lock on instance '{instanceId}' was lost; the work was not committed and will be redone by the current owner.")
{
    public string InstanceId { get; } = instanceId;
}
