using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.Support;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// The shipped car-purchase journey when the dealer's systems send what they have, late, out of order or alone, over HTTP
/// against the real host process on the manual clock: each case of the template review.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class EventOrderEndToEndTests
{
    private static readonly DateTimeOffset T0 = HostProcess.Start; // Monday 5 January 2026, 09:00 UTC

    private static string? Step(JsonNode journey) => journey["currentSteps"]!.AsArray().FirstOrDefault()?.GetValue<string>(); // none between steps

    private static string? Phase(JsonNode journey) => journey["phase"]?.GetValue<string>();

    [Fact]
    public async Task CarDeliveredWithoutPaymentOrDeliveryDate_SatisfactionCallThreeDaysAfterTheHandover()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.RaiseAsync("quote.sent", new { quoteNumber = "Q-1" });
        await anna.RaiseAsync("quote.accepted");
        await anna.RaiseAsync("contract.signed");
        await anna.UntilJourneyAsync(j => Step(j) == "wait-payment", "waiting for the payment");
        await anna.AdvanceAsync("P2D");

        await anna.RaiseAsync("vehicle.delivered"); // the DMS reports the handover only
        var usage = await anna.UntilJourneyAsync(j => Phase(j) == "usage", "usage phase");
        Assert.Contains("delivered", usage["goalsReached"]!.AsArray().Select(g => g!.GetValue<string>()));
        await anna.AdvanceAsync("P3D");

        var call = Assert.Single(await anna.TasksAsync(), t => t["type"]!.GetValue<string>() == "satisfaction-call");
        Assert.Equal(T0.AddDays(5), call["createdAt"]!.GetValue<DateTimeOffset>());
        Assert.DoesNotContain(await anna.TouchpointsAsync(), t => t.Name == "delivery-date-confirmation");
    }

    [Fact]
    public async Task TestDriveBookedForLaterToday_NoSeeYouTomorrowEmail()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.UntilTouchpointsAsync(1);

        await anna.RaiseAsync("testdrive.booked", new { testDriveAt = T0.AddHours(3).ToString("O") });
        await anna.UntilJourneyAsync(j => Step(j) == "wait-testdrive-done", "waiting for the test drive");
        await anna.AdvanceAsync("P1D");

        Assert.DoesNotContain(await anna.TouchpointsAsync(), t => t.Name == "testdrive-reminder");
        Assert.DoesNotContain(await anna.MailAsync(), m => m["emailTemplate"]!.GetValue<string>() == "testdrive-reminder");
    }

    [Fact]
    public async Task QuoteAcceptedWithoutAQuoteSent_WaitsForTheContract_AndASecondContractChangesNothing()
    {
        await using var host = await HostProcess.StartAsync();
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.RaiseAsync("testdrive.booked");
        await anna.RaiseAsync("testdrive.completed");
        await anna.UntilJourneyAsync(j => Step(j) == "wait-quote", "waiting for a quote");

        await anna.RaiseAsync("quote.accepted"); // the quote went out on paper
        await anna.UntilJourneyAsync(j => Step(j) == "wait-contract", "waiting for the contract");
        await anna.AdvanceAsync("P31D"); // wait-quote would have ended the journey as no deal after 30 days
        Assert.Equal("Running", (await anna.JourneyAsync())["status"]!.GetValue<string>());

        await anna.RaiseAsync("contract.signed");
        await anna.UntilJourneyAsync(j => Step(j) == "wait-payment", "waiting for the payment");
        await anna.RaiseAsync("payment.received");
        var before = await anna.UntilJourneyAsync(j => Step(j) == "wait-delivery-date", "waiting for the delivery date");
        var touchpoints = (await anna.TouchpointsAsync()).Count;

        await anna.RaiseAsync("contract.signed"); // a second contract (another eventId): the goal is behind the journey
        await anna.AdvanceAsync("PT1H");
        var after = await anna.JourneyAsync();
        Assert.Equal((Step(before), Phase(before)), (Step(after), Phase(after)));
        Assert.Equal(touchpoints, (await anna.TouchpointsAsync()).Count);
    }
}
