using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Real-world event order on the fake clock: dealer systems send milestones late, out of order or alone. Forward goals
/// move the journey on from an earlier phase; <c>ifPast</c> skips a wait whose time has gone; the shipped car-purchase
/// journey uses both (issue: a car delivered without payment or delivery date, a test drive booked for today, a quote
/// accepted without a quote sent, a second contract).
/// </summary>
public sealed class EventOrderTests
{
    private static readonly DateTimeOffset T0 = RuntimeHarness.Start; // Monday 5 January 2026, 09:00 UTC

    private static JourneyHarness Shipped() => JourneyHarness.Create(JourneyHarness.LoadShipped("new-car-purchase.yaml"));

    private static async Task<string> SignedAsync(JourneyHarness h)
    {
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.RaiseAsync(id, "quote.sent", new JsonObject { ["quoteNumber"] = "Q-1" });
        await h.RaiseAsync(id, "quote.accepted");
        await h.RaiseAsync(id, "contract.signed");
        Assert.Equal(("purchase", "wait-payment"), ((await h.StatusAsync(id)).Phase, (await h.StatusAsync(id)).CurrentStep));
        return id;
    }

    [Fact]
    public async Task CarDelivered_WithoutPaymentOrDeliveryDate_GoesStraightToUsage_SatisfactionCallThreeDaysLater()
    {
        await using var h = Shipped();
        var id = await SignedAsync(h);
        await h.AdvanceAsync(TimeSpan.FromDays(2));

        await h.RaiseAsync(id, "vehicle.delivered"); // no payment.received, no delivery.scheduled: the DMS only knows the handover

        var status = await h.StatusAsync(id);
        Assert.Equal(("usage", "wait-satisfaction-call"), (status.Phase, status.CurrentStep));
        Assert.Contains("delivered", status.GoalsReached);
        await h.AdvanceAsync(TimeSpan.FromDays(3));
        var call = h.Data.Tasks.Single(t => t.Type == "satisfaction-call");
        Assert.Equal(T0.AddDays(5), call.CreatedAt); // not after the 14-day payment and 60-day delivery-date timeouts
        Assert.DoesNotContain("delivery-date-confirmation", h.Emails());
    }

    [Fact]
    public async Task CarDelivered_WhileStillInTheChoicePhase_AlsoMovesOn_ButADeliveryInUsageChangesNothing()
    {
        await using var h = Shipped();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.RaiseAsync(id, "testdrive.booked");
        Assert.Equal("choice", (await h.StatusAsync(id)).Phase);

        await h.RaiseAsync(id, "vehicle.delivered", eventId: "dlv-1");
        Assert.Equal(("usage", "wait-satisfaction-call"), ((await h.StatusAsync(id)).Phase, (await h.StatusAsync(id)).CurrentStep));
        await h.AdvanceAsync(TimeSpan.FromDays(3));
        await h.RaiseAsync(id, "vehicle.delivered", eventId: "dlv-2"); // a second handover message: in usage, not a goal any more

        var status = await h.StatusAsync(id);
        Assert.Equal(("usage", "wait-3000km"), (status.Phase, status.CurrentStep));
        Assert.Single(h.Data.Tasks, t => t.Type == "satisfaction-call");
    }

    [Fact]
    public async Task ASecondContract_AfterTheFirst_ChangesNothing()
    {
        await using var h = Shipped();
        var id = await SignedAsync(h);
        await h.RaiseAsync(id, "payment.received");
        var before = await h.StatusAsync(id);
        var touchpoints = h.Data.Touchpoints.Count;

        await h.RaiseAsync(id, "contract.signed", eventId: "contract-2");

        var after = await h.StatusAsync(id);
        Assert.Equal((before.Phase, before.CurrentStep), (after.Phase, after.CurrentStep));
        Assert.Equal(["purchase"], after.GoalsReached);
        Assert.Equal(touchpoints, h.Data.Touchpoints.Count);
    }

