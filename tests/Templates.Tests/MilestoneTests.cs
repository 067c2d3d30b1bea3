using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Milestones (issue "serverless deployment", Service Bus outbound): a journey started with
/// <see cref="JourneyInput.PublishMilestones"/> publishes one per touchpoint, task, phase change, goal and end through the
/// publish activity, beside the journey (never blocking it), with ids that are the same on every replay and retry; an
/// outage is retried durably and then dropped, and the journey goes on and ends normally.
/// </summary>
public sealed class MilestoneTests
{
    private static JourneyTemplate Template() => new()
    {
        Id = "milestones",
        Name = "Milestones",
        Events = ["testdrive.booked", "contract.signed"],
        Goals = [new GoalSpec { Event = "contract.signed", Phase = "customer", Goto = "won" }],
        Start = "welcome",
        Steps =
        [
            new StepSpec { Id = "welcome", Kind = "email", Email = "brochure-follow-up", Category = "transactional", Phase = "lead", Next = "call" },
            new StepSpec { Id = "call", Kind = "task", Task = "call-testdrive-invite", Title = "Call {{ customer.firstName }}", DueIn = "PT4H", Next = "wait" },
            new StepSpec
            {
                Id = "wait", Kind = "waitForEvent", Events = ["testdrive.booked"], Timeout = "P30D",
                On = new() { ["testdrive.booked"] = "nudge" }, OnTimeout = "end",
            },
            new StepSpec { Id = "nudge", Kind = "email", Email = "testdrive-reminder", Category = "transactional", Next = "end" },
            new StepSpec { Id = "won", Kind = "end" },
            new StepSpec { Id = "end", Kind = "end" },
        ],
    };

    [Fact]
    public async Task Journey_WithMilestones_PublishesEachMilestoneOnce_InOrder_WithStableIds()
    {
        var publisher = new RecordingMilestonePublisher();
        await using var h = JourneyHarness.CreateWith(new BusinessHoursOptions(), s => s.AddSingleton<IMilestonePublisher>(publisher), Template());
        var id = await h.StartAsync("milestones", publishMilestones: true);
        await h.RaiseAsync(id, "contract.signed");

        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
        // Published concurrently (in any order); the id's sequence gives the journey's order.
        var published = publisher.Published.OrderBy(m => int.Parse(m.MilestoneId[(m.MilestoneId.LastIndexOf(":m", StringComparison.Ordinal) + 2)..], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(
            [MilestoneKinds.PhaseChanged, MilestoneKinds.EmailSent, MilestoneKinds.TaskCreated, MilestoneKinds.GoalReached, MilestoneKinds.PhaseChanged, MilestoneKinds.JourneyCompleted],
            published.Select(m => m.Kind));
        Assert.All(published, m => Assert.StartsWith(id + ":", m.MilestoneId, StringComparison.Ordinal));
        Assert.Equal(publisher.Published.Count, publisher.Published.Select(m => m.MilestoneId).Distinct().Count());
        Assert.All(publisher.Published, m => Assert.Equal((id, JourneyHarness.Dealer, "milestones", 1), (m.JourneyId, m.DealerId, m.TemplateId, m.TemplateVersion)));
        var email = publisher.Published.Single(m => m.Kind == MilestoneKinds.EmailSent);
        Assert.Equal(("welcome", "lead", "sent"), (email.StepId, email.Phase, email.Details!["status"]!.GetValue<string>()));
        Assert.Equal(h.Data.Tasks.Single().Id, publisher.Published.Single(m => m.Kind == MilestoneKinds.TaskCreated).Details!["taskId"]!.GetValue<string>());
        var phases = published.Where(m => m.Kind == MilestoneKinds.PhaseChanged).Select(m => (m.Details!["from"]?.GetValue<string>(), m.Details!["to"]!.GetValue<string>()));
        Assert.Equal([(null, "lead"), ("lead", "customer")], phases);
        Assert.Equal("contract.signed", publisher.Published.Single(m => m.Kind == MilestoneKinds.GoalReached).Details!["goal"]!.GetValue<string>());
    }

    [Fact]
    public async Task Journey_WithoutMilestones_SchedulesNoPublishActivity()
    {
        var publisher = new RecordingMilestonePublisher();
        await using var h = JourneyHarness.CreateWith(new BusinessHoursOptions(), s => s.AddSingleton<IMilestonePublisher>(publisher), Template());
        var id = await h.StartAsync("milestones");
        await h.RaiseAsync(id, "contract.signed");

        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
        Assert.Empty(publisher.Published);
        var history = await h.Runtime.Store.GetHistoryAsync(id);
        Assert.DoesNotContain(history.OfType<ActivityScheduled>(), a => a.Name == JourneyNames.PublishMilestoneActivity);
        Assert.Contains(history.OfType<ActivityScheduled>(), a => a.Name == JourneyNames.SendEmailActivity);
    }

    [Fact]
    public async Task ServiceBusOutage_NeverBlocksTheJourney_RetriesDurably_ThenDropsAndTheJourneyEnds()
    {
        var publisher = new RecordingMilestonePublisher { Down = true };
        await using var h = JourneyHarness.CreateWith(new BusinessHoursOptions(), s => s.AddSingleton<IMilestonePublisher>(publisher), Template());
        var id = await h.StartAsync("milestones", publishMilestones: true);

        // The outage holds nothing up: the e-mail went and the task exists while the publishes wait on their retry timers.
        Assert.Single(h.Data.Mail);
        Assert.Single(h.Data.Tasks);
        Assert.Equal("wait", (await h.StatusAsync(id)).CurrentStep);
        await h.RaiseAsync(id, "testdrive.booked");
        Assert.Equal(2, h.Data.Mail.Count);

        // At its end the journey awaits what is outstanding; the retries run out (8 attempts, about an hour) and it completes.
        Assert.Equal(InstanceStatus.Running, (await h.InstanceAsync(id)).Status);
        await h.AdvanceAsync(TimeSpan.FromHours(3));
        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
        Assert.Empty(publisher.Published);
        var milestones = publisher.Attempts.Select(a => a.MilestoneId).Distinct().ToList();
        Assert.Equal(5, milestones.Count); // phase, e-mail, task, e-mail and the end: each tried until its policy gave up
        Assert.All(milestones, m => Assert.Equal(8, publisher.Attempts.Count(a => a.MilestoneId == m)));
    }

    [Fact]
    public async Task ServiceBusBackAfterAnAttempt_TheRetryCarriesTheSameMessageId()
    {
        var publisher = new RecordingMilestonePublisher { FailFirstAttempts = 1 };
        await using var h = JourneyHarness.CreateWith(new BusinessHoursOptions(), s => s.AddSingleton<IMilestonePublisher>(publisher), Template());
        var id = await h.StartAsync("milestones", publishMilestones: true);
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.RaiseAsync(id, "contract.signed");
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));

        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
        Assert.Equal(6, publisher.Published.Count);
        Assert.All(publisher.Published, m => Assert.Equal(2, publisher.Attempts.Count(a => a.MilestoneId == m.MilestoneId)));
    }
}
