using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.Conformance;

public abstract partial class JourneyStoreConformanceTests
{
    [Fact]
    public async Task InitializeAsync_CalledAgain_IsIdempotent()
    {
        await CreateAsync("journey-1");

        await Store.InitializeAsync();

        Assert.NotNull(await Store.GetInstanceAsync("journey-1"));
    }

    [Fact]
    public async Task CreateInstanceAsync_NewId_StoresPendingInstanceWithTags()
    {
        var tags = new Dictionary<string, string> { ["dealer"] = "d-42", ["customer"] = "c-1" };

        var instance = await CreateAsync("journey-1", tags);

        var stored = await Store.GetInstanceAsync("journey-1");
        Assert.NotNull(stored);
        Assert.Equal(instance.ExecutionId, stored.ExecutionId);
        Assert.Equal(JourneyName, stored.Name);
        Assert.Equal("1.0", stored.Version);
        Assert.Equal(InstanceStatus.Pending, stored.Status);
        Assert.Equal(instance.Input, stored.Input);
        Assert.Null(stored.Output);
        Assert.Null(stored.CustomStatus);
        Assert.Null(stored.Failure);
        Assert.Equal(Start, stored.CreatedAt);
        Assert.Equal(Start, stored.LastUpdatedAt);
        Assert.Null(stored.CompletedAt);
        Assert.Equal(tags.OrderBy(t => t.Key), stored.Tags.OrderBy(t => t.Key));
        Assert.Empty(await Store.GetHistoryAsync("journey-1"));
    }

    [Fact]
    public async Task CreateInstanceAsync_NewId_DeliversTheStartMessage()
    {
        var instance = await CreateAsync("journey-1");

        var item = await LockSingleAsync("journey-1");

        var message = Assert.Single(item.Messages);
        var started = Assert.IsType<JourneyStarted>(message.Event);
        Assert.Equal(instance.ExecutionId, started.ExecutionId);
        Assert.Equal(instance.Input, started.Input);
        Assert.Equal("journey-1", message.InstanceId);
        Assert.True(message.Id > 0);
    }

    [Fact]
    public async Task GetInstanceAsync_UnknownId_ReturnsNull()
    {
        Assert.Null(await Store.GetInstanceAsync("nobody"));
        Assert.Empty(await Store.GetHistoryAsync("nobody"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CreateInstanceAsync_ExistingUnfinished_ReturnsAlreadyExistsAndKeepsTheOriginal(bool replaceIfFinished)
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Running);
        var again = NewInstance("journey-1") with { ExecutionId = "other-execution", Name = "other" };

        var result = await Store.CreateInstanceAsync(again, StartMessage(again), replaceIfFinished);

        Assert.Equal(CreateResult.AlreadyExists, result);
        var stored = await Store.GetInstanceAsync("journey-1");
        Assert.Equal(ExecutionOf("journey-1"), stored!.ExecutionId);
        Assert.Equal(InstanceStatus.Running, stored.Status);
        Assert.NotEmpty(await Store.GetHistoryAsync("journey-1"));
    }

    [Fact]
    public async Task CreateInstanceAsync_ExistingPending_ReturnsAlreadyExists()
    {
        var instance = await CreateAsync("journey-1");

        var result = await Store.CreateInstanceAsync(instance, StartMessage(instance), replaceIfFinished: true);

        Assert.Equal(CreateResult.AlreadyExists, result);
        Assert.Single((await LockSingleAsync("journey-1")).Messages);
    }

    [Fact]
    public async Task CreateInstanceAsync_ExistingFinishedWithoutReplace_ReturnsAlreadyExists()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Completed);
        var again = NewInstance("journey-1") with { ExecutionId = "second" };

        var result = await Store.CreateInstanceAsync(again, StartMessage(again), replaceIfFinished: false);

