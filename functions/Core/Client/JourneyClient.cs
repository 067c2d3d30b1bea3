using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Core.Client;

/// <summary>Options for <see cref="JourneyClient.StartAsync"/>.</summary>
public sealed record StartOptions
{
    /// <summary>The instance id to use; a new GUID when null. 1-200 characters, no control characters.</summary>
    public string? InstanceId { get; init; }
    /// <summary>Start later: the instance is Pending until then.</summary>
    public DateTimeOffset? StartAt { get; init; }
    public string? Version { get; init; }
    /// <summary>Labels to filter queries on (e.g. dealer, customer).</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
    /// <summary>
    /// When an instance with <see cref="InstanceId"/> exists and is finished (completed, failed, terminated), replace it
    /// (its history is deleted). A running, pending or suspended instance is never replaced.
    /// </summary>
    public bool ReplaceIfFinished { get; init; }
}

/// <summary>An instance's state as a client sees it.</summary>
public sealed record InstanceState(InstanceRecord Instance, IReadOnlyList<HistoryEvent>? History);

/// <summary>Starting an instance whose id is taken.</summary>
public sealed class InstanceAlreadyExistsException(string instanceId)
    : Exception($"An instance with id '{instanceId}' already exists and is not finished (or replacing finished instances was not asked for).")
{
    public string InstanceId { get; } = instanceId;
}

/// <summary>
/// The client API: start, raise events, query, and manage instances. Everything it accepts is durable in the
/// store before its task completes.
/// </summary>
public sealed class JourneyClient(IJourneyStore store, JourneyRegistry registry, TimeProvider time, WorkSignal signal)
{
    /// <summary>Starts an instance of orchestration <paramref name="name"/>; returns its id.</summary>
    /// <exception cref="InstanceAlreadyExistsException">The id is taken (see <see cref="StartOptions.ReplaceIfFinished"/>).</exception>
    /// <exception cref="ArgumentException">Unknown orchestration or invalid id.</exception>
    public async Task<string> StartAsync(string name, object? input = null, StartOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!registry.HasOrchestrator(name))
        {
            throw new ArgumentException($"No orchestration named '{name}' is registered.", nameof(name));
        }

        options ??= new StartOptions();
        var instanceId = options.InstanceId ?? Guid.NewGuid().ToString("N");
        Validate.InstanceId(instanceId);
        var now = time.GetUtcNow();
        var executionId = Guid.NewGuid().ToString("N");
        var inputJson = JsonData.Serialize(input);
        var instance = new InstanceRecord
        {
            InstanceId = instanceId,
            ExecutionId = executionId,
            Name = name,
            Version = options.Version,
            Status = InstanceStatus.Pending,
            Input = inputJson,
            CreatedAt = now,
            LastUpdatedAt = now,
            Tags = options.Tags ?? new Dictionary<string, string>(),
        };
        var start = new InboxMessage
        {
            InstanceId = instanceId,
            ExecutionId = executionId,
            Event = new JourneyStarted { Timestamp = now, Name = name, Version = options.Version, ExecutionId = executionId, Input = inputJson },
            VisibleAt = options.StartAt is { } at && at > now ? at : now,
        };
        if (await store.CreateInstanceAsync(instance, start, options.ReplaceIfFinished, cancellationToken) == CreateResult.AlreadyExists)
        {
            throw new InstanceAlreadyExistsException(instanceId);
        }

