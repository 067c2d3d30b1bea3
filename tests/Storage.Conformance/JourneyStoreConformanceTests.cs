using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Storage.Conformance;

/// <summary>
/// The behaviour every <see cref="IJourneyStore"/> must have. A provider's test project subclasses this class and
/// returns a fresh, empty store from <see cref="CreateStoreAsync"/>; the suite initializes and disposes it.
/// </summary>
/// <remarks>
/// Time is a <see cref="FakeTimeProvider"/> starting at 2026-01-01T00:00:00Z that tests advance; nothing sleeps.
/// The store is only ever told the time through its parameters.
/// </remarks>
public abstract partial class JourneyStoreConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    protected static readonly TimeSpan LockDuration = TimeSpan.FromMinutes(1);
    protected const string JourneyName = "welcome-journey";

    private IJourneyStore? _store;

    protected FakeTimeProvider Time { get; } = new(Start);

    protected DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The store under test, initialized.</summary>
    protected IJourneyStore Store => _store ?? throw new InvalidOperationException("The store is not created yet.");

    /// <summary>A fresh, empty, not yet initialized store.</summary>
    protected abstract Task<IJourneyStore> CreateStoreAsync();

    /// <summary>
    /// Disposes <paramref name="old"/> and opens the same storage again (not initialized), or returns null (after
    /// disposing nothing) when the store does not outlive its object, which skips the durability test.
    /// </summary>
    protected virtual Task<IJourneyStore?> ReopenStoreAsync(IJourneyStore old) => Task.FromResult<IJourneyStore?>(null);

    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.InitializeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }
    }

    /// <summary>Replaces <see cref="Store"/> by a reopened one, or returns false when the store is not durable.</summary>
    protected async Task<bool> ReopenAsync()
    {
        var reopened = await ReopenStoreAsync(Store);
        if (reopened is null)
        {
            return false;
        }

        _store = reopened;
        await reopened.InitializeAsync();
        return true;
    }

    // ---- builders --------------------------------------------------------------------------

    protected static string ExecutionOf(string instanceId, int generation = 1) => $"{instanceId}-exec{generation}";

    protected InstanceRecord NewInstance(string instanceId, IReadOnlyDictionary<string, string>? tags = null, DateTimeOffset? createdAt = null, string name = JourneyName) => new()
    {
        InstanceId = instanceId,
        ExecutionId = ExecutionOf(instanceId),
        Name = name,
        Version = "1.0",
        Status = InstanceStatus.Pending,
        Input = """{"customer":"c-1"}""",
        CreatedAt = createdAt ?? Now,
        LastUpdatedAt = createdAt ?? Now,
        Tags = tags ?? new Dictionary<string, string>(),
    };

    protected InboxMessage StartMessage(InstanceRecord instance) => new()
    {
        InstanceId = instance.InstanceId,
        ExecutionId = instance.ExecutionId,
        Event = new JourneyStarted { Timestamp = Now, Name = instance.Name, Version = instance.Version, ExecutionId = instance.ExecutionId, Input = instance.Input },
        VisibleAt = Now,
    };

    protected InboxMessage ExternalEvent(string instanceId, string eventId, DateTimeOffset? visibleAt = null, string? deduplicationId = null, string name = "brochure-downloaded") => new()
    {
        InstanceId = instanceId,
        Event = new ExternalEventReceived { Timestamp = Now, Name = name, EventId = eventId, Payload = """{"model":"EV3"}""" },
        VisibleAt = visibleAt ?? Now,
        DeduplicationId = deduplicationId,
    };

    protected static InboxMessage Timer(string instanceId, string executionId, int sequence, DateTimeOffset fireAt) => new()
    {
        InstanceId = instanceId,
        ExecutionId = executionId,
        Event = new TimerFired { Timestamp = fireAt, TimerSequence = sequence, FireAt = fireAt },
        VisibleAt = fireAt,
    };

    protected InboxMessage Control(string instanceId, HistoryEvent controlEvent) => new()
    {
        InstanceId = instanceId,
        Event = controlEvent,
        VisibleAt = Now,
    };

    protected InboxMessage ActivityResult(string instanceId, string executionId, int sequence, string? result = "\"ok\"") => new()
    {
        InstanceId = instanceId,
        ExecutionId = executionId,
        Event = new ActivityCompleted { Timestamp = Now, ScheduledSequence = sequence, Result = result },
        VisibleAt = Now,
    };

    protected ActivityWorkItem Activity(string instanceId, int sequence, DateTimeOffset? visibleAt = null, string? executionId = null) => new()
    {
        InstanceId = instanceId,
        ExecutionId = executionId ?? ExecutionOf(instanceId),
        Sequence = sequence,
        Name = "SendEmail",
        Input = """{"template":"welcome"}""",
        VisibleAt = visibleAt ?? Now,
    };

    /// <summary>Creates a Pending instance with its start message; asserts it was created.</summary>
    protected async Task<InstanceRecord> CreateAsync(string instanceId, IReadOnlyDictionary<string, string>? tags = null, DateTimeOffset? createdAt = null, string name = JourneyName)
    {
        var instance = NewInstance(instanceId, tags, createdAt, name);
        Assert.Equal(CreateResult.Created, await Store.CreateInstanceAsync(instance, StartMessage(instance), replaceIfFinished: false));
        return instance;
    }

    /// <summary>Locks exactly one work item (the test's only ready instance) and checks it is <paramref name="instanceId"/>.</summary>
    protected async Task<OrchestrationWorkItem> LockSingleAsync(string instanceId, DateTimeOffset? now = null)
    {
        var items = await Store.LockNextOrchestrationsAsync(10, now ?? Now, LockDuration);
        var item = Assert.Single(items);
        Assert.Equal(instanceId, item.InstanceId);
        return item;
    }

    /// <summary>A commit that consumes every message of the work item and moves the instance to <paramref name="status"/>.</summary>
    protected OrchestrationCommit Episode(OrchestrationWorkItem item, InstanceStatus status = InstanceStatus.Running, IReadOnlyList<HistoryEvent>? history = null) => new()
    {
        Instance = item.Instance! with
        {
            Status = status,
            LastUpdatedAt = Now,
            CompletedAt = status.IsFinished() ? Now : null,
            Output = status == InstanceStatus.Completed ? "\"done\"" : null,
        },
        NewHistory = history ?? [new EpisodeStarted { Timestamp = Now }, .. item.Messages.Select(m => m.Event)],
        ConsumedMessageIds = [.. item.Messages.Select(m => m.Id)],
    };

    /// <summary>Creates an instance and runs its first episode, leaving it in <paramref name="status"/>.</summary>
    protected async Task<InstanceRecord> CreateInStatusAsync(string instanceId, InstanceStatus status, IReadOnlyDictionary<string, string>? tags = null, DateTimeOffset? createdAt = null, string name = JourneyName)
    {
        await CreateAsync(instanceId, tags, createdAt, name);
        var item = await LockSingleAsync(instanceId);
        var commit = Episode(item, status);
        await Store.CommitOrchestrationAsync(item, commit);
        return commit.Instance;
    }
}
