using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>Quiet hours in the interpreter: a durable timer until the calendar allows marketing e-mail; transactional goes at once.</summary>
public sealed class QuietHoursInterpreterTests
{
    private static readonly DateTimeOffset T0 = RuntimeHarness.Start; // Monday 5 January 2026, 09:00 UTC (10:00 in Amsterdam)

    private static readonly BusinessHoursOptions Hours = new() { QuietHours = TimeWindow.Parse("21:00-08:00") };

    /// <summary>Waits 12 hours (until 22:00 local), then sends <paramref name="category"/> e-mail.</summary>
    private static JourneyTemplate EveningEmail(string category) => new()
    {
        Id = "evening",
        Name = "Evening",
        Start = "wait",
        Steps =
        [
            new StepSpec { Id = "wait", Kind = "wait", Duration = "PT12H", Next = "mail" },
            new StepSpec { Id = "mail", Kind = "email", Email = "brochure-follow-up", Category = category, Next = "end" },
            new StepSpec { Id = "end", Kind = "end" },
        ],
    };

    [Fact]
    public async Task MarketingEmailDueAt22_GoesOutAt08NextMorning()
    {
        await using var h = JourneyHarness.Create(Hours, EveningEmail("marketing"));
        var id = await h.StartAsync("evening");

        await h.AdvanceAsync(TimeSpan.FromHours(12));
        Assert.Empty(h.Data.Mail);
        var status = await h.StatusAsync(id);
        Assert.Equal(("mail", T0.AddHours(22)), (status.CurrentStep, status.NextTimerDue)); // Tuesday 08:00 local = 07:00 UTC

        await h.AdvanceAsync(TimeSpan.FromHours(10) - TimeSpan.FromSeconds(1));
        Assert.Empty(h.Data.Mail);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(T0.AddHours(22), Assert.Single(h.Data.Mail).SentAt);
        Assert.Equal("end", (await h.ResultAsync(id))!.Reason);
    }

    [Fact]
    public async Task TransactionalEmailDueAt22_GoesOutAtOnce()
    {
        await using var h = JourneyHarness.Create(Hours, EveningEmail("transactional"));
        var id = await h.StartAsync("evening");

        await h.AdvanceAsync(TimeSpan.FromHours(12));

        Assert.Equal(T0.AddHours(12), Assert.Single(h.Data.Mail).SentAt);
        Assert.Equal("end", (await h.ResultAsync(id))!.Reason);
    }

    [Fact]
    public async Task TaskDueInOneBusinessDay_FromFridayEvening_IsDueMondayAtOpening()
    {
        var template = new JourneyTemplate
        {
            Id = "call",
            Name = "Call",
            Start = "wait",
            Steps =
            [
                new StepSpec { Id = "wait", Kind = "wait", Duration = "P4DT9H", Next = "call" }, // Friday 19:00 local
                new StepSpec { Id = "call", Kind = "task", Task = "call-back", Title = "Call", DueIn = "P1D", Next = "end" },
                new StepSpec { Id = "end", Kind = "end" },
            ],
        };
        await using var h = JourneyHarness.Create(Hours, template);
        await h.StartAsync("call");

        await h.AdvanceAsync(TimeSpan.FromDays(5));

        // Closed on Friday evening: the clock starts Monday 09:00, one business day later is Tuesday 09:00 (08:00 UTC).
        Assert.Equal(new DateTimeOffset(2026, 1, 13, 8, 0, 0, TimeSpan.Zero), Assert.Single(h.Data.Tasks).DueAt);
    }
}
