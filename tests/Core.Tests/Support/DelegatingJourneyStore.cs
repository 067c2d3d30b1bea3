using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Core.Tests.Support;

/// <summary>Passes every call to an inner store; tests override a call to make something happen in between.</summary>
public class DelegatingJourneyStore(IJourneyStore inner) : IJourneyStore
{
    public virtual Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return inner.DisposeAsync();
    }

    public virtual Task<CreateResult> CreateInstanceAsync(InstanceRecord instance, InboxMessage startMessage, bool replaceIfFinished, CancellationToken cancellationToken = default) =>
        inner.CreateInstanceAsync(instance, startMessage, replaceIfFinished, cancellationToken);
    public virtual Task<EnqueueResult> EnqueueAsync(InboxMessage message, CancellationToken cancellationToken = default) => inner.EnqueueAsync(message, cancellationToken);
    public virtual Task<InstanceRecord?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default) => inner.GetInstanceAsync(instanceId, cancellationToken);
    public virtual Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default) => inner.GetHistoryAsync(instanceId, cancellationToken);
    public virtual Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default) => inner.QueryInstancesAsync(query, cancellationToken);
    public virtual Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) => inner.PurgeInstanceAsync(instanceId, cancellationToken);
    public virtual Task<int> PurgeInstancesAsync(DateTimeOffset completedBefore, int maxCount, CancellationToken cancellationToken = default) =>
        inner.PurgeInstancesAsync(completedBefore, maxCount, cancellationToken);
    public virtual Task<IReadOnlyList<OrchestrationWorkItem>> LockNextOrchestrationsAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default) =>
        inner.LockNextOrchestrationsAsync(maxCount, now, lockDuration, cancellationToken);
    public virtual Task CommitOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCommit commit, CancellationToken cancellationToken = default) =>
        inner.CommitOrchestrationAsync(workItem, commit, cancellationToken);
    public virtual Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, CancellationToken cancellationToken = default) => inner.AbandonOrchestrationAsync(workItem, cancellationToken);
    public virtual Task<IReadOnlyList<ActivityWorkItem>> LockNextActivitiesAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default) =>
        inner.LockNextActivitiesAsync(maxCount, now, lockDuration, cancellationToken);
    public virtual Task<bool> CompleteActivityAsync(ActivityWorkItem workItem, InboxMessage result, CancellationToken cancellationToken = default) =>
        inner.CompleteActivityAsync(workItem, result, cancellationToken);
    public virtual Task AbandonActivityAsync(ActivityWorkItem workItem, DateTimeOffset visibleAt, CancellationToken cancellationToken = default) =>
        inner.AbandonActivityAsync(workItem, visibleAt, cancellationToken);
    public virtual Task<DateTimeOffset?> GetNextWakeUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default) => inner.GetNextWakeUpAsync(now, cancellationToken);
}
