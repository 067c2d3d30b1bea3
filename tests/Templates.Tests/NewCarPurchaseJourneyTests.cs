using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>The shipped new-car-purchase template, driven through time and events on the runtime.</summary>
public sealed class NewCarPurchaseJourneyTests
{
    private static readonly DateTimeOffset T0 = RuntimeHarness.Start; // Monday 5 January 2026, 09:00 UTC (10:00 in Amsterdam)

    private static JourneyHarness Harness() => JourneyHarness.Create(JourneyHarness.LoadShipped("new-car-purchase.yaml"));

    [Fact]
    public async Task Brochure_NoBooking_FollowUpThenInvitationThenInviteCall()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");

        Assert.Equal(["brochure-follow-up"], h.Emails());
        var first = Assert.Single(h.Data.Mail);
        Assert.Equal("anna@example.com", first.To);
        Assert.Contains("Hybrid X", first.Subject, StringComparison.Ordinal);
        Assert.Contains("Hi Anna", first.Body, StringComparison.Ordinal);
        Assert.Equal("event", Assert.Single(h.Data.Touchpoints).Cause.Kind);

        await h.AdvanceAsync(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        Assert.Equal(["brochure-follow-up"], h.Emails());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], h.Emails());
        Assert.Equal(T0.AddDays(1), h.Data.Mail[1].SentAt);
        Assert.Empty(h.TaskTypes());

        await h.AdvanceAsync(TimeSpan.FromDays(2));
        var call = Assert.Single(h.Data.Tasks);
        Assert.Equal("call-testdrive-invite", call.Type);
        Assert.Equal(T0.AddDays(3), call.CreatedAt);
        Assert.Equal(T0.AddDays(3).AddHours(4), call.DueAt); // Thursday 14:00 in Amsterdam: open
        Assert.Equal("Call Anna de Vries to invite them for a test drive in the Hybrid X (brochure downloaded, no booking yet).", call.Title);
        var touchpoint = h.Data.Touchpoints.Single(t => t.Channel == "task");
        Assert.Equal(("timer", "wait-booking"), (touchpoint.Cause.Kind, touchpoint.Cause.Name));
        Assert.Equal("communication", (await h.StatusAsync(id)).Phase);
    }

    [Fact]
    public async Task TestDriveBooked_NoInviteCallAndNoInvitation_ReminderTheDayBefore()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.AdvanceAsync(TimeSpan.FromHours(2));
        var testDrive = T0.AddDays(4).AddHours(5);
        await h.RaiseAsync(id, "testdrive.booked", new JsonObject { ["testDriveAt"] = testDrive.ToString("O") });

        Assert.Equal("choice", (await h.StatusAsync(id)).Phase);
        await h.AdvanceAsync(TimeSpan.FromDays(3).Add(TimeSpan.FromHours(3)) - TimeSpan.FromSeconds(1));
        Assert.Equal(["brochure-follow-up"], h.Emails());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(["brochure-follow-up", "testdrive-reminder"], h.Emails());
        Assert.Equal(testDrive.AddDays(-1), h.Data.Mail[1].SentAt);
        Assert.Contains("Hybrid X", h.Data.Mail[1].Body, StringComparison.Ordinal);

        await h.AdvanceAsync(TimeSpan.FromDays(10));
        Assert.DoesNotContain("call-testdrive-invite", h.TaskTypes());
        Assert.DoesNotContain("testdrive-invitation", h.Emails());
    }

    [Fact]
    public async Task QuoteSent_FollowUpEmailAndReactionCall_RejectionAsksForASharperOffer()
    {
        await using var h = Harness();
        var id = await BookAndDriveAsync(h);

        await h.RaiseAsync(id, "quote.sent", new JsonObject { ["quoteNumber"] = "Q-1001", ["price"] = "EUR 38,950" });
        Assert.Equal("quote-follow-up", h.Emails()[^1]);
        Assert.Contains("Q-1001", h.Data.Mail[^1].Body, StringComparison.Ordinal);
        Assert.Equal(["call-quote-reaction"], h.TaskTypes());

        await h.AdvanceAsync(TimeSpan.FromDays(2));
        await h.RaiseAsync(id, "quote.rejected");

        Assert.Equal(["call-quote-reaction", "prepare-sharper-offer"], h.TaskTypes());
        Assert.Contains("rejected", h.Data.Tasks[^1].Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuoteUnanswered_AWeekLater_SharperOfferTask()
    {
        await using var h = Harness();
        var id = await BookAndDriveAsync(h);
        await h.RaiseAsync(id, "quote.sent");

        await h.AdvanceAsync(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.Equal(["call-quote-reaction"], h.TaskTypes());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(["call-quote-reaction", "prepare-sharper-offer"], h.TaskTypes());
        Assert.Contains("unanswered", h.Data.Tasks[^1].Title, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContractSigned_WhileWaitingForTheQuoteAnswer_GoalJumpsToPurchase_NoSharperOffer()
    {
        await using var h = Harness();
        var id = await BookAndDriveAsync(h);
        await h.RaiseAsync(id, "quote.sent");

        await h.RaiseAsync(id, "contract.signed");
        var status = await h.StatusAsync(id);
        Assert.Equal("purchase", status.Phase);
        Assert.Equal("wait-payment", status.CurrentStep);
        Assert.Equal(["purchase"], status.GoalsReached);
        Assert.DoesNotContain("contract.signed", status.WaitingFor); // a goal fires once

        await h.AdvanceAsync(TimeSpan.FromDays(30));
        Assert.DoesNotContain("prepare-sharper-offer", h.TaskTypes());
    }

    [Fact]
    public async Task ContractSigned_InsideAPlainWait_GoalInterruptsIt()
    {
        await using var h = Harness();
        var id = await BookAndDriveAsync(h);
        await h.RaiseAsync(id, "quote.sent");
        await h.RaiseAsync(id, "quote.accepted");
        Assert.Equal("wait-contract", (await h.StatusAsync(id)).CurrentStep);

        await h.AdvanceAsync(TimeSpan.FromDays(3));
        await h.RaiseAsync(id, "contract.signed");

        var status = await h.StatusAsync(id);
        Assert.Equal("wait-payment", status.CurrentStep);
        Assert.Equal(h.Now.AddDays(14), status.NextTimerDue);
    }

    [Fact]
    public async Task Purchase_DeliveryDateConfirmed_SatisfactionCallThreeDaysAfterDelivery_KmCheckOnOdometer()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.RaiseAsync(id, "contract.signed");
        await h.RaiseAsync(id, "payment.received");
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        await h.RaiseAsync(id, "delivery.scheduled", new JsonObject { ["deliveryDate"] = "2026-01-27" });

        var confirmation = h.Data.Mail[^1];
        Assert.Equal("delivery-date-confirmation", confirmation.EmailTemplate);
        Assert.Equal("transactional", confirmation.Category);
        Assert.Contains("27 January 2026", confirmation.Subject, StringComparison.Ordinal);

        await h.AdvanceAsync(TimeSpan.FromDays(21));
        await h.RaiseAsync(id, "vehicle.delivered");
        Assert.Equal("usage", (await h.StatusAsync(id)).Phase);
        var delivered = h.Now;
        await h.AdvanceAsync(TimeSpan.FromDays(3));
        var call = Assert.Single(h.Data.Tasks);
        Assert.Equal("satisfaction-call", call.Type);
        Assert.Equal(delivered.AddDays(3), call.CreatedAt);

        await h.RaiseAsync(id, "odometer.reported", new JsonObject { ["odometerKm"] = 1200 });
        Assert.DoesNotContain("km-check-invitation", h.Emails());
        await h.AdvanceAsync(TimeSpan.FromDays(20));
        await h.RaiseAsync(id, "odometer.reported", new JsonObject { ["odometerKm"] = 3050 });
        Assert.Equal("km-check-invitation", h.Emails()[^1]);
        Assert.Contains("3050 km", h.Data.Mail[^1].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoConsent_MarketingSuppressed_TransactionalSent()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", consent: false, trigger: "brochure.downloaded");
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        await h.RaiseAsync(id, "contract.signed");
        await h.RaiseAsync(id, "delivery.scheduled", new JsonObject { ["deliveryDate"] = "2026-02-01" });

        Assert.Equal(["delivery-date-confirmation"], h.Emails());
        var statuses = h.Data.Touchpoints.Where(t => t.Channel == "email").Select(t => (t.Name, t.Status, t.Detail));
        Assert.Equal(
            [("brochure-follow-up", "suppressed", "no e-mail consent"), ("testdrive-invitation", "suppressed", "no e-mail consent"), ("delivery-date-confirmation", "sent", null)],
            statuses);
    }

    [Fact]
    public async Task Unsubscribed_EndsTheJourney_NoMarketingEmailAfterwards()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.AdvanceAsync(TimeSpan.FromHours(5));
        await h.RaiseAsync(id, "customer.unsubscribed");

        var instance = await h.InstanceAsync(id);
        Assert.Equal(InstanceStatus.Completed, instance.Status);
        Assert.Equal("exit:customer.unsubscribed", (await h.ResultAsync(id))!.Reason);
        await h.AdvanceAsync(TimeSpan.FromDays(400));
        Assert.Equal(["brochure-follow-up"], h.Emails());
        Assert.Empty(h.TaskTypes());
    }

    [Fact]
    public async Task Unsubscribed_DuringAPlainWait_EndsTheJourney()
    {
        await using var h = Harness();
        var id = await ToUsageAsync(h);
        Assert.Equal("wait-satisfaction-call", (await h.StatusAsync(id)).CurrentStep);

        await h.RaiseAsync(id, "customer.unsubscribed");
        await h.AdvanceAsync(TimeSpan.FromDays(10));

        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
        Assert.Empty(h.TaskTypes());
    }

    [Fact]
    public async Task Usage_YearlyServiceInvitation_RecursForYearsAsNewExecutions()
    {
        await using var h = Harness();
        var id = await ToUsageAsync(h);
        var firstExecution = (await h.InstanceAsync(id)).ExecutionId;
        await h.AdvanceAsync(TimeSpan.FromDays(3));
        await h.RaiseAsync(id, "odometer.reported", new JsonObject { ["odometerKm"] = 3000 });
        var kmCheck = h.Now;

        await h.AdvanceAsync(TimeSpan.FromDays(4 * 366));

        var invitations = h.Data.Mail.Where(m => m.EmailTemplate == "yearly-service-invitation").Select(m => m.SentAt).ToList();
        Assert.True(invitations.Count >= 4, $"{invitations.Count} invitations");
        Assert.Equal(kmCheck.AddMonths(10), invitations[0]);
        Assert.Equal(invitations[0].AddMonths(12), invitations[1]);
        Assert.Equal(invitations[1].AddMonths(12), invitations[2]);
        Assert.True(h.Data.Mail.Count(m => m.EmailTemplate == "seasonal-check") >= 2 * (invitations.Count - 1));
        var status = await h.StatusAsync(id);
        Assert.True(status.Iteration >= 3);
        Assert.Equal("usage", status.Phase);
        Assert.Equal(["purchase"], status.GoalsReached);
        var instance = await h.InstanceAsync(id);
        Assert.Equal(InstanceStatus.Running, instance.Status);
        Assert.NotEqual(firstExecution, instance.ExecutionId);
        Assert.Contains("year 4 together", h.Data.Mail.Last(m => m.EmailTemplate == "yearly-service-invitation").Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_AtAWait_ShowsEventsIncludingExitAndGoal_AndTheTimer()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");

        var status = await h.StatusAsync(id);

        Assert.Equal("wait-booking-before-invite", status.CurrentStep);
        // The step's events, the exit, and the goals that move the journey forward from the communication phase.
        Assert.Equal(["testdrive.booked", "quote.sent", "customer.unsubscribed", "contract.signed", "vehicle.delivered", "quote.accepted"], status.WaitingFor);
        Assert.Equal(T0.AddDays(1), status.NextTimerDue);
        Assert.Equal(("new-car-purchase", 1, "deal-1"), (status.TemplateId, status.TemplateVersion, status.JourneyKey));
    }

    [Fact]
    public async Task InviteCallNotDone_FourBusinessHoursPastDue_ReminderTask_AndABookingStillMovesTheJourney()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.AdvanceAsync(TimeSpan.FromDays(3)); // the call task: Thursday 10:00 local, due 14:00
        var call = Assert.Single(h.Data.Tasks);
        var escalateAt = T0.AddDays(4); // 14:00-17:00 Thursday + 1 h Friday = Friday 10:00 local

        await h.AdvanceAsync(escalateAt - h.Now - TimeSpan.FromSeconds(1));
        Assert.Equal(["call-testdrive-invite"], h.TaskTypes());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(["call-testdrive-invite", "call-testdrive-invite-reminder"], h.TaskTypes());
        Assert.Equal((escalateAt, escalateAt), (h.Data.Tasks[1].CreatedAt, h.Data.Tasks[1].DueAt));
        Assert.Equal(TaskStatuses.Open, h.Data.Tasks.Single(t => t.Id == call.Id).Status);
        Assert.Equal("wait-booking-after-call", (await h.StatusAsync(id)).CurrentStep);

        await h.RaiseAsync(id, "testdrive.booked");
        Assert.Equal("choice", (await h.StatusAsync(id)).Phase);
    }

    [Fact]
    public async Task InviteCallDoneInTime_NoReminder()
    {
        await using var h = Harness();
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.AdvanceAsync(TimeSpan.FromDays(3).Add(TimeSpan.FromHours(2)));
        var call = (await h.Data.CompleteTaskAsync(Assert.Single(h.Data.Tasks).Id, "no-answer", null, h.Now))!;
        await h.RaiseAsync(id, "task.completed", new JsonObject { ["taskId"] = call.Id, ["outcome"] = call.Outcome });

        await h.AdvanceAsync(TimeSpan.FromDays(5));

        Assert.Equal(["call-testdrive-invite"], h.TaskTypes());
        Assert.Equal("wait-booking-after-call", (await h.StatusAsync(id)).CurrentStep);
    }

    [Fact]
    public async Task QuoteReactionCallNotDone_HalfABusinessDayPastDue_ReassignedToTheSalesManager()
    {
        await using var h = Harness();
        var id = await BookAndDriveAsync(h);
        await h.RaiseAsync(id, "quote.sent");
        var call = Assert.Single(h.Data.Tasks);
        Assert.Equal(T0.AddDays(1), call.DueAt); // Tuesday 10:00 local
        var escalateAt = T0.AddDays(1).AddHours(4);

        await h.AdvanceAsync(escalateAt - h.Now - TimeSpan.FromSeconds(1));
        Assert.Null(h.Data.Tasks.Single().Assignee);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(("sales-manager", TaskStatuses.Open), (h.Data.Tasks.Single().Assignee, h.Data.Tasks.Single().Status));
        var escalated = h.Data.Touchpoints.Single(t => t.Status == "escalated");
        Assert.Equal(("call-quote-reaction", escalateAt), (escalated.StepId, escalated.OccurredAt));
        Assert.Equal("wait-quote-answer", (await h.StatusAsync(id)).CurrentStep);
    }

    private static async Task<string> BookAndDriveAsync(JourneyHarness h)
    {
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.RaiseAsync(id, "testdrive.booked");
        await h.RaiseAsync(id, "testdrive.completed");
        return id;
    }

    private static async Task<string> ToUsageAsync(JourneyHarness h)
    {
        var id = await h.StartAsync("new-car-purchase", trigger: "brochure.downloaded");
        await h.RaiseAsync(id, "contract.signed");
        await h.RaiseAsync(id, "delivery.scheduled", new JsonObject { ["deliveryDate"] = "2026-01-27" });
        await h.RaiseAsync(id, "vehicle.delivered");
        return id;
    }
}
