using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.Conformance;

public abstract partial class JourneyStoreConformanceTests
{
    /// <summary>Creates a running instance whose first episode scheduled the given activities.</summary>
    protected async Task ScheduleActivitiesAsync(string instanceId, params ActivityWorkItem[] activities)
    {
        await CreateAsync(instanceId);
        var item = await LockSingleAsync(instanceId);
        await Store.CommitOrchestrationAsync(item, Episode(item) with { NewActivities = activities });
    }

    [Fact]
    public async Task LockNextActivitiesAsync_VisibleItems_LocksThemAndCountsTheDequeue()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0), Activity("journey-1", 1));

        var items = await Store.LockNextActivitiesAsync(10, Now, LockDuration);

        Assert.Equal([0, 1], items.Select(a => a.Sequence).Order());
        Assert.All(items, a =>
        {
            Assert.Equal(1, a.DequeueCount);
            Assert.False(string.IsNullOrEmpty(a.LockToken));
            Assert.Equal(Now + LockDuration, a.LockedUntil);
        });
        Assert.NotEqual(items[0].LockToken, items[1].LockToken);
    }

    [Fact]
    public async Task LockNextActivitiesAsync_MaxCount_LocksAtMostThatMany()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0), Activity("journey-1", 1), Activity("journey-1", 2));

        var first = await Store.LockNextActivitiesAsync(2, Now, LockDuration);
        var second = await Store.LockNextActivitiesAsync(2, Now, LockDuration);

        Assert.Equal(2, first.Count);
        Assert.Single(second);
        Assert.Equal(3, first.Concat(second).Select(a => a.Id).Distinct().Count());
    }

    [Fact]
    public async Task LockNextActivitiesAsync_FutureItem_IsNotReturnedUntilVisible()
    {
        var visibleAt = Now.AddMinutes(30);
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0, visibleAt));

        Assert.Empty(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        Assert.Equal(visibleAt, await Store.GetNextWakeUpAsync(Now));

        var item = Assert.Single(await Store.LockNextActivitiesAsync(10, visibleAt, LockDuration));
        Assert.Equal(visibleAt, item.VisibleAt);
    }

    [Fact]
    public async Task LockNextActivitiesAsync_LockedItem_IsNotReturnedAgainUntilTheLockExpires()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var first = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));

        Assert.Empty(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        Assert.Empty(await Store.LockNextActivitiesAsync(10, first.LockedUntil!.Value.AddSeconds(-1), LockDuration));

        var second = Assert.Single(await Store.LockNextActivitiesAsync(10, first.LockedUntil.Value.AddSeconds(1), LockDuration));
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.DequeueCount);
        Assert.NotEqual(first.LockToken, second.LockToken);
    }

    [Fact]
    public async Task CompleteActivityAsync_HeldLock_DeletesTheItemAndDeliversTheResult()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var item = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        var result = ActivityResult("journey-1", item.ExecutionId, item.Sequence, "\"sent\"");

        var completed = await Store.CompleteActivityAsync(item, result);

        Assert.True(completed);
        Assert.Empty(await Store.LockNextActivitiesAsync(10, Now.AddDays(1), LockDuration));
        var work = await LockSingleAsync("journey-1");
        var delivered = Assert.Single(work.Messages);
        Assert.Equal(result.Event, delivered.Event);
        Assert.Equal(item.ExecutionId, delivered.ExecutionId);
    }

    [Fact]
    public async Task CompleteActivityAsync_FailureResult_IsDeliveredLikeAnyResult()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var item = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        var failed = new InboxMessage
        {
            InstanceId = "journey-1",
            ExecutionId = item.ExecutionId,
            Event = new ActivityFailed { Timestamp = Now, ScheduledSequence = 0, Failure = new FailureDetails("System.TimeoutException", "SendGrid timed out") },
            VisibleAt = Now,
        };

        Assert.True(await Store.CompleteActivityAsync(item, failed));

        Assert.Equal(failed.Event, Assert.Single((await LockSingleAsync("journey-1")).Messages).Event);
    }

    [Fact]
    public async Task CompleteActivityAsync_LockLostToAnotherWorker_ReturnsFalseAndWritesNothing()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var stale = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        Time.Advance(LockDuration + TimeSpan.FromSeconds(1));
        var current = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));

        var completed = await Store.CompleteActivityAsync(stale, ActivityResult("journey-1", stale.ExecutionId, 0, "\"stale\""));

        Assert.False(completed);
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
        Assert.True(await Store.CompleteActivityAsync(current, ActivityResult("journey-1", current.ExecutionId, 0, "\"current\"")));
        var delivered = Assert.Single((await LockSingleAsync("journey-1")).Messages);
        Assert.Equal("\"current\"", Assert.IsType<ActivityCompleted>(delivered.Event).Result);
    }

    [Fact]
    public async Task CompleteActivityAsync_AlreadyCompleted_ReturnsFalseTheSecondTime()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var item = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        Assert.True(await Store.CompleteActivityAsync(item, ActivityResult("journey-1", item.ExecutionId, 0)));

        Assert.False(await Store.CompleteActivityAsync(item, ActivityResult("journey-1", item.ExecutionId, 0)));

        Assert.Single((await LockSingleAsync("journey-1")).Messages);
    }

    [Fact]
    public async Task CompleteActivityAsync_InstancePurged_ReturnsFalse()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var item = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        await Store.EnqueueAsync(Control("journey-1", new JourneyTerminated { Timestamp = Now }));
        var work = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(work, Episode(work, InstanceStatus.Terminated));
        Assert.Equal(PurgeResult.Purged, await Store.PurgeInstanceAsync("journey-1"));

        var completed = await Store.CompleteActivityAsync(item, ActivityResult("journey-1", item.ExecutionId, 0));

        Assert.False(completed);
        Assert.Null(await Store.GetInstanceAsync("journey-1"));
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
    }

    [Fact]
    public async Task AbandonActivityAsync_WithVisibleAt_ItemReturnsAtThatTimeWithAHigherDequeueCount()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var item = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        var retryAt = Now.AddSeconds(20);

        await Store.AbandonActivityAsync(item, retryAt);

        Assert.Empty(await Store.LockNextActivitiesAsync(10, retryAt.AddMilliseconds(-1), LockDuration));
        Assert.Equal(retryAt, await Store.GetNextWakeUpAsync(Now));
        var again = Assert.Single(await Store.LockNextActivitiesAsync(10, retryAt, LockDuration));
        Assert.Equal(2, again.DequeueCount);
        Assert.Equal(item.Id, again.Id);
    }

    [Fact]
    public async Task AbandonActivityAsync_Now_ItemIsVisibleAtOnce()
    {
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        var item = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));

        await Store.AbandonActivityAsync(item, Now);

        Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
    }

    [Fact]
    public async Task GetNextWakeUpAsync_FutureMessagesAndActivities_ReturnsTheEarliestStrictlyAfterNow()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewMessages = [Timer("journey-1", ExecutionOf("journey-1"), 1, Now.AddHours(5)), Timer("journey-1", ExecutionOf("journey-1"), 2, Now.AddHours(2))],
            NewActivities = [Activity("journey-1", 3, Now.AddHours(3)), Activity("journey-1", 4, Now.AddHours(1))],
        });
        await Store.EnqueueAsync(ExternalEvent("journey-1", "due-now"));

        Assert.Equal(Now.AddHours(1), await Store.GetNextWakeUpAsync(Now));
        Assert.Equal(Now.AddHours(2), await Store.GetNextWakeUpAsync(Now.AddHours(1)));
        Assert.Equal(Now.AddHours(3), await Store.GetNextWakeUpAsync(Now.AddHours(2.5)));
        Assert.Equal(Now.AddHours(5), await Store.GetNextWakeUpAsync(Now.AddHours(3)));
        Assert.Null(await Store.GetNextWakeUpAsync(Now.AddHours(5)));
    }

    [Fact]
    public async Task GetNextWakeUpAsync_EmptyStore_ReturnsNull()
    {
        Assert.Null(await Store.GetNextWakeUpAsync(Now));
    }
}
