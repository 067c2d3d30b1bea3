using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>Interpreter semantics on small templates: split determinism, the runtime loop guard, business hours.</summary>
public sealed class InterpreterTests
{
    private static JourneyTemplate SplitTemplate() => new()
    {
        Id = "ab-test",
        Name = "A/B",
        Events = ["go"],
        Start = "split",
        Steps =
        [
            new StepSpec { Id = "split", Kind = "split", Branches = [new SplitBranch { Weight = 1, Next = "a" }, new SplitBranch { Weight = 1, Next = "b" }] },
            new StepSpec { Id = "a", Kind = "email", Email = "brochure-follow-up", Next = "wait" },
            new StepSpec { Id = "b", Kind = "email", Email = "testdrive-invitation", Next = "wait" },
            new StepSpec { Id = "wait", Kind = "waitForEvent", Events = ["go"], Next = "split-again" },
            new StepSpec { Id = "split-again", Kind = "split", Branches = [new SplitBranch { Weight = 1, Next = "end" }, new SplitBranch { Weight = 1, Next = "end" }] },
            new StepSpec { Id = "end", Kind = "end" },
        ],
    };

    [Fact]
    public async Task Split_ReplayedAfterEachEvent_KeepsItsBranch_AndBothBranchesAreUsed()
    {
        await using var h = JourneyHarness.Create(SplitTemplate());
        var chosen = new List<string>();
        for (var i = 0; i < 24; i++)
        {
            var id = await h.StartAsync("ab-test", instanceId: $"journey-{i}");
            var before = (await h.StatusAsync(id)).CurrentStep;
            await h.RaiseAsync(id, "go"); // the next episode replays the first split from history, then makes the second

            Assert.Equal("wait", before);
            Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status); // no non-determinism on replay
            chosen.Add(h.Data.Mail.Single(m => m.JourneyId == id).EmailTemplate); // exactly one branch ran
        }

        Assert.Equal(2, chosen.Distinct().Count());
        Assert.InRange(chosen.Count(c => c == "brochure-follow-up"), 4, 20);
    }

    [Fact]
    public async Task LoopWithoutAWait_FailsTheJourneyWithAClearError()
    {
        var looping = new JourneyTemplate
        {
            Id = "loop",
            Name = "Loop",
            Start = "a",
            Steps =
            [
                new StepSpec { Id = "a", Kind = "setPhase", Phase = "choice", Next = "b" },
                new StepSpec { Id = "b", Kind = "condition", If = new ConditionSpec { Path = "data.never", Exists = true }, Then = "c", Else = "a" },
                new StepSpec { Id = "c", Kind = "end" },
            ],
        };
        await using var h = JourneyHarness.Create(looping);

        var id = await h.StartAsync("loop");

        var instance = await h.InstanceAsync(id);
        Assert.Equal(InstanceStatus.Failed, instance.Status);
        Assert.Equal(typeof(JourneyLoopException).FullName, instance.Failure!.ErrorType);
        Assert.Contains("ran 1000 steps without waiting", instance.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("template 'loop' version 1", instance.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServiceReminder_BusinessHoursWait_SendsAtOpeningOnMonday()
    {
        await using var h = JourneyHarness.Create(JourneyHarness.LoadShipped("service-reminder.yaml"));
        await h.AdvanceAsync(TimeSpan.FromDays(4).Add(TimeSpan.FromHours(10))); // Friday 9 January, 19:00 UTC: closed

        var id = await h.StartAsync("service-reminder", data: new System.Text.Json.Nodes.JsonObject { ["model"] = "Hybrid X" });
        Assert.Empty(h.Emails());
        Assert.Equal(new DateTimeOffset(2026, 1, 12, 8, 0, 0, TimeSpan.Zero), (await h.StatusAsync(id)).NextTimerDue); // Monday 09:00 Amsterdam

        await h.AdvanceAsync(TimeSpan.FromDays(3));
        var mail = Assert.Single(h.Data.Mail);
        Assert.Equal("service-due-reminder", mail.EmailTemplate);
        Assert.Equal(new DateTimeOffset(2026, 1, 12, 8, 0, 0, TimeSpan.Zero), mail.SentAt);
    }

    [Fact]
    public async Task ServiceReminder_Booked_AppointmentReminderTheDayBefore_CompletedGoalEnds()
    {
        await using var h = JourneyHarness.Create(JourneyHarness.LoadShipped("service-reminder.yaml"));
        var id = await h.StartAsync("service-reminder", data: new System.Text.Json.Nodes.JsonObject { ["model"] = "Hybrid X", ["dueDate"] = "2026-02-16" });
        await h.AdvanceAsync(TimeSpan.FromDays(28));
        Assert.Equal(["service-due-reminder"], h.Emails());

        var appointment = h.Now.AddDays(5);
        await h.RaiseAsync(id, "service.booked", new System.Text.Json.Nodes.JsonObject { ["appointmentAt"] = appointment.ToString("O") });
        await h.AdvanceAsync(TimeSpan.FromDays(4));
        Assert.Equal(["service-due-reminder", "service-appointment-reminder"], h.Emails());

        await h.RaiseAsync(id, "service.completed");
        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
        Assert.Equal(["serviced"], (await h.ResultAsync(id))!.GoalsReached);
    }
}
