using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Templates.Activities;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Task escalation on a fake clock. T0 is Monday 5 January 2026, 09:00 UTC (10:00 in Amsterdam, open 09:00-17:00): the
/// call task is due after 4 business hours (13:00 UTC) and escalates 2 business hours later (15:00 UTC = T0 + 6 h).
/// </summary>
public sealed class EscalationInterpreterTests
{
    private static readonly DateTimeOffset T0 = RuntimeHarness.Start;
    private static readonly DateTimeOffset DueAt = T0.AddHours(4);
    private static readonly DateTimeOffset EscalateAt = T0.AddHours(6);

    private static JourneyTemplate Template(EscalateSpec escalate, params StepSpec[] steps) => new()
    {
        Id = "escalating",
        Name = "Escalating",
        Events = ["task.completed", "call.overdue", "testdrive.booked", "customer.unsubscribed", "contract.signed"],
        Exit = new ExitSpec { Events = ["customer.unsubscribed"] },
        Goals = [new GoalSpec { Event = "contract.signed", Goto = "won" }],
        Start = "call",
        Steps =
        [
            new StepSpec { Id = "call", Kind = "task", Task = "call-testdrive-invite", Title = "Call {{ customer.firstName }}", DueIn = "PT4H", Escalate = escalate, Next = "wait" },
            .. steps.Length > 0 ? steps :
            [
                new StepSpec
                {
                    Id = "wait", Kind = "waitForEvent", Events = ["testdrive.booked", "call.overdue"], Timeout = "P30D",
                    On = new() { ["testdrive.booked"] = "booked", ["call.overdue"] = "manager" }, OnTimeout = "end",
                },
                new StepSpec { Id = "manager", Kind = "task", Task = "manager-call", Title = "Manager: call {{ customer.firstName }}", Next = "end" },
            ],
            new StepSpec { Id = "booked", Kind = "end" },
            new StepSpec { Id = "won", Kind = "end" },
            new StepSpec { Id = "end", Kind = "end" },
        ],
    };

    private static EscalateSpec Reminder(string? to = null) => new() { After = "PT2H", Action = "reminder", To = to };

    [Fact]
    public async Task Reminder_TaskStillOpen_EscalatesExactlyAtDueAtPlusAfter_NotBefore_AndOnce()
    {
        await using var h = JourneyHarness.Create(Template(Reminder("team-lead")));
        var id = await h.StartAsync("escalating");
        var task = Assert.Single(h.Data.Tasks);
        Assert.Equal(DueAt, task.DueAt);
        Assert.Equal(EscalateAt, (await h.StatusAsync(id)).NextTimerDue); // the escalation wakes the wait before its P30D timeout

        await h.AdvanceAsync(EscalateAt - T0 - TimeSpan.FromSeconds(1));
        Assert.Single(h.Data.Tasks);

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(2, h.Data.Tasks.Count);
        var reminder = h.Data.Tasks.Single(t => t.Id != task.Id);
        Assert.Equal(("call-testdrive-invite-reminder", "call", TaskStatuses.Open, "team-lead"), (reminder.Type, reminder.StepId, reminder.Status, reminder.Assignee));
        Assert.Equal((EscalateAt, EscalateAt), (reminder.CreatedAt, reminder.DueAt)); // due at once: the dealer is open
        Assert.StartsWith("Reminder (not done by 2026-01-05 13:00 UTC): Call Anna", reminder.Title, StringComparison.Ordinal);
        Assert.Null(h.Data.Tasks.Single(t => t.Id == task.Id).Assignee);
        var escalated = Assert.Single(await h.Data.ListTouchpointsAsync(id), t => t.Status == EscalateTaskActivity.Escalated);
        Assert.Equal(("call", "call-testdrive-invite", EscalateAt, "escalation"), (escalated.StepId, escalated.Name, escalated.OccurredAt, escalated.Cause.Kind));

        var status = await h.StatusAsync(id);
        Assert.Equal(("wait", T0.AddDays(30)), (status.CurrentStep, status.NextTimerDue)); // the journey waits on as before
        Assert.DoesNotContain("task.completed", status.WaitingFor);
        await h.AdvanceAsync(TimeSpan.FromDays(3));
        Assert.Equal(2, h.Data.Tasks.Count);
        Assert.Equal(InstanceStatus.Running, (await h.InstanceAsync(id)).Status);
    }