        signal.NotifyWork();
        return instanceId;
    }

    /// <summary>
    /// Raises an external event. With <paramref name="eventId"/> a repeat of the same id for this instance is
    /// ignored (<see cref="EnqueueResult.Duplicate"/>), so dealer systems can retry safely.
    /// </summary>
    /// <returns>Accepted, Duplicate, InstanceNotFound, or InstanceFinished (the event was not stored).</returns>
    public async Task<EnqueueResult> RaiseEventAsync(string instanceId, string eventName, object? payload = null, string? eventId = null, CancellationToken cancellationToken = default)
    {
        Validate.InstanceId(instanceId);
        Validate.EventName(eventName);
        if (eventId is not null)
        {
            Validate.EventId(eventId);
        }

        var now = time.GetUtcNow();
        var message = new InboxMessage
        {
            InstanceId = instanceId,
            Event = new ExternalEventReceived { Timestamp = now, Name = eventName, EventId = eventId ?? Guid.NewGuid().ToString("N"), Payload = JsonData.Serialize(payload) },
            VisibleAt = now,
            DeduplicationId = eventId,
        };
        return await EnqueueAsync(message, cancellationToken);
    }

    /// <summary>Terminates the instance: it stops at once, its timers are deleted, its status becomes Terminated.</summary>
    public Task<EnqueueResult> TerminateAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        ControlAsync(instanceId, new JourneyTerminated { Timestamp = time.GetUtcNow(), Reason = reason }, cancellationToken);

    /// <summary>Suspends the instance: events and timers are kept but not processed until <see cref="ResumeAsync"/>.</summary>
    public Task<EnqueueResult> SuspendAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        ControlAsync(instanceId, new JourneySuspended { Timestamp = time.GetUtcNow(), Reason = reason }, cancellationToken);

    /// <summary>Resumes a suspended instance; what arrived meanwhile is processed in order.</summary>
    public Task<EnqueueResult> ResumeAsync(string instanceId, string? reason = null, CancellationToken cancellationToken = default) =>
        ControlAsync(instanceId, new JourneyResumed { Timestamp = time.GetUtcNow(), Reason = reason }, cancellationToken);

    /// <summary>The instance's status, with the current execution's history when asked; null when unknown.</summary>
    public async Task<InstanceState?> GetStatusAsync(string instanceId, bool includeHistory = false, CancellationToken cancellationToken = default)
    {
        Validate.InstanceId(instanceId);
        var instance = await store.GetInstanceAsync(instanceId, cancellationToken);
        if (instance is null)
        {
            return null;
        }

        var history = includeHistory ? await store.GetHistoryAsync(instanceId, cancellationToken) : null;
        return new InstanceState(instance, history);
    }

    /// <summary>Instances matching a filter, a page at a time.</summary>
    public Task<InstancePage> QueryAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, 1000, nameof(query));
        return store.QueryInstancesAsync(query, cancellationToken);
    }

    /// <summary>
    /// Every instance matching a filter: reads page after page (of <see cref="InstanceQuery.PageSize"/>, from
    /// <see cref="InstanceQuery.ContinuationToken"/>) until the store says there is no more. For bounded sets only
    /// (one customer's journeys); a dashboard pages with <see cref="QueryAsync"/>.
    /// </summary>
    public async Task<List<InstanceRecord>> QueryAllAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var all = new List<InstanceRecord>();
        var page = query;
        while (true)
        {
            var result = await QueryAsync(page, cancellationToken);
            all.AddRange(result.Instances);
            if (result.ContinuationToken is null)
            {
                return all;
            }

            page = page with { ContinuationToken = result.ContinuationToken };
        }
    }

    /// <summary>Deletes a finished instance and everything it stored.</summary>
    public Task<PurgeResult> PurgeAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        Validate.InstanceId(instanceId);
        return store.PurgeInstanceAsync(instanceId, cancellationToken);
    }

    /// <summary>Purges finished instances completed before <paramref name="completedBefore"/>, in batches; returns how many.</summary>
    public async Task<int> PurgeFinishedAsync(DateTimeOffset completedBefore, CancellationToken cancellationToken = default)
    {
        var total = 0;
        int purged;
        do
        {
            purged = await store.PurgeInstancesAsync(completedBefore, 500, cancellationToken);
            total += purged;
        }
        while (purged > 0);
        return total;
    }

    /// <summary>
    /// Waits until the instance is finished (completed, failed or terminated) and returns its state.
    /// Woken at once by commits in this process; otherwise polls the store every <paramref name="pollInterval"/> of real time.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown instance.</exception>
    public async Task<InstanceRecord> WaitForCompletionAsync(string instanceId, TimeSpan? pollInterval = null, CancellationToken cancellationToken = default)
    {
        var interval = pollInterval ?? TimeSpan.FromSeconds(1);
        while (true)
        {
            var changed = signal.NextInstanceChange;
            var instance = await store.GetInstanceAsync(instanceId, cancellationToken)
                ?? throw new ArgumentException($"No instance with id '{instanceId}'.", nameof(instanceId));
            if (instance.Status.IsFinished())
            {
                return instance;
            }

            // Real time on purpose: this is a client waiting for work, not orchestration logic.
            await Task.WhenAny(changed, Task.Delay(interval, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private Task<EnqueueResult> ControlAsync(string instanceId, HistoryEvent control, CancellationToken cancellationToken)
    {
        Validate.InstanceId(instanceId);
        return EnqueueAsync(new InboxMessage { InstanceId = instanceId, Event = control, VisibleAt = control.Timestamp }, cancellationToken);
    }

    private async Task<EnqueueResult> EnqueueAsync(InboxMessage message, CancellationToken cancellationToken)
    {
        var result = await store.EnqueueAsync(message, cancellationToken);
        if (result == EnqueueResult.Accepted)
        {
            signal.NotifyWork();
        }

        return result;
    }
}
