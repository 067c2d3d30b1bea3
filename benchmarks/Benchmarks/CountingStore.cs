using System.Diagnostics;
using System.Reflection;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Sqlite;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// A pass-through <see cref="IJourneyStore"/> that counts what became durable: it looks at each orchestration
/// commit after the inner store's task completed (so after the COMMIT and its fsync) and bumps counters.
/// This is how the benchmarks know "every event applied" or "every timer fired" without polling the database.
/// The cost is a few interlocked increments per commit.
/// </summary>
internal sealed class CountingStore(IJourneyStore inner) : IJourneyStore
{
    private long _commits;
    private long _eventsApplied;
    private long _started;
    private long _completed;
    private long _wakeUpPolls;
    private long _lastEventCommitTicks;
    private long _lockTicks;
    private long _lockCalls;
    private long _lockedItems;

    /// <summary>Dispatcher polls so far: (calls, instances locked, total time spent in the call).</summary>
    public (long Calls, long Items, TimeSpan Time) LockStats =>
        (Interlocked.Read(ref _lockCalls), Interlocked.Read(ref _lockedItems), Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _lockTicks)));

    /// <summary>Set JO_BENCH_TRACE=1 to log every poll of the dispatcher to stderr (diagnostics only).</summary>
    private static readonly bool Trace = Environment.GetEnvironmentVariable("JO_BENCH_TRACE") == "1";

    public IJourneyStore Inner => inner;

    /// <summary>Called after a commit became durable, with the commit and the time it returned.</summary>
    public Action<OrchestrationCommit, DateTimeOffset>? Committed { get; set; }

    public long Commits => Interlocked.Read(ref _commits);
    public long EventsApplied => Interlocked.Read(ref _eventsApplied);
    /// <summary>First episodes committed (the history got its <see cref="JourneyStarted"/>).</summary>
    public long Started => Interlocked.Read(ref _started);
    public long Completed => Interlocked.Read(ref _completed);
    public long WakeUpPolls => Interlocked.Read(ref _wakeUpPolls);
    /// <summary><see cref="Stopwatch.GetTimestamp"/> when the last commit that applied external events returned.</summary>
    public long LastEventCommitTicks => Interlocked.Read(ref _lastEventCommitTicks);
    public TimeSpan InitializeTime { get; private set; }

    /// <summary>The SQLite group-commit writer's (transactions, requests) so far, read through reflection (they are internal); null for another store or if the store's shape changed.</summary>
    public (long Batches, long Requests)? WriterStats()
    {
        if (inner is not SqliteJourneyStore)
        {
            return null;
        }

        var writer = typeof(SqliteJourneyStore).GetProperty("Writer", BindingFlags.Instance | BindingFlags.NonPublic)?.GetValue(inner);
        if (writer?.GetType() is not { } type
            || type.GetProperty("BatchCount")?.GetValue(writer) is not long batches
            || type.GetProperty("RequestCount")?.GetValue(writer) is not long requests)
        {
            return null;
        }

        return (batches, requests);
    }

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        await inner.InitializeAsync(cancellationToken);
        InitializeTime = Stopwatch.GetElapsedTime(started);
    }

    public async Task CommitOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCommit commit, CancellationToken cancellationToken = default)
    {
        await inner.CommitOrchestrationAsync(workItem, commit, cancellationToken);
        var returned = TimeProvider.System.GetUtcNow();
        Interlocked.Increment(ref _commits);
        var events = 0;
        var started = false;
        foreach (var e in commit.NewHistory)
        {
            if (e is ExternalEventReceived)
            {
                events++;
            }
            else if (e is JourneyStarted)
            {
                started = true;
            }
        }

        if (started)
        {
            Interlocked.Increment(ref _started);
        }

        if (commit.Instance.Status == InstanceStatus.Completed)
        {
            Interlocked.Increment(ref _completed);
        }

        if (events > 0)
        {
            Interlocked.Exchange(ref _lastEventCommitTicks, Stopwatch.GetTimestamp());
            Interlocked.Add(ref _eventsApplied, events);
        }

        Committed?.Invoke(commit, returned);
    }

    public async Task<DateTimeOffset?> GetNextWakeUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var next = await inner.GetNextWakeUpAsync(now, cancellationToken);
        Interlocked.Increment(ref _wakeUpPolls);
        if (Trace)
        {
            Report.Progress($"trace: GetNextWakeUp(now={now:HH:mm:ss.fff}) = {next:HH:mm:ss.fff}");
        }

        return next;
    }

    public Task<CreateResult> CreateInstanceAsync(InstanceRecord instance, InboxMessage startMessage, bool replaceIfFinished, CancellationToken cancellationToken = default) =>
        inner.CreateInstanceAsync(instance, startMessage, replaceIfFinished, cancellationToken);

    public Task<EnqueueResult> EnqueueAsync(InboxMessage message, CancellationToken cancellationToken = default) =>
        inner.EnqueueAsync(message, cancellationToken);

    public Task<InstanceRecord?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        inner.GetInstanceAsync(instanceId, cancellationToken);

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default) =>
        inner.GetHistoryAsync(instanceId, cancellationToken);

    public Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default) =>
        inner.QueryInstancesAsync(query, cancellationToken);

    public Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default) =>
        inner.PurgeInstanceAsync(instanceId, cancellationToken);

    public Task<int> PurgeInstancesAsync(DateTimeOffset completedBefore, int maxCount, CancellationToken cancellationToken = default) =>
        inner.PurgeInstancesAsync(completedBefore, maxCount, cancellationToken);

    public async Task<IReadOnlyList<OrchestrationWorkItem>> LockNextOrchestrationsAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        var began = Stopwatch.GetTimestamp();
        var items = await inner.LockNextOrchestrationsAsync(maxCount, now, lockDuration, cancellationToken);
        Interlocked.Add(ref _lockTicks, Stopwatch.GetTimestamp() - began);
        Interlocked.Increment(ref _lockCalls);
        Interlocked.Add(ref _lockedItems, items.Count);
        if (Trace)
        {
            Report.Progress($"trace: LockNextOrchestrations(now={now:HH:mm:ss.fff}) = {items.Count}");
        }

        return items;
    }

    public Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, CancellationToken cancellationToken = default) =>
        inner.AbandonOrchestrationAsync(workItem, cancellationToken);

    public Task<IReadOnlyList<ActivityWorkItem>> LockNextActivitiesAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default) =>
        inner.LockNextActivitiesAsync(maxCount, now, lockDuration, cancellationToken);

    public Task<bool> CompleteActivityAsync(ActivityWorkItem workItem, InboxMessage result, CancellationToken cancellationToken = default) =>
        inner.CompleteActivityAsync(workItem, result, cancellationToken);

    public Task AbandonActivityAsync(ActivityWorkItem workItem, DateTimeOffset visibleAt, CancellationToken cancellationToken = default) =>
        inner.AbandonActivityAsync(workItem, visibleAt, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