        Assert.Equal(CreateResult.AlreadyExists, result);
        Assert.Equal(InstanceStatus.Completed, (await Store.GetInstanceAsync("journey-1"))!.Status);
    }

    [Theory]
    [InlineData(InstanceStatus.Completed)]
    [InlineData(InstanceStatus.Failed)]
    [InlineData(InstanceStatus.Terminated)]
    public async Task CreateInstanceAsync_ExistingFinishedWithReplace_ReplacesItsDataButKeepsSeenEventIds(InstanceStatus finished)
    {
        // The first life: an accepted event, a scheduled activity, a pending timer, tags, history; then it finishes.
        await CreateAsync("journey-1", new Dictionary<string, string> { ["dealer"] = "d-1" });
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1")));
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewMessages = [Timer("journey-1", ExecutionOf("journey-1"), 1, Start.AddDays(3))],
            NewActivities = [Activity("journey-1", 0)],
        });
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-2")));
        item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item, finished));
        Time.Advance(TimeSpan.FromHours(1));
        var second = NewInstance("journey-1", new Dictionary<string, string> { ["dealer"] = "d-2" }) with { ExecutionId = "second" };

        var result = await Store.CreateInstanceAsync(second, StartMessage(second), replaceIfFinished: true);

        Assert.Equal(CreateResult.Created, result);
        var stored = await Store.GetInstanceAsync("journey-1");
        Assert.Equal("second", stored!.ExecutionId);
        Assert.Equal(InstanceStatus.Pending, stored.Status);
        Assert.Equal(Now, stored.CreatedAt);
        Assert.Null(stored.Output);
        Assert.Null(stored.CompletedAt);
        Assert.Equal("d-2", Assert.Single(stored.Tags).Value);
        Assert.Empty(await Store.GetHistoryAsync("journey-1"));
        Assert.Empty(await Store.LockNextActivitiesAsync(10, Start.AddDays(10), LockDuration));
        var fresh = await LockSingleAsync("journey-1", Start.AddDays(10));
        Assert.IsType<JourneyStarted>(Assert.Single(fresh.Messages).Event);
        var oldTag = await Store.QueryInstancesAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["dealer"] = "d-1" } });
        Assert.Empty(oldTag.Instances);
        Assert.Equal(EnqueueResult.Duplicate, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1")));
    }

    [Fact]
    public async Task EnqueueAsync_RunningInstance_ReturnsAcceptedAndDeliversTheMessage()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Running);
        var message = ExternalEvent("journey-1", "e-1", deduplicationId: "e-1");

        var result = await Store.EnqueueAsync(message);

        Assert.Equal(EnqueueResult.Accepted, result);
        var delivered = Assert.Single((await LockSingleAsync("journey-1")).Messages);
        Assert.Equal(message.Event, delivered.Event);
        Assert.Null(delivered.ExecutionId);
        Assert.Equal(message.VisibleAt, delivered.VisibleAt);
    }

    [Fact]
    public async Task EnqueueAsync_PendingInstance_ReturnsAccepted()
    {
        await CreateAsync("journey-1");

        var result = await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));

        Assert.Equal(EnqueueResult.Accepted, result);
        Assert.Equal(2, (await LockSingleAsync("journey-1")).Messages.Count);
    }

    [Fact]
    public async Task EnqueueAsync_SameDeduplicationIdTwice_ReturnsDuplicateAndWritesNothing()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Running);
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1")));

        var result = await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1-retry", deduplicationId: "e-1"));

        Assert.Equal(EnqueueResult.Duplicate, result);
        var delivered = Assert.Single((await LockSingleAsync("journey-1")).Messages);
        Assert.Equal("e-1", Assert.IsType<ExternalEventReceived>(delivered.Event).EventId);
    }

    [Fact]
    public async Task EnqueueAsync_DeduplicationIdSeenInAnEarlierExecution_ReturnsDuplicate()
    {
        await CreateAsync("journey-1");
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1")));
        var item = await LockSingleAsync("journey-1");
        var next = item.Instance! with { ExecutionId = ExecutionOf("journey-1", 2), Status = InstanceStatus.Running };
        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            Instance = next,
            ReplaceHistory = true,
            NewHistory = [new JourneyStarted { Timestamp = Now, Name = JourneyName, ExecutionId = next.ExecutionId }],
        });

        var result = await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1"));

        Assert.Equal(EnqueueResult.Duplicate, result);
    }

    [Fact]
    public async Task EnqueueAsync_SameDeduplicationIdOnAnotherInstance_ReturnsAccepted()
    {
        await CreateAsync("journey-1");
        await CreateAsync("journey-2");
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1")));

        var result = await Store.EnqueueAsync(ExternalEvent("journey-2", "e-1", deduplicationId: "e-1"));

        Assert.Equal(EnqueueResult.Accepted, result);
    }

    [Fact]
    public async Task EnqueueAsync_WithoutDeduplicationId_AcceptsEveryCopy()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Running);

        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1")));
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1")));

        Assert.Equal(2, (await LockSingleAsync("journey-1")).Messages.Count);
    }

    [Fact]
    public async Task EnqueueAsync_UnknownInstance_ReturnsInstanceNotFound()
    {
        var result = await Store.EnqueueAsync(ExternalEvent("nobody", "e-1", deduplicationId: "e-1"));

        Assert.Equal(EnqueueResult.InstanceNotFound, result);
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
    }

    [Theory]
    [InlineData(InstanceStatus.Completed)]
    [InlineData(InstanceStatus.Failed)]
    [InlineData(InstanceStatus.Terminated)]
    public async Task EnqueueAsync_ExternalEventToFinishedInstance_ReturnsInstanceFinished(InstanceStatus finished)
    {
        await CreateInStatusAsync("journey-1", finished);

        var result = await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1"));

        Assert.Equal(EnqueueResult.InstanceFinished, result);
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
    }

    /// <summary>Terminating, suspending or resuming a finished instance is meaningless: refused like any event.</summary>
    [Fact]
    public async Task EnqueueAsync_ControlMessageToFinishedInstance_ReturnsInstanceFinished()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Completed);

        var result = await Store.EnqueueAsync(Control("journey-1", new JourneyTerminated { Timestamp = Now, Reason = "late" }));

        Assert.Equal(EnqueueResult.InstanceFinished, result);
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
    }

    [Theory]
    [InlineData(InstanceStatus.Completed)]
    [InlineData(InstanceStatus.Failed)]
    [InlineData(InstanceStatus.Terminated)]
    public async Task EnqueueAsync_ActivityResultToFinishedInstance_ReturnsAccepted(InstanceStatus finished)
    {
        await CreateInStatusAsync("journey-1", finished);
        var resultMessage = ActivityResult("journey-1", ExecutionOf("journey-1"), 3);

        var result = await Store.EnqueueAsync(resultMessage);

        Assert.Equal(EnqueueResult.Accepted, result);
        var delivered = Assert.Single((await LockSingleAsync("journey-1")).Messages);
        Assert.Equal(resultMessage.Event, delivered.Event);
        Assert.Equal(ExecutionOf("journey-1"), delivered.ExecutionId);
    }

    [Fact]
    public async Task EnqueueAsync_ControlMessageToSuspendedInstance_ReturnsAccepted()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Suspended);

        var result = await Store.EnqueueAsync(Control("journey-1", new JourneyResumed { Timestamp = Now }));

        Assert.Equal(EnqueueResult.Accepted, result);
    }
}