    [Fact]
    public async Task CompletedBeforeTheDeadline_NoEscalation_AndTheTimerIsCancelled()
    {
        await using var h = JourneyHarness.Create(Template(Reminder()));
        var id = await h.StartAsync("escalating");
        Assert.Contains("task.completed", (await h.StatusAsync(id)).WaitingFor);
        await h.AdvanceAsync(TimeSpan.FromHours(3));

        await CompleteAsync(h, id, Assert.Single(h.Data.Tasks).Id);

        var status = await h.StatusAsync(id);
        Assert.Equal(("wait", T0.AddDays(30)), (status.CurrentStep, status.NextTimerDue));
        Assert.DoesNotContain("task.completed", status.WaitingFor);
        Assert.DoesNotContain(EscalateAt, Timers(h, id)); // deleted, not merely ignored when it fires
        await h.AdvanceAsync(TimeSpan.FromDays(2));
        Assert.Single(h.Data.Tasks);
        Assert.DoesNotContain(await h.Data.ListTouchpointsAsync(id), t => t.Status == EscalateTaskActivity.Escalated);

        await h.RaiseAsync(id, "testdrive.booked"); // replays the whole history: still deterministic
        Assert.Equal(("booked", InstanceStatus.Completed), ((await h.ResultAsync(id))!.LastStep, (await h.InstanceAsync(id)).Status));
    }

    [Fact]
    public async Task CompletedExactlyAtTheDeadline_EventAndTimerDueTogether_NoEscalation()
    {
        await using var h = JourneyHarness.Create(Template(Reminder()));
        var id = await h.StartAsync("escalating");
        h.Runtime.Time.SetUtcNow(EscalateAt); // nothing processed yet: the timer and the completion are due in the same round

        await CompleteAsync(h, id, Assert.Single(h.Data.Tasks).Id);

        Assert.Single(h.Data.Tasks);
        Assert.DoesNotContain(await h.Data.ListTouchpointsAsync(id), t => t.Status == EscalateTaskActivity.Escalated);
        Assert.Equal(T0.AddDays(30), (await h.StatusAsync(id)).NextTimerDue);
    }

    [Fact]
    public async Task CompletedExactlyAtTheDeadline_EventArrivesAfterTheTimer_TheStoreSaysCompleted_NoEscalation()
    {
        await using var h = JourneyHarness.Create(Template(Reminder()));
        var id = await h.StartAsync("escalating");
        var task = Assert.Single(h.Data.Tasks);
        h.Runtime.Time.SetUtcNow(EscalateAt);
        await h.Data.CompleteTaskAsync(task.Id, "booked", null, EscalateAt); // the API stored it; its event is not raised yet

        await h.Runtime.RunUntilIdleAsync(); // the escalation timer fires first
        Assert.Single(h.Data.Tasks);
        Assert.DoesNotContain(await h.Data.ListTouchpointsAsync(id), t => t.Status == EscalateTaskActivity.Escalated);

        await CompleteAsync(h, id, task.Id); // the event comes late: nothing escalates, the journey waits on
        await h.RaiseAsync(id, "testdrive.booked");
        Assert.Equal("booked", (await h.ResultAsync(id))!.LastStep);
        Assert.Single(h.Data.Tasks);
    }

    [Fact]
    public async Task Reassign_TaskStillOpen_SetsTheAssignee_AndPushesTheTaskToTheCrmAgain()
    {
        var crm = new RecordingCrm();
        await using var h = JourneyHarness.CreateWith(new BusinessHoursOptions(), s => s.AddSingleton<ICrmTaskPusher>(crm),
            Template(new EscalateSpec { After = "PT2H", Action = "reassign", To = "sales-manager" }));
        var id = await h.StartAsync("escalating");
        var taskId = Assert.Single(h.Data.Tasks).Id;

        await h.AdvanceAsync(EscalateAt - T0 - TimeSpan.FromSeconds(1));
        Assert.Equal([(taskId, (string?)null)], crm.Pushes);

        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        var task = Assert.Single(h.Data.Tasks); // no new task
        Assert.Equal(("sales-manager", TaskStatuses.Open), (task.Assignee, task.Status));
        Assert.Equal([(taskId, null), (taskId, "sales-manager")], crm.Pushes);
        var escalated = Assert.Single(await h.Data.ListTouchpointsAsync(id), t => t.Status == EscalateTaskActivity.Escalated);
        Assert.Contains("reassigned to sales-manager", escalated.Detail, StringComparison.Ordinal);
        Assert.Equal("wait", (await h.StatusAsync(id)).CurrentStep);
    }

