using System.Net;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// Local calendar time through the real host process on the manual clock: the shipped service reminder goes out two weeks
/// before the due date at 10:00 on the customer's clock (New York here), inside the dealer's (Amsterdam) opening hours.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class LocalTimeEndToEndTests
{
    [Fact]
    public async Task ServiceReminder_TwoWeeksBeforeTheDueDate_At10InTheCustomersTimeZone()
    {
        await using var host = await HostProcess.StartAsync();
        var dealer = host.Client("dev-dealer-key");
        var admin = host.Client("dev-admin-key");
        var started = await (await dealer.PostJsonAsync("/api/customers/nina/events", CustomerEvent("service.due", "due-1", journeyKey: "car-1",
            customer: new { email = "nina@example.com", firstName = "Nina", lastName = "Miller", locale = "en-US", timeZone = "America/New_York", consent = new { email = true } },
            data: new { dueDate = "2026-03-02", model = "Hybrid X" }))).ReadJsonAsync(HttpStatusCode.Accepted);
        var journeyId = started["journeyIds"]!.AsArray().Single()!.GetValue<string>();

        // 16 February (two weeks before), 10:00 in New York = 15:00 UTC = 16:00 in Amsterdam, when the dealer is open.
        await admin.AdvanceAsync("PT0S"); // the start is processed: the journey waits for its reminder date
        Assert.Equal(new DateTimeOffset(2026, 2, 16, 15, 0, 0, TimeSpan.Zero), (await dealer.OkJsonAsync($"/api/journeys/{journeyId}"))["nextTimerDue"]!.GetValue<DateTimeOffset>());
        await admin.AdvanceAsync("P43D");
        var mail = (await dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={journeyId}"))["items"]!.AsArray();
        var reminder = Assert.Single(mail, m => m!["emailTemplate"]!.GetValue<string>() == "service-due-reminder")!;
        Assert.Equal(new DateTimeOffset(2026, 2, 16, 15, 0, 0, TimeSpan.Zero), reminder["sentAt"]!.GetValue<DateTimeOffset>());
    }
}
