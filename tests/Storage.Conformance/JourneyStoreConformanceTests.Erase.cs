using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.Conformance;

public abstract partial class JourneyStoreConformanceTests
{
    protected const string Secret = "anna@example.com";
    private const string Redacted = """{"erased":true}""";

    /// <summary>A redaction that replaces any payload mentioning <see cref="Secret"/> (idempotent, deterministic).</summary>
    protected PersonalDataErasure Erasure(DateTimeOffset? now = null) => new()
    {
        Redact = json => json.Contains(Secret, StringComparison.Ordinal) ? Redacted : json,
        Reason = "personal data erased",
        ReplaceTags = new Dictionary<string, string> { ["customer"] = "erased-1234", ["absent"] = "never-added" },
        Now = now ?? Now,
    };

    /// <summary>A running instance with personal data in its input, history, custom status, a buffered event, a timer and an activity.</summary>
    protected async Task<InstanceRecord> PersonalInstanceAsync(string instanceId)
    {
        var instance = NewInstance(instanceId, new Dictionary<string, string> { ["dealer"] = "d-1", ["customer"] = "anna" }) with
        {
            Input = $$"""{"email":"{{Secret}}"}""",
        };
        Assert.Equal(CreateResult.Created, await Store.CreateInstanceAsync(instance, StartMessage(instance), replaceIfFinished: false));
        var item = await LockSingleAsync(instanceId);
        var personalEvent = new ExternalEventReceived { Timestamp = Now, Name = "quote.sent", EventId = "e-1", Payload = $$"""{"note":"call {{Secret}}"}""" };
        await Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            Instance = item.Instance! with { Status = InstanceStatus.Running, CustomStatus = $$"""{"to":"{{Secret}}"}""", LastUpdatedAt = Now },
            NewHistory =
            [
                new EpisodeStarted { Timestamp = Now }, .. item.Messages.Select(m => m.Event), personalEvent,
                new ActivityScheduled { Timestamp = Now, Sequence = 0, Name = "SendEmail", Input = $$"""{"to":"{{Secret}}"}""" },
                new ActivityFailed { Timestamp = Now, ScheduledSequence = 7, Failure = new FailureDetails("SmtpException", $"mailbox {Secret} full", "at Send()") },
                new TimerScheduled { Timestamp = Now, Sequence = 1, FireAt = Now.AddDays(3) },
            ],
            NewMessages = [Timer(instanceId, instance.ExecutionId, 1, Now.AddDays(3))],
            NewActivities = [Activity(instanceId, 0) with { Input = $$"""{"to":"{{Secret}}"}""" }],
        });
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent(instanceId, "e-2", deduplicationId: "e-2") with
        {
            Event = new ExternalEventReceived { Timestamp = Now, Name = "testdrive.booked", EventId = "e-2", Payload = $$"""{"email":"{{Secret}}"}""" },
        }));
        return instance;
    }

    [Fact]
    public async Task ErasePersonalDataAsync_RunningInstance_RewritesHistoryAndInstanceDeletesInboxAndOutboxAndTerminates()
    {
        await PersonalInstanceAsync("journey-1");
        Time.Advance(TimeSpan.FromMinutes(5));

        var result = await Store.ErasePersonalDataAsync("journey-1", Erasure());

        Assert.Equal(EraseOutcome.Erased, result.Outcome);
        Assert.Equal(4, result.HistoryEventsRewritten); // started input, event payload, activity input, failure message
        Assert.Equal(2, result.MessagesDeleted);        // the timer and the buffered event
        Assert.Equal(1, result.ActivitiesDeleted);

        var instance = await Store.GetInstanceAsync("journey-1");
        Assert.NotNull(instance);
        Assert.Equal(InstanceStatus.Terminated, instance.Status);
        Assert.True(PersonalDataErasure.IsErased(instance));
        Assert.Equal(Redacted, instance.Input);
        Assert.Equal(Redacted, instance.CustomStatus);
        Assert.Equal(Now, instance.CompletedAt);
        Assert.Equal("erased-1234", instance.Tags["customer"]);
        Assert.Equal("d-1", instance.Tags["dealer"]);
        Assert.False(instance.Tags.ContainsKey("absent"));

        var history = await Store.GetHistoryAsync("journey-1");
        Assert.IsType<JourneyTerminated>(history[^1]);
        Assert.DoesNotContain(history, e => HistoryJson.Serialize(e).Contains(Secret, StringComparison.Ordinal));
        var failed = Assert.Single(history.OfType<ActivityFailed>());
        Assert.Equal(new FailureDetails("SmtpException", PersonalDataErasure.ErasedText), failed.Failure);

        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now.AddDays(4), LockDuration));
        Assert.Empty(await Store.LockNextActivitiesAsync(10, Now.AddDays(4), LockDuration));
        Assert.Null(await Store.GetNextWakeUpAsync(Now));
        Assert.Empty((await Store.QueryInstancesAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["customer"] = "anna" } })).Instances);
        Assert.Single((await Store.QueryInstancesAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["customer"] = "erased-1234" } })).Instances);
    }

    [Fact]
    public async Task ErasePersonalDataAsync_Twice_SecondAnswersAlreadyErasedAndChangesNothing()
    {
        await PersonalInstanceAsync("journey-1");
        Assert.Equal(EraseOutcome.Erased, (await Store.ErasePersonalDataAsync("journey-1", Erasure())).Outcome);
        var before = await Store.GetInstanceAsync("journey-1");
        var historyBefore = await Store.GetHistoryAsync("journey-1");
        Time.Advance(TimeSpan.FromMinutes(1));

        var again = await Store.ErasePersonalDataAsync("journey-1", Erasure());

        Assert.Equal(new EraseResult(EraseOutcome.AlreadyErased), again);
        Assert.Equal(before, await Store.GetInstanceAsync("journey-1"), InstanceComparer);
        Assert.Equal(historyBefore.Count, (await Store.GetHistoryAsync("journey-1")).Count);
    }

    [Fact]
    public async Task ErasePersonalDataAsync_Erased_EventsAreRefusedAsFinishedAndDuplicatesStayDuplicates()
    {
        await PersonalInstanceAsync("journey-1");
        await Store.ErasePersonalDataAsync("journey-1", Erasure());

        Assert.Equal(EnqueueResult.InstanceFinished, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-3", deduplicationId: "e-3")));
        Assert.Equal(EnqueueResult.Duplicate, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-2", deduplicationId: "e-2")));
    }

    [Fact]
    public async Task ErasePersonalDataAsync_LockedByAWorker_IsRefusedUntilTheLockExpiresAndTheWorkersCommitThenFails()
    {
        await PersonalInstanceAsync("journey-1");
        var item = await LockSingleAsync("journey-1");

        var refused = await Store.ErasePersonalDataAsync("journey-1", Erasure());
        Assert.Equal(new EraseResult(EraseOutcome.Locked), refused);
        Assert.Contains(Secret, (await Store.GetInstanceAsync("journey-1"))!.Input, StringComparison.Ordinal);

        var erased = await Store.ErasePersonalDataAsync("journey-1", Erasure(now: item.LockedUntil));
        Assert.Equal(EraseOutcome.Erased, erased.Outcome);
        await Assert.ThrowsAsync<LockLostException>(() => Store.CommitOrchestrationAsync(item, Episode(item)));
        var instance = await Store.GetInstanceAsync("journey-1");
        Assert.Equal(InstanceStatus.Terminated, instance!.Status);
        Assert.Equal(Redacted, instance.Input);
    }

    [Fact]
    public async Task ErasePersonalDataAsync_AfterTheWorkerReleasedTheLock_Erases()
    {
        await PersonalInstanceAsync("journey-1");
        var item = await LockSingleAsync("journey-1");
        Assert.Equal(EraseOutcome.Locked, (await Store.ErasePersonalDataAsync("journey-1", Erasure())).Outcome);
        await Store.AbandonOrchestrationAsync(item);

        Assert.Equal(EraseOutcome.Erased, (await Store.ErasePersonalDataAsync("journey-1", Erasure())).Outcome);
    }

    [Fact]
    public async Task ErasePersonalDataAsync_ActivityLockedByAWorker_IsDeletedAndItsCompletionIsRefused()
    {
        await PersonalInstanceAsync("journey-1");
        var activity = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));

        await Store.ErasePersonalDataAsync("journey-1", Erasure());

        Assert.False(await Store.CompleteActivityAsync(activity, ActivityResult("journey-1", activity.ExecutionId, activity.Sequence)));
        Assert.Empty(await Store.LockNextActivitiesAsync(10, Now.AddHours(1), LockDuration));
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now.AddHours(1), LockDuration));
    }

    [Fact]
    public async Task ErasePersonalDataAsync_CompletedInstance_KeepsItsStatusAndRedactsItsOutput()
    {
        var instance = NewInstance("journey-1", new Dictionary<string, string> { ["customer"] = "anna" });
        await Store.CreateInstanceAsync(instance, StartMessage(instance), replaceIfFinished: false);
        var item = await LockSingleAsync("journey-1");
        var completedAt = Now;
        await Store.CommitOrchestrationAsync(item, Episode(item, InstanceStatus.Completed) with
        {
            Instance = item.Instance! with { Status = InstanceStatus.Completed, Output = $$"""{"to":"{{Secret}}"}""", CompletedAt = completedAt, LastUpdatedAt = Now },
            NewHistory = [new EpisodeStarted { Timestamp = Now }, .. item.Messages.Select(m => m.Event), new JourneyCompleted { Timestamp = Now, Output = $$"""{"to":"{{Secret}}"}""" }],
        });
        Time.Advance(TimeSpan.FromDays(1));

        var result = await Store.ErasePersonalDataAsync("journey-1", Erasure());

        Assert.Equal(EraseOutcome.Erased, result.Outcome);
        var erased = await Store.GetInstanceAsync("journey-1");
        Assert.Equal(InstanceStatus.Completed, erased!.Status);
        Assert.Equal(completedAt, erased.CompletedAt);
        Assert.Equal(Redacted, erased.Output);
        Assert.True(PersonalDataErasure.IsErased(erased));
        var history = await Store.GetHistoryAsync("journey-1");
        Assert.IsType<JourneyCompleted>(history[^1]);
        Assert.Equal(Redacted, ((JourneyCompleted)history[^1]).Output);
    }

    [Fact]
    public async Task ErasePersonalDataAsync_UnknownInstance_IsNotFound()
    {
        Assert.Equal(new EraseResult(EraseOutcome.NotFound), await Store.ErasePersonalDataAsync("nobody", Erasure()));
    }

    [Fact]
    public async Task ErasePersonalDataAsync_OtherInstances_AreUntouched()
    {
        await PersonalInstanceAsync("journey-1");
        var other = await CreateAsync("journey-2", new Dictionary<string, string> { ["customer"] = "anna" });

        await Store.ErasePersonalDataAsync("journey-1", Erasure());

        var stored = await Store.GetInstanceAsync("journey-2");
        Assert.Equal(InstanceStatus.Pending, stored!.Status);
        Assert.Equal(other.Input, stored.Input);
        Assert.Equal("anna", stored.Tags["customer"]);
        var item = Assert.Single(await Store.LockNextOrchestrationsAsync(10, Now, LockDuration));
        Assert.Equal("journey-2", item.InstanceId);
    }

    private static readonly IEqualityComparer<InstanceRecord?> InstanceComparer = EqualityComparer<InstanceRecord?>.Create(
        (a, b) => a is null ? b is null : b is not null &&
            a.InstanceId == b.InstanceId && a.Status == b.Status && a.Input == b.Input && a.Output == b.Output && a.CustomStatus == b.CustomStatus &&
            a.Failure == b.Failure && a.LastUpdatedAt == b.LastUpdatedAt && a.CompletedAt == b.CompletedAt &&
            a.Tags.OrderBy(t => t.Key).SequenceEqual(b.Tags.OrderBy(t => t.Key)),
        i => i?.InstanceId.GetHashCode(StringComparison.Ordinal) ?? 0);
}