    [Fact]
    public async Task QuoteAccepted_WithoutAQuoteSent_WaitsForTheContract_NotForAQuote()
    {
        await using var h = Shipped();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.RaiseAsync(id, "testdrive.booked");
        await h.RaiseAsync(id, "testdrive.completed");
        Assert.Equal("wait-quote", (await h.StatusAsync(id)).CurrentStep);

        await h.RaiseAsync(id, "quote.accepted"); // the quote went out on paper; the DMS only reports the acceptance

        Assert.Equal(("choice", "wait-contract"), ((await h.StatusAsync(id)).Phase, (await h.StatusAsync(id)).CurrentStep));
        await h.AdvanceAsync(TimeSpan.FromDays(31)); // wait-quote would have ended the journey as "no deal" after 30 days
        Assert.Equal("wait-contract", (await h.StatusAsync(id)).CurrentStep);
        await h.RaiseAsync(id, "contract.signed");
        Assert.Equal("purchase", (await h.StatusAsync(id)).Phase);
    }

    [Fact]
    public async Task QuoteAccepted_RightAfterTheBrochure_IsAForwardMoveIntoChoice()
    {
        await using var h = Shipped();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");

        await h.RaiseAsync(id, "quote.accepted");

        var status = await h.StatusAsync(id);
        Assert.Equal(("choice", "wait-contract"), (status.Phase, status.CurrentStep));
        await h.AdvanceAsync(TimeSpan.FromDays(5));
        Assert.DoesNotContain("testdrive-invitation", h.Emails());
        Assert.DoesNotContain("call-testdrive-invite", h.TaskTypes());
    }

    [Theory]
    [InlineData(2)] // today, two hours from now: the reminder's time (yesterday) has passed
    [InlineData(-3)] // booked after the fact: the test drive was this morning
    public async Task TestDriveBookedForATimeWhoseReminderHasPassed_GetsNoSeeYouTomorrowEmail(int hoursFromNow)
    {
        await using var h = Shipped();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");

        await h.RaiseAsync(id, "testdrive.booked", new JsonObject { ["testDriveAt"] = h.Now.AddHours(hoursFromNow).ToString("O") });

        Assert.Equal(("choice", "wait-testdrive-done"), ((await h.StatusAsync(id)).Phase, (await h.StatusAsync(id)).CurrentStep));
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.DoesNotContain("testdrive-reminder", h.Emails());
    }

    [Fact]
    public async Task ForwardGoal_FiresFromAnEarlierPhaseOnly_AndIfPastTakesItsOwnWay()
    {
        var template = TemplateLoader.Load("""
            id: order
            name: Order
            events: [go, milestone]
            goals:
              - { event: milestone, phase: purchase, forward: true, goto: reached }
            start: early
            steps:
              - { id: early, kind: waitForEvent, phase: choice, events: [go], on: { go: late } }
              - { id: late, kind: setPhase, phase: usage, next: wait-late }
              - { id: wait-late, kind: waitForEvent, phase: usage, events: [go], on: { go: past-check } }
              - { id: past-check, kind: wait, phase: usage, untilData: data.when, ifPast: was-past, next: was-future }
              - { id: was-past, kind: end, phase: usage }
              - { id: was-future, kind: end, phase: usage }
              - { id: reached, kind: end, phase: purchase }
            """).Template! with { Version = 1 };
        await using var h = JourneyHarness.Create(template);

        var early = await h.StartAsync("order");
        await h.RaiseAsync(early, "milestone");
        Assert.Equal("reached", (await h.ResultAsync(early))!.LastStep);

        var late = await h.StartAsync("order", instanceId: "late");
        await h.RaiseAsync(late, "go");
        await h.RaiseAsync(late, "milestone"); // in usage: after the goal's phase, not listened for
        Assert.Equal("wait-late", (await h.StatusAsync(late)).CurrentStep);
        await h.RaiseAsync(late, "go", new JsonObject { ["when"] = h.Now.AddMinutes(-1).ToString("O") });
        Assert.Equal("was-past", (await h.ResultAsync(late))!.LastStep);
    }
}