    [Fact]
    public async Task Event_TheCurrentWaitListens_TakesItsBranchAtTheEscalationTime()
    {
        await using var h = JourneyHarness.Create(Template(new EscalateSpec { After = "PT2H", Action = "event", Event = "call.overdue" }));
        var id = await h.StartAsync("escalating");

        await h.AdvanceAsync(EscalateAt - T0 - TimeSpan.FromSeconds(1));
        Assert.Equal("wait", (await h.StatusAsync(id)).CurrentStep);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(["call-testdrive-invite", "manager-call"], h.TaskTypes());
        Assert.Equal(EscalateAt, h.Data.Tasks.Single(t => t.Type == "manager-call").CreatedAt);
        var manager = (await h.Data.ListTouchpointsAsync(id)).Single(t => t.Name == "manager-call");
        Assert.Equal(new TouchpointCause("event", "call.overdue", $"escalation:{h.Data.Tasks[0].Id}", EscalateAt), manager.Cause);
        Assert.Equal("end", (await h.ResultAsync(id))!.LastStep);
    }

    [Fact]
    public async Task Event_NoWaitListensWhenItFires_IsKeptForALaterWaitForIt()
    {
        var template = Template(
            new EscalateSpec { After = "PT2H", Action = "event", Event = "call.overdue" },
            new StepSpec { Id = "wait", Kind = "waitForEvent", Events = ["testdrive.booked"], Next = "wait-overdue" },
            new StepSpec { Id = "wait-overdue", Kind = "waitForEvent", Events = ["call.overdue"], Timeout = "PT1M", Next = "manager", OnTimeout = "booked" },
            new StepSpec { Id = "manager", Kind = "task", Task = "manager-call", Title = "Manager", Next = "end" });
        await using var h = JourneyHarness.Create(template);
        var id = await h.StartAsync("escalating");

        await h.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Equal("wait", (await h.StatusAsync(id)).CurrentStep);

        await h.RaiseAsync(id, "testdrive.booked");

        Assert.Equal(["call-testdrive-invite", "manager-call"], h.TaskTypes());
        Assert.Equal("end", (await h.ResultAsync(id))!.LastStep);
    }

    [Fact]
    public async Task ExitWhileTheEscalationWaits_JourneyEnds_NothingFiresLater()
    {
        await using var h = JourneyHarness.Create(Template(Reminder()));
        var id = await h.StartAsync("escalating");
        await h.AdvanceAsync(TimeSpan.FromHours(1));

        await h.RaiseAsync(id, "customer.unsubscribed");

        Assert.Equal(("exit:customer.unsubscribed", InstanceStatus.Completed), ((await h.ResultAsync(id))!.Reason, (await h.InstanceAsync(id)).Status));
        Assert.Empty(Timers(h, id));
        await h.AdvanceAsync(TimeSpan.FromDays(2));
        Assert.Single(h.Data.Tasks);
        Assert.DoesNotContain(await h.Data.ListTouchpointsAsync(id), t => t.Status == EscalateTaskActivity.Escalated);
    }

    [Fact]
    public async Task GoalWhileTheEscalationWaits_TheJourneyWaitsOnElsewhere_TheEscalationIsDropped()
    {
        var template = Template(Reminder());
        template = template with
        {
            Steps = [.. template.Steps.Select(s => s.Id == "won" ? new StepSpec { Id = "won", Kind = "waitForEvent", Events = ["testdrive.booked"], Next = "end" } : s)],
        };
        await using var h = JourneyHarness.Create(template);
        var id = await h.StartAsync("escalating");

        await h.RaiseAsync(id, "contract.signed");
        await h.AdvanceAsync(TimeSpan.FromDays(1));

        var status = await h.StatusAsync(id);
        Assert.Equal(("won", null), (status.CurrentStep, status.NextTimerDue));
        Assert.DoesNotContain("task.completed", status.WaitingFor);
        Assert.Empty(Timers(h, id));
        Assert.Single(h.Data.Tasks);
    }

    [Fact]
    public async Task CompletionOfAnotherTask_DoesNotClearTheEscalation()
    {
        await using var h = JourneyHarness.Create(Template(Reminder()));
        var id = await h.StartAsync("escalating");

        await h.RaiseAsync(id, "task.completed", new JsonObject { ["taskId"] = "some-other-task", ["outcome"] = "done" });
        await h.AdvanceAsync(TimeSpan.FromHours(6));

        Assert.Equal(["call-testdrive-invite", "call-testdrive-invite-reminder"], h.TaskTypes());
    }

    [Fact]
    public async Task CompletionNoWaitWantsYet_IsKeptForALaterWaitForTheCompletion()
    {
        var template = Template(
            Reminder(),
            new StepSpec { Id = "wait", Kind = "waitForEvent", Events = ["testdrive.booked"], Next = "wait-call" },
            new StepSpec { Id = "wait-call", Kind = "waitForEvent", Events = ["task.completed"], Timeout = "PT1M", Next = "called", OnTimeout = "end" },
            new StepSpec { Id = "called", Kind = "condition", If = new ConditionSpec { Path = "event.data.outcome", EqualTo = JsonValue.Create("booked") }, Then = "booked", Else = "end" });
        await using var h = JourneyHarness.Create(template);
        var id = await h.StartAsync("escalating");
        await h.AdvanceAsync(TimeSpan.FromHours(1));
        await CompleteAsync(h, id, Assert.Single(h.Data.Tasks).Id); // clears the escalation; no step wants the completion yet

        await h.RaiseAsync(id, "testdrive.booked");

        Assert.Equal("booked", (await h.ResultAsync(id))!.LastStep); // wait-call got the held completion, with its outcome
        Assert.Single(h.Data.Tasks);
    }

