using JourneyOrchestrator.Host.Tests.Support;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// The car-purchase story of the domain notes, driven over HTTP against the real host process with the manual clock:
/// every touchpoint fires at its time, and none fires that should not.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CarPurchaseEndToEndTests
{
    private static readonly DateTimeOffset T0 = HostProcess.Start; // Monday 5 January 2026, 09:00 UTC (10:00 in Amsterdam)

    [Fact]
    public async Task CarPurchase_WholeStoryFromBrochureToYearlyService_EveryTouchpointAtItsTime()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);

        // 6. Downloads a brochure: the journey starts and answers at once.
        var started = await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        Assert.Single(started);
        await anna.UntilTouchpointsAsync(1);

        // 7-8. No booking: an invitation the next day, a phone call two days later.
        await anna.AdvanceAsync("P1D");
        await anna.AdvanceAsync("P2D");
        var call = Assert.Single(await anna.TasksAsync());
        Assert.Equal("call-testdrive-invite", call["type"]!.GetValue<string>());
        Assert.Contains("Hybrid X", call["title"]!.GetValue<string>(), StringComparison.Ordinal);
        await anna.CompleteTaskAsync(call["id"]!.GetValue<string>(), "booked");

        // 8-9. Books a test drive for Saturday 10:00 UTC: a reminder the day before.
        await anna.RaiseAsync("testdrive.booked", new { testDriveAt = "2026-01-10T10:00:00Z" });
        await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "choice", "choice phase");
        await anna.AdvanceToAsync(new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero));
        await anna.RaiseAsync("testdrive.completed");
        await anna.UntilJourneyAsync(j => j["currentSteps"]![0]!.GetValue<string>() == "wait-quote", "waiting for the quote");

        // 10-11. The quote the same day: a follow-up e-mail and a call to gauge the reaction; rejected two days later.
        await anna.RaiseAsync("quote.sent", new { quoteNumber = "Q-1001", price = "EUR 38,950" });
        await anna.UntilTouchpointsAsync(6);
        await anna.AdvanceAsync("P2D");
        await anna.RaiseAsync("quote.rejected");
        await anna.UntilTouchpointsAsync(7);

        // 12-14. A revised quote the next day. The first reaction call was never done: at Tuesday 13:00 local (due 09:00 +
        // four business hours) it went to the sales manager.
        await anna.AdvanceAsync("P1D");
        await anna.UntilTouchpointsAsync(8);
        Assert.Equal("sales-manager", (await anna.TasksAsync()).First(t => t["type"]!.GetValue<string>() == "call-quote-reaction")["assignee"]!.GetValue<string>());
        await anna.RaiseAsync("quote.sent", new { quoteNumber = "Q-1002", price = "EUR 37,450" });
        await anna.UntilTouchpointsAsync(10);

        // 15-16. Signs the next day: the goal takes the journey to the purchase phase; no sharper offer after that, and the
        // second reaction call (open, due Wednesday 13:00 local) is not escalated any more.
        await anna.AdvanceAsync("P1D");
        await anna.RaiseAsync("contract.signed");
        var purchase = await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "purchase", "purchase phase");
        Assert.Equal("wait-payment", purchase["currentSteps"]![0]!.GetValue<string>());
        Assert.Equal(["purchase"], purchase["goalsReached"]!.AsArray().Select(g => g!.GetValue<string>()));
        await anna.AdvanceAsync("P10D"); // past the week in which an unanswered quote asks for a sharper offer
        await anna.RaiseAsync("payment.received");
        await anna.UntilJourneyAsync(j => j["currentSteps"]![0]!.GetValue<string>() == "wait-delivery-date", "waiting for the delivery date");

        // 17. The delivery date the next day: a (transactional) confirmation.
        await anna.AdvanceAsync("P1D");
        await anna.RaiseAsync("delivery.scheduled", new { deliveryDate = "2026-02-15" });
        await anna.UntilTouchpointsAsync(11);

        // 19-20. Delivery; the satisfaction call three days later.
        await anna.AdvanceToAsync(new DateTimeOffset(2026, 2, 15, 10, 0, 0, TimeSpan.Zero));
        await anna.RaiseAsync("vehicle.delivered");
        await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "usage", "usage phase");
        await anna.AdvanceAsync("P3D");

        // 21. The 3,000 km check: an early reading does nothing, 3,050 km invites.
        await anna.AdvanceAsync("P10D");
        await anna.RaiseAsync("odometer.reported", new { odometerKm = 1200 });
        await anna.UntilJourneyAsync(j => j["currentSteps"]![0]!.GetValue<string>() == "wait-3000km" && j["nextTimerDue"] is not null && ReadAt(j) > At(2026, 3, 1), "waiting again after 1,200 km");
        await anna.AdvanceAsync("P10D");
        await anna.RaiseAsync("odometer.reported", new { odometerKm = 3050 });
        await anna.UntilTouchpointsAsync(13);

        // 22. The yearly service: ten months later; serviced; seasonal checks; the next year's invitation (a new execution).
        await anna.AdvanceToAsync(At(2027, 1, 15));
        await anna.RaiseAsync("service.completed");
        await anna.UntilJourneyAsync(j => j["currentSteps"]![0]!.GetValue<string>() == "wait-first-seasonal-check", "after the service");
        await anna.AdvanceToAsync(At(2027, 12, 31));
        var secondYear = await anna.JourneyAsync();
        Assert.Equal(1, secondYear["iteration"]!.GetValue<int>());
        Assert.Equal("Running", secondYear["status"]!.GetValue<string>());

        var touchpoints = await anna.TouchpointsAsync();
        Assert.Equal(
            [
                new Touch("email", "brochure-follow-up", "sent", T0, "event", "brochure.downloaded"),
                new Touch("email", "testdrive-invitation", "sent", T0.AddDays(1), "timer", "wait-booking-before-invite"),
                new Touch("task", "call-testdrive-invite", "created", T0.AddDays(3), "timer", "wait-booking"),
                new Touch("email", "testdrive-reminder", "sent", At(2026, 1, 9, 10), "timer", "wait-testdrive-reminder"),
                new Touch("email", "quote-follow-up", "sent", At(2026, 1, 10, 12), "event", "quote.sent"),
                new Touch("task", "call-quote-reaction", "created", At(2026, 1, 10, 12), "event", "quote.sent"),
                new Touch("task", "prepare-sharper-offer", "created", At(2026, 1, 12, 12), "event", "quote.rejected"),
                new Touch("task", "call-quote-reaction", "escalated", At(2026, 1, 13, 12), "escalation", "call-quote-reaction"),
                new Touch("email", "quote-follow-up", "sent", At(2026, 1, 13, 12), "event", "quote.sent"),
                new Touch("task", "call-quote-reaction", "created", At(2026, 1, 13, 12), "event", "quote.sent"),
                new Touch("email", "delivery-date-confirmation", "sent", At(2026, 1, 25, 12), "event", "delivery.scheduled"),
                new Touch("task", "satisfaction-call", "created", At(2026, 2, 18, 10), "timer", "wait-satisfaction-call"),
                new Touch("email", "km-check-invitation", "sent", At(2026, 3, 10, 10), "event", "odometer.reported"),
                new Touch("email", "yearly-service-invitation", "sent", At(2027, 1, 10, 10), "timer", "wait-first-service"),
                new Touch("email", "seasonal-check", "sent", At(2027, 4, 15, 10), "timer", "wait-first-seasonal-check"),
                new Touch("email", "seasonal-check", "sent", At(2027, 10, 15, 10), "timer", "wait-second-seasonal-check"),
                new Touch("email", "yearly-service-invitation", "sent", At(2027, 11, 15, 10), "repeat", "yearly-service-invitation"),
            ],
            touchpoints);

        // Rendered with the customer's and the events' data.
        var mail = await anna.MailAsync();
        Assert.Equal(11, mail.Count);
        Assert.All(mail, m => Assert.Equal("anna@example.com", m["to"]!.GetValue<string>()));
        Assert.Contains("Anna", mail[0]["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Hybrid X", mail[0]["subject"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Q-1001", mail[3]["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Q-1002", mail[4]["body"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("transactional", mail[5]["category"]!.GetValue<string>());
        Assert.Contains("15 February 2026", mail[5]["subject"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("3050", mail[6]["body"]!.GetValue<string>(), StringComparison.Ordinal);
        var tasks = await anna.TasksAsync();
        Assert.Equal("completed", tasks.Single(t => t["type"]!.GetValue<string>() == "call-testdrive-invite")["status"]!.GetValue<string>());
        Assert.Equal(0, await host.StopAsync()); // SIGTERM: a graceful stop
        Assert.Contains("Application is shutting down", host.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TestDriveBooked_BeforeTheInvitation_NoInvitationAndNoInvitationCall()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.UntilTouchpointsAsync(1);

        await anna.AdvanceAsync("PT2H");
        await anna.RaiseAsync("testdrive.booked");
        await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "choice", "choice phase");
        await anna.AdvanceAsync("P20D");

        var touchpoints = await anna.TouchpointsAsync();
        Assert.Equal(["brochure-follow-up"], touchpoints.Select(t => t.Name));
        Assert.Empty(await anna.TasksAsync());
    }

    [Fact]
    public async Task TestDriveBooked_AfterTheInvitation_NoInvitationCall()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.AdvanceAsync("P1D");

        await anna.AdvanceAsync("P1D"); // a day before the call would be due
        await anna.RaiseAsync("testdrive.booked");
        await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "choice", "choice phase");
        await anna.AdvanceAsync("P30D");

        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], (await anna.TouchpointsAsync()).Select(t => t.Name));
        Assert.DoesNotContain(await anna.TasksAsync(), t => t["type"]!.GetValue<string>() == "call-testdrive-invite");
    }

    [Fact]
    public async Task ContractSigned_WhileTheQuoteIsUnanswered_NoSharperOfferTask()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.RaiseAsync("quote.sent", new { quoteNumber = "Q-7" });
        await anna.UntilTouchpointsAsync(3);
        await anna.AdvanceAsync("P3D"); // the reaction call is not done: reassigned to the sales manager on Tuesday

        await anna.RaiseAsync("contract.signed");
        await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "purchase", "purchase phase");
        await anna.AdvanceAsync("P30D");

        Assert.DoesNotContain(await anna.TasksAsync(), t => t["type"]!.GetValue<string>() == "prepare-sharper-offer");
        Assert.Equal(
            [("brochure-follow-up", "sent"), ("quote-follow-up", "sent"), ("call-quote-reaction", "created"), ("call-quote-reaction", "escalated")],
            (await anna.TouchpointsAsync()).Select(t => (t.Name, t.Status)));
    }

    [Fact]
    public async Task Unsubscribed_EndsTheJourney_NoMarketingEmailAfterwards()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.AdvanceAsync("P1D");
        Assert.Equal(2, (await anna.MailAsync()).Count);

        await anna.RaiseAsync("customer.unsubscribed");
        var ended = await anna.UntilJourneyAsync(j => j["status"]!.GetValue<string>() == "Completed", "completed");
        await anna.AdvanceAsync("P2Y");

        Assert.Equal("exit:customer.unsubscribed", ended["output"]!["reason"]!.GetValue<string>());
        Assert.Equal(2, (await anna.MailAsync()).Count);
        Assert.Empty(await anna.TasksAsync());
        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], (await anna.TouchpointsAsync()).Select(t => t.Name));
    }

    [Fact]
    public async Task Start_ManualClockInProduction_ProcessRefusesWithAClearError()
    {
        var (exitCode, output) = await HostProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Journeys__ApiKeys__0__Key"] = "a-long-production-admin-key-0123456789",
            ["Journeys__ApiKeys__0__Role"] = "admin",
        });

        Assert.Equal(2, exitCode);
        Assert.Contains("Journeys__Clock=Manual is allowed in Development only", output, StringComparison.Ordinal);
    }

    private static DateTimeOffset At(int year, int month, int day, int hour = 10) => new(year, month, day, hour, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset ReadAt(System.Text.Json.Nodes.JsonNode journey) => journey["nextTimerDue"]!.GetValue<DateTimeOffset>();
}

/// <summary>The end-to-end tests start real processes: run them one at a time (the machine has two cores).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EndToEndCollection
{
    public const string Name = "end-to-end";
}
