using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.Conformance;

public abstract partial class JourneyStoreConformanceTests
{
    [Fact]
    public async Task LockNextOrchestrationsAsync_VisibleMessages_ReturnsThemInEnqueueOrderButNotFutureOnes()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Running);
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "later", visibleAt: Now.AddMinutes(5)));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-2", visibleAt: Now.AddSeconds(-30)));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-3"));

        var item = await LockSingleAsync("journey-1");

        Assert.Equal(["e-1", "e-2", "e-3"], item.Messages.Select(m => ((ExternalEventReceived)m.Event).EventId));
        Assert.True(item.Messages[0].Id < item.Messages[1].Id && item.Messages[1].Id < item.Messages[2].Id);
        Assert.All(item.Messages, m => Assert.Equal("journey-1", m.InstanceId));
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_OnlyFutureMessages_ReturnsNothingUntilTheyAreDue()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Running);
        await Store.EnqueueAsync(ExternalEvent("journey-1", "later", visibleAt: Now.AddMinutes(5)));

        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now.AddMinutes(5).AddMilliseconds(-1), LockDuration));

        var item = await LockSingleAsync("journey-1", Now.AddMinutes(5));
        Assert.Equal("later", Assert.IsType<ExternalEventReceived>(Assert.Single(item.Messages).Event).EventId);
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_NoInstances_ReturnsEmpty()
    {
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_WorkItem_CarriesInstanceHistoryAndLock()
    {
        var instance = await CreateInStatusAsync("journey-1", InstanceStatus.Running, new Dictionary<string, string> { ["dealer"] = "d-1" });
        var history = await Store.GetHistoryAsync("journey-1");
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));

        var item = await LockSingleAsync("journey-1");

        Assert.False(string.IsNullOrEmpty(item.LockToken));
        Assert.Equal(Now + LockDuration, item.LockedUntil);
        Assert.NotNull(item.Instance);
        Assert.Equal(InstanceStatus.Running, item.Instance.Status);
        Assert.Equal(instance.ExecutionId, item.Instance.ExecutionId);
        Assert.Equal("d-1", item.Instance.Tags["dealer"]);
        Assert.Equal(history, item.History);
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_MaxCount_LocksAtMostThatManyDistinctInstances()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync($"journey-{i}");
            await Store.EnqueueAsync(ExternalEvent($"journey-{i}", "e-1"));
        }

        var first = await Store.LockNextOrchestrationsAsync(2, Now, LockDuration);
        var second = await Store.LockNextOrchestrationsAsync(2, Now, LockDuration);
        var third = await Store.LockNextOrchestrationsAsync(2, Now, LockDuration);
        var fourth = await Store.LockNextOrchestrationsAsync(2, Now, LockDuration);

        Assert.Equal(2, first.Count);
        Assert.Equal(2, second.Count);
        Assert.Single(third);
        Assert.Empty(fourth);
        var all = first.Concat(second).Concat(third).ToList();
        Assert.Equal(5, all.Select(w => w.InstanceId).Distinct().Count());
        Assert.All(all, w => Assert.Equal(2, w.Messages.Count));
        Assert.Equal(5, all.Select(w => w.LockToken).Distinct().Count());
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_LockedInstance_IsNotReturnedAgainUntilTheLockExpires()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));

        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, item.LockedUntil.AddSeconds(-1), LockDuration));

        var retaken = await LockSingleAsync("journey-1", item.LockedUntil.AddSeconds(1));
        Assert.NotEqual(item.LockToken, retaken.LockToken);
        Assert.Equal(2, retaken.Messages.Count);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_AfterTheLockExpiredAndWasTaken_ThrowsLockLostAndWritesNothing()
    {
        await CreateAsync("journey-1");
        var stale = await LockSingleAsync("journey-1");
        Time.Advance(LockDuration + TimeSpan.FromSeconds(1));
        var current = await LockSingleAsync("journey-1");
        var staleCommit = Episode(stale, InstanceStatus.Completed) with
        {
            NewMessages = [Timer("journey-1", ExecutionOf("journey-1"), 1, Now.AddDays(1))],
            NewActivities = [Activity("journey-1", 1)],
        };

        var exception = await Assert.ThrowsAsync<LockLostException>(() => Store.CommitOrchestrationAsync(stale, staleCommit));

        Assert.Equal("journey-1", exception.InstanceId);
        Assert.Equal(InstanceStatus.Pending, (await Store.GetInstanceAsync("journey-1"))!.Status);
        Assert.Empty(await Store.GetHistoryAsync("journey-1"));
        Assert.Empty(await Store.LockNextActivitiesAsync(10, Now.AddDays(2), LockDuration));
        Assert.Null(await Store.GetNextWakeUpAsync(Now));

        // The new owner is unaffected: its commit lands.
        await Store.CommitOrchestrationAsync(current, Episode(current));
        Assert.Equal(InstanceStatus.Running, (await Store.GetInstanceAsync("journey-1"))!.Status);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_TwiceWithTheSameWorkItem_ThrowsLockLostTheSecondTime()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item));

        await Assert.ThrowsAsync<LockLostException>(() => Store.CommitOrchestrationAsync(item, Episode(item, InstanceStatus.Completed)));

        Assert.Equal(InstanceStatus.Running, (await Store.GetInstanceAsync("journey-1"))!.Status);
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_SuspendedInstanceWithOnlyEvents_IsNotLocked()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Suspended);
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        await Store.EnqueueAsync(Timer("journey-1", ExecutionOf("journey-1"), 1, Now));

        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_SuspendedInstanceWithControlMessage_ReturnsOnlyControlMessages()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Suspended);
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        await Store.EnqueueAsync(Control("journey-1", new JourneyResumed { Timestamp = Now, Reason = "ops" }));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-2"));
        await Store.EnqueueAsync(Control("journey-1", new JourneyTerminated { Timestamp = Now, Reason = "ops" }));

        var item = await LockSingleAsync("journey-1");

        Assert.Collection(item.Messages,
            m => Assert.IsType<JourneyResumed>(m.Event),
            m => Assert.IsType<JourneyTerminated>(m.Event));
        Assert.All(item.Messages, m => Assert.True(m.IsControl));
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_ResumedInstance_ReceivesTheEventsThatWaited()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Suspended);
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        await Store.EnqueueAsync(Control("journey-1", new JourneyResumed { Timestamp = Now }));
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item, InstanceStatus.Running));

        var resumed = await LockSingleAsync("journey-1");

        Assert.Equal("e-1", Assert.IsType<ExternalEventReceived>(Assert.Single(resumed.Messages).Event).EventId);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_Episode_AppendsHistoryAndDeletesOnlyConsumedMessages()
    {
        await CreateAsync("journey-1");
        var first = await LockSingleAsync("journey-1");
        var firstHistory = new HistoryEvent[] { new EpisodeStarted { Timestamp = Now }, first.Messages[0].Event };
        await Store.CommitOrchestrationAsync(first, Episode(first, history: firstHistory));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-2"));
        Time.Advance(TimeSpan.FromMinutes(1));
        var second = await LockSingleAsync("journey-1");
        var secondHistory = new HistoryEvent[]
        {
            new EpisodeStarted { Timestamp = Now },
            second.Messages[0].Event,
            new ActivityScheduled { Timestamp = Now, Sequence = 0, Name = "SendEmail", Input = "{}" },
        };

        await Store.CommitOrchestrationAsync(second, Episode(second) with
        {
            NewHistory = secondHistory,
            ConsumedMessageIds = [second.Messages[0].Id],
        });

        Assert.Equal([.. firstHistory, .. secondHistory], await Store.GetHistoryAsync("journey-1"));
        var third = await LockSingleAsync("journey-1");
        Assert.Equal("e-2", Assert.IsType<ExternalEventReceived>(Assert.Single(third.Messages).Event).EventId);
        Assert.Equal(firstHistory.Length + secondHistory.Length, third.History.Count);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_Status_UpdatesTheInstanceRowButKeepsCreatedAt()
    {
        var instance = await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        Time.Advance(TimeSpan.FromMinutes(10));
        var failure = new FailureDetails("System.InvalidOperationException", "boom", "at Journey.Run()");

        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            Instance = item.Instance! with
            {
                Status = InstanceStatus.Failed,
                CustomStatus = """{"phase":"choice"}""",
                Output = "\"partial\"",
                Failure = failure,
                LastUpdatedAt = Now,
                CompletedAt = Now,
                CreatedAt = Now.AddDays(7),
            },
        });

        var stored = await Store.GetInstanceAsync("journey-1");
        Assert.NotNull(stored);
        Assert.Equal(InstanceStatus.Failed, stored.Status);
        Assert.Equal("""{"phase":"choice"}""", stored.CustomStatus);
        Assert.Equal("\"partial\"", stored.Output);
        Assert.Equal(failure, stored.Failure);
        Assert.Equal(Now, stored.LastUpdatedAt);
        Assert.Equal(Now, stored.CompletedAt);
        Assert.Equal(instance.CreatedAt, stored.CreatedAt);
        Assert.Equal(instance.Input, stored.Input);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_CustomStatusAndOutput_AreUpdatedOnEveryEpisode()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item) with { Instance = item.Instance! with { Status = InstanceStatus.Running, CustomStatus = "\"orientation\"" } });
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        item = await LockSingleAsync("journey-1");

        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            Instance = item.Instance! with { Status = InstanceStatus.Completed, CustomStatus = "\"purchase\"", Output = "42", CompletedAt = Now },
        });

        var stored = await Store.GetInstanceAsync("journey-1");
        Assert.Equal(InstanceStatus.Completed, stored!.Status);
        Assert.Equal("\"purchase\"", stored.CustomStatus);
        Assert.Equal("42", stored.Output);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_ReleasesTheLock()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item));

        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));

        var next = await LockSingleAsync("journey-1");
        Assert.Single(next.Messages);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_MessagesEnqueuedWhileLocked_StayForTheNextEpisode()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));

        await Store.CommitOrchestrationAsync(item, Episode(item));

        var next = await LockSingleAsync("journey-1");
        Assert.Equal("e-1", Assert.IsType<ExternalEventReceived>(Assert.Single(next.Messages).Event).EventId);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_NewTimer_IsDeliveredWhenDue()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        var fireAt = Now.AddDays(3);

        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewMessages = [Timer("journey-1", ExecutionOf("journey-1"), 1, fireAt)],
        });

        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, fireAt.AddMilliseconds(-1), LockDuration));
        Assert.Equal(fireAt, await Store.GetNextWakeUpAsync(Now));
        var due = await LockSingleAsync("journey-1", fireAt);
        var timer = Assert.Single(due.Messages);
        Assert.Equal(1, Assert.IsType<TimerFired>(timer.Event).TimerSequence);
        Assert.Equal(1, timer.TimerSequence);
        Assert.Equal(ExecutionOf("journey-1"), timer.ExecutionId);
        Assert.Equal(fireAt, timer.VisibleAt);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_CancelledTimers_DeletesThoseOfTheCurrentExecutionOnly()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        var execution = ExecutionOf("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewMessages =
            [
                Timer("journey-1", execution, 1, Now.AddDays(1)),
                Timer("journey-1", execution, 2, Now.AddDays(2)),
                Timer("journey-1", execution, 3, Now.AddDays(3)),
            ],
        });
        // A stale timer with the same sequence from an older execution is not this execution's to cancel.
        await Store.EnqueueAsync(Timer("journey-1", "old-execution", 1, Now.AddDays(4)));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        item = await LockSingleAsync("journey-1");

        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewHistory = [new EpisodeStarted { Timestamp = Now }, new TimerCancelled { Timestamp = Now, TimerSequence = 1 }, new TimerCancelled { Timestamp = Now, TimerSequence = 3 }],
            CancelledTimers = [1, 3],
        });

        var due = await LockSingleAsync("journey-1", Now.AddDays(10));
        Assert.Equal(
            [("old-execution", 1), (execution, 2)],
            due.Messages.Select(m => (m.ExecutionId, m.TimerSequence!.Value)).OrderBy(t => t.Item2).ThenBy(t => t.ExecutionId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task CommitOrchestrationAsync_DeleteAllTimers_DeletesEveryPendingTimerButNotOtherMessages()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewMessages = [Timer("journey-1", ExecutionOf("journey-1"), 1, Now.AddDays(1)), Timer("journey-1", ExecutionOf("journey-1"), 2, Now.AddYears(1))],
        });
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        item = await LockSingleAsync("journey-1");
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-2"));

        await Store.CommitOrchestrationAsync(item, Episode(item, InstanceStatus.Running) with { DeleteAllTimers = true });

        Assert.Null(await Store.GetNextWakeUpAsync(Now));
        var rest = await LockSingleAsync("journey-1", Now.AddYears(2));
        Assert.Equal("e-2", Assert.IsType<ExternalEventReceived>(Assert.Single(rest.Messages).Event).EventId);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_NewActivities_AreWrittenToTheOutbox()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");

        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewActivities = [Activity("journey-1", 0), Activity("journey-1", 1) with { Name = "CreateCrmTask", Input = null, Attempt = 2 }],
        });

        var activities = (await Store.LockNextActivitiesAsync(10, Now, LockDuration)).OrderBy(a => a.Sequence).ToList();
        Assert.Equal(2, activities.Count);
        Assert.Equal(("journey-1", ExecutionOf("journey-1"), 0, "SendEmail", """{"template":"welcome"}""", 1), (activities[0].InstanceId, activities[0].ExecutionId, activities[0].Sequence, activities[0].Name, activities[0].Input, activities[0].Attempt));
        Assert.Equal(("CreateCrmTask", (string?)null, 2), (activities[1].Name, activities[1].Input, activities[1].Attempt));
        Assert.Equal($"journey-1:{ExecutionOf("journey-1")}:1", activities[1].Id);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_ReplaceHistory_ReplacesTheWholeHistory()
    {
        await CreateAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        item = await LockSingleAsync("journey-1");
        var next = item.Instance! with { ExecutionId = ExecutionOf("journey-1", 2), Input = "\"next\"", Status = InstanceStatus.Running };
        var newHistory = new HistoryEvent[]
        {
            new JourneyStarted { Timestamp = Now, Name = JourneyName, ExecutionId = next.ExecutionId, Input = next.Input },
            new EpisodeStarted { Timestamp = Now },
        };

        await Store.CommitOrchestrationAsync(item, Episode(item) with { Instance = next, ReplaceHistory = true, NewHistory = newHistory, DeleteAllTimers = true });

        Assert.Equal(newHistory, await Store.GetHistoryAsync("journey-1"));
        var stored = await Store.GetInstanceAsync("journey-1");
        Assert.Equal(ExecutionOf("journey-1", 2), stored!.ExecutionId);
        Assert.Equal("\"next\"", stored.Input);
    }

    [Fact]
    public async Task AbandonOrchestrationAsync_LockedInstance_MessagesAreVisibleAgainAtOnce()
    {
        await CreateAsync("journey-1");
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1"));
        var item = await LockSingleAsync("journey-1");

        await Store.AbandonOrchestrationAsync(item);

        var again = await LockSingleAsync("journey-1");
        Assert.Equal(item.Messages.Select(m => m.Id), again.Messages.Select(m => m.Id));
        Assert.Empty(await Store.GetHistoryAsync("journey-1"));
        Assert.Equal(InstanceStatus.Pending, (await Store.GetInstanceAsync("journey-1"))!.Status);
    }

    [Fact]
    public async Task AbandonOrchestrationAsync_LockAlreadyTakenByAnother_LeavesTheNewLockAlone()
    {
        await CreateAsync("journey-1");
        var stale = await LockSingleAsync("journey-1");
        Time.Advance(LockDuration + TimeSpan.FromSeconds(1));
        var current = await LockSingleAsync("journey-1");

        await Store.AbandonOrchestrationAsync(stale);

        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
        await Store.CommitOrchestrationAsync(current, Episode(current));
    }

    [Fact]
    public async Task CommitOrchestrationAsync_InstancePurgedWhileLocked_ThrowsLockLost()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Completed);
        await Store.EnqueueAsync(ActivityResult("journey-1", ExecutionOf("journey-1"), 0));
        var item = await LockSingleAsync("journey-1");
        Assert.Equal(PurgeResult.Purged, await Store.PurgeInstanceAsync("journey-1"));

        await Assert.ThrowsAsync<LockLostException>(() => Store.CommitOrchestrationAsync(item, Episode(item, InstanceStatus.Completed)));

        Assert.Null(await Store.GetInstanceAsync("journey-1"));
    }
}