    [Fact]
    public async Task BusinessTimeAcrossDst_EscalatesAtTheLocalTimeOnTheNextOpenDay()
    {
        await using var h = JourneyHarness.Create(Template(new EscalateSpec { After = "P1D", Action = "reminder" }) with
        {
            Steps = [.. Template(Reminder()).Steps.Select(s => s.Id == "call" ? s with { DueIn = "PT1H", Escalate = new EscalateSpec { After = "P1D", Action = "reminder" } } : s)],
        });
        var friday = new DateTimeOffset(2026, 3, 27, 14, 0, 0, TimeSpan.Zero); // 15:00 in Amsterdam (+01:00)
        h.Runtime.Time.SetUtcNow(friday);
        var id = await h.StartAsync("escalating");
        Assert.Equal(friday.AddHours(1), Assert.Single(h.Data.Tasks).DueAt); // Friday 16:00 local
        var monday = new DateTimeOffset(2026, 3, 30, 14, 0, 0, TimeSpan.Zero); // Monday 16:00 local, summer time (+02:00)
        Assert.Equal(monday, (await h.StatusAsync(id)).NextTimerDue);

        await h.AdvanceAsync(monday - friday - TimeSpan.FromSeconds(1));
        Assert.Single(h.Data.Tasks);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(monday, h.Data.Tasks.Single(t => t.Type == "call-testdrive-invite-reminder").CreatedAt);
    }

    [Fact]
    public async Task Repeat_CarriesAPendingEscalationIntoTheNextExecution()
    {
        var template = Template(
            Reminder(),
            new StepSpec { Id = "wait", Kind = "wait", Duration = "PT1H", Next = "again" },
            new StepSpec { Id = "again", Kind = "repeat", Goto = "wait-long", Times = 1 },
            new StepSpec { Id = "wait-long", Kind = "waitForEvent", Events = ["testdrive.booked"], Timeout = "P7D", Next = "booked", OnTimeout = "end" });
        await using var h = JourneyHarness.Create(template);
        var id = await h.StartAsync("escalating");

        await h.AdvanceAsync(TimeSpan.FromHours(2));
        Assert.Equal("wait-long", (await h.StatusAsync(id)).CurrentStep);
        Assert.Equal(1, (await h.StatusAsync(id)).Iteration);
        Assert.Single(h.Data.Tasks);

        await h.AdvanceAsync(TimeSpan.FromHours(4));
        Assert.Equal(["call-testdrive-invite", "call-testdrive-invite-reminder"], h.TaskTypes());
        Assert.Equal(EscalateAt, h.Data.Tasks[1].CreatedAt);
    }

    private static List<DateTimeOffset> Timers(JourneyHarness h, string id) =>
        [.. ((InMemoryJourneyStore)h.Runtime.Store).PendingTimers(id).Select(m => m.VisibleAt)];

    /// <summary>What <c>POST /api/tasks/{id}/complete</c> does: complete in the store, then raise the task's event.</summary>
    private static async Task CompleteAsync(JourneyHarness h, string journeyId, string taskId)
    {
        var done = (await h.Data.CompleteTaskAsync(taskId, "booked", "Friday 10:00", h.Now))!;
        await h.Runtime.Client.RaiseEventAsync(journeyId, done.OnCompleteEvent ?? JourneyNames.TaskCompletedEvent, new JourneyEventPayload
        {
            OccurredAt = done.CompletedAt,
            Data = new JsonObject { ["outcome"] = done.Outcome, ["notes"] = done.Notes, ["taskId"] = done.Id, ["taskType"] = done.Type },
        }, $"task-completed-{taskId}");
        await h.Runtime.RunUntilIdleAsync();
    }

    private sealed class RecordingCrm : ICrmTaskPusher
    {
        public List<(string TaskId, string? Assignee)> Pushes { get; } = [];

        public bool IsConfigured(string dealerId) => true;

        public Task PushAsync(SalesTask task, CancellationToken cancellationToken)
        {
            lock (Pushes)
            {
                Pushes.Add((task.Id, task.Assignee));
            }

            return Task.CompletedTask;
        }
    }
}
