using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Core.Tests.Support;

/// <summary>
/// A test store kept in memory behind one lock: every operation is atomic. It also passes the
/// conformance suite, so runtime tests on it say something about the real providers.
/// </summary>
public sealed class InMemoryJourneyStore : IJourneyStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _instances = [];
    private readonly Dictionary<string, ActivityWorkItem> _activities = [];
    private long _nextMessageId = 1;

    private sealed class Entry
    {
        public required InstanceRecord Instance { get; set; }
        public List<HistoryEvent> History { get; } = [];
        public List<InboxMessage> Messages { get; } = [];
        public HashSet<string> SeenEventIds { get; } = [];
        public string? LockToken { get; set; }
        public DateTimeOffset LockedUntil { get; set; }
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task<CreateResult> CreateInstanceAsync(InstanceRecord instance, InboxMessage startMessage, bool replaceIfFinished, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            HashSet<string>? seen = null;
            if (_instances.TryGetValue(instance.InstanceId, out var existing))
            {
                if (!existing.Instance.Status.IsFinished() || !replaceIfFinished)
                {
                    return Task.FromResult(CreateResult.AlreadyExists);
                }

                seen = existing.SeenEventIds;
                RemoveInstance(instance.InstanceId);
            }

            var entry = new Entry { Instance = instance };
            if (seen is not null)
            {
                entry.SeenEventIds.UnionWith(seen);
            }

            entry.Messages.Add(startMessage with { Id = _nextMessageId++ });
            _instances[instance.InstanceId] = entry;
            return Task.FromResult(CreateResult.Created);
        }
    }

    public Task<EnqueueResult> EnqueueAsync(InboxMessage message, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue(message.InstanceId, out var entry))
            {
                return Task.FromResult(EnqueueResult.InstanceNotFound);
            }

            if (message.DeduplicationId is { } dedupe && entry.SeenEventIds.Contains(dedupe))
            {
                return Task.FromResult(EnqueueResult.Duplicate);
            }

            if (message.ExecutionId is null && entry.Instance.Status.IsFinished())
            {
                return Task.FromResult(EnqueueResult.InstanceFinished);
            }

            if (message.DeduplicationId is { } id)
            {
                entry.SeenEventIds.Add(id);
            }

            entry.Messages.Add(message with { Id = _nextMessageId++ });
            return Task.FromResult(EnqueueResult.Accepted);
        }
    }

    public Task<InstanceRecord?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_instances.TryGetValue(instanceId, out var entry) ? entry.Instance : null);
        }
    }

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<HistoryEvent> history = _instances.TryGetValue(instanceId, out var entry) ? [.. entry.History] : [];
            return Task.FromResult(history);
        }
    }

    public Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, 1000);
        lock (_gate)
        {
            var matches = _instances.Values.Select(e => e.Instance)
                .Where(i => query.Statuses is null || query.Statuses.Contains(i.Status))
                .Where(i => query.Name is null || string.Equals(i.Name, query.Name, StringComparison.OrdinalIgnoreCase))
                .Where(i => query.InstanceIdPrefix is null || i.InstanceId.StartsWith(query.InstanceIdPrefix, StringComparison.Ordinal))
                .Where(i => query.CreatedFrom is null || i.CreatedAt >= query.CreatedFrom)
                .Where(i => query.CreatedTo is null || i.CreatedAt < query.CreatedTo)
                .Where(i => query.Tags is null || query.Tags.All(t => i.Tags.TryGetValue(t.Key, out var v) && v == t.Value))
                .OrderBy(i => i.CreatedAt).ThenBy(i => i.InstanceId, StringComparer.Ordinal)
                .ToList();
            var start = 0;
            if (query.ContinuationToken is { } token)
            {
                var after = matches.FindIndex(i => i.InstanceId == token);
                start = after + 1;
            }

            var page = matches.Skip(start).Take(query.PageSize).ToList();
            var next = start + page.Count < matches.Count ? page[^1].InstanceId : null;
            return Task.FromResult(new InstancePage(page, next));
        }
    }

    public Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue(instanceId, out var entry))
            {
                return Task.FromResult(PurgeResult.NotFound);
            }

            if (!entry.Instance.Status.IsFinished())
            {
                return Task.FromResult(PurgeResult.NotFinished);
            }

            RemoveInstance(instanceId);
            return Task.FromResult(PurgeResult.Purged);
        }
    }

    public Task<int> PurgeInstancesAsync(DateTimeOffset completedBefore, int maxCount, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var ids = _instances.Values
                .Where(e => e.Instance.Status.IsFinished() && e.Instance.CompletedAt < completedBefore)
                .Take(maxCount).Select(e => e.Instance.InstanceId).ToList();
            ids.ForEach(RemoveInstance);
            return Task.FromResult(ids.Count);
        }
    }

    public Task<IReadOnlyList<OrchestrationWorkItem>> LockNextOrchestrationsAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var items = new List<OrchestrationWorkItem>();
            foreach (var entry in _instances.Values)
            {
                if (items.Count >= maxCount)
                {
                    break;
                }

                if (entry.LockToken is not null && entry.LockedUntil > now)
                {
                    continue;
                }

                var suspended = entry.Instance.Status == InstanceStatus.Suspended;
                var visible = entry.Messages.Where(m => m.VisibleAt <= now && (!suspended || m.IsControl)).OrderBy(m => m.Id).ToList();
                if (visible.Count == 0)
                {
                    continue;
                }

                entry.LockToken = Guid.NewGuid().ToString("N");
                entry.LockedUntil = now + lockDuration;
                items.Add(new OrchestrationWorkItem
                {
                    InstanceId = entry.Instance.InstanceId,
                    LockToken = entry.LockToken,
                    LockedUntil = entry.LockedUntil,
                    Instance = entry.Instance,
                    History = [.. entry.History],
                    Messages = visible,
                });
            }

            return Task.FromResult<IReadOnlyList<OrchestrationWorkItem>>(items);
        }
    }

    public Task CommitOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCommit commit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue(workItem.InstanceId, out var entry) || entry.LockToken != workItem.LockToken)
            {
                throw new LockLostException(workItem.InstanceId);
            }

            var oldExecution = entry.Instance.ExecutionId;
            entry.Instance = commit.Instance with { CreatedAt = entry.Instance.CreatedAt, Tags = entry.Instance.Tags };
            if (commit.ReplaceHistory)
            {
                entry.History.Clear();
            }

            entry.History.AddRange(commit.NewHistory);
            var consumed = commit.ConsumedMessageIds.ToHashSet();
            entry.Messages.RemoveAll(m => consumed.Contains(m.Id));
            if (commit.DeleteAllTimers)
            {
                entry.Messages.RemoveAll(m => m.TimerSequence is not null);
            }

            var cancelled = commit.CancelledTimers.ToHashSet();
            entry.Messages.RemoveAll(m => m.TimerSequence is { } s && m.ExecutionId == oldExecution && cancelled.Contains(s));
            foreach (var message in commit.NewMessages)
            {
                entry.Messages.Add(message with { Id = _nextMessageId++ });
            }

            foreach (var activity in commit.NewActivities)
            {
                _activities[activity.Id] = activity;
            }

            entry.LockToken = null;
            return Task.CompletedTask;
        }
    }

    public Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_instances.TryGetValue(workItem.InstanceId, out var entry) && entry.LockToken == workItem.LockToken)
            {
                entry.LockToken = null;
            }

            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<ActivityWorkItem>> LockNextActivitiesAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var items = _activities.Values
                .Where(a => a.VisibleAt <= now && (a.LockToken is null || a.LockedUntil <= now))
                .OrderBy(a => a.VisibleAt).Take(maxCount).ToList();
            var locked = new List<ActivityWorkItem>();
            foreach (var item in items)
            {
                var updated = item with { LockToken = Guid.NewGuid().ToString("N"), LockedUntil = now + lockDuration, DequeueCount = item.DequeueCount + 1 };
                _activities[item.Id] = updated;
                locked.Add(updated);
            }

            return Task.FromResult<IReadOnlyList<ActivityWorkItem>>(locked);
        }
    }

    public Task<bool> CompleteActivityAsync(ActivityWorkItem workItem, InboxMessage result, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_activities.TryGetValue(workItem.Id, out var stored) || stored.LockToken != workItem.LockToken)
            {
                return Task.FromResult(false);
            }

            _activities.Remove(workItem.Id);
            if (_instances.TryGetValue(result.InstanceId, out var entry))
            {
                entry.Messages.Add(result with { Id = _nextMessageId++ });
            }

            return Task.FromResult(true);
        }
    }

    public Task AbandonActivityAsync(ActivityWorkItem workItem, DateTimeOffset visibleAt, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_activities.TryGetValue(workItem.Id, out var stored) && stored.LockToken == workItem.LockToken)
            {
                _activities[workItem.Id] = stored with { LockToken = null, LockedUntil = null, VisibleAt = visibleAt };
            }

            return Task.CompletedTask;
        }
    }

    public Task<DateTimeOffset?> GetNextWakeUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var times = _instances.Values.SelectMany(e => e.Messages).Select(m => m.VisibleAt)
                .Concat(_activities.Values.Select(a => a.VisibleAt))
                .Where(t => t > now).ToList();
            return Task.FromResult<DateTimeOffset?>(times.Count == 0 ? null : times.Min());
        }
    }

    /// <summary>For tests: pending timer messages of an instance.</summary>
    public IReadOnlyList<InboxMessage> PendingTimers(string instanceId)
    {
        lock (_gate)
        {
            return _instances.TryGetValue(instanceId, out var entry) ? [.. entry.Messages.Where(m => m.TimerSequence is not null)] : [];
        }
    }

    private void RemoveInstance(string instanceId)
    {
        _instances.Remove(instanceId);
        foreach (var id in _activities.Values.Where(a => a.InstanceId == instanceId).Select(a => a.Id).ToList())
        {
            _activities.Remove(id);
        }
    }
}
