using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Testing;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// Erasure that erases, seen on disk: a customer with a journey that touched every place personal data can be (profile,
/// journey input and history, the <c>journeyKey</c> tag holding the e-mail address, a task, touchpoints, the dev mailbox,
/// the delivery ledger, a CRM dead letter) is erased through the real host, and then the raw bytes of every file of the data
/// folder (the three databases with their <c>-wal</c> and <c>-shm</c>), read while the host runs, hold neither the name, nor
/// the address, nor the event data (what <c>grep -a</c> found before: issue 16, finding 3).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ErasureOnDiskEndToEndTests
{
    private const string Email = "annelie.sonnenschein.7781@example.com";
    private const string FirstName = "Annelie";
    private const string LastName = "Sonnenschein";
    private const string EventData = "Wants the red Hybrid X by Easter";
    private const string CustomerId = "cust-7781-sonnenschein";

    [Fact]
    public async Task Erase_EveryPlaceWasUsed_NoFileOfTheDataFolderHoldsTheCustomer()
    {
        await using var crm = await CrmStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Journeys__Dealers__demo-dealer__Crm__Url"] = crm.Url.ToString(),
            ["Journeys__Dealers__demo-dealer__Crm__Secret"] = "crm-shared-secret",
        });
        var dealer = host.Client("dev-dealer-key");
        var admin = host.Client("dev-admin-key");

        // A journey keyed by the e-mail address (as dealers do); the brochure mail, then the call task whose CRM push is
        // refused until it is dead-lettered.
        var started = await (await dealer.PostJsonAsync($"/api/customers/{CustomerId}/events", new
        {
            name = "brochure.downloaded", eventId = "crm-7781-1", dealerId = "demo-dealer", journeyKey = Email,
            customer = new { email = Email, firstName = FirstName, lastName = LastName, locale = "nl-NL", consent = new { email = true } },
            data = new { model = "Hybrid X", note = EventData },
        })).ReadJsonAsync(HttpStatusCode.Accepted);
        var journeyId = started["journeyIds"]![0]!.GetValue<string>();
        await admin.AdvanceAsync("P3D");
        await admin.AdvanceAsync("PT8H");
        var letters = (await admin.OkJsonAsync("/api/deadletters")).AsArray();
        Assert.NotEmpty(letters);
        Assert.True(crm.Pushes >= 6, $"{crm.Pushes} pushes");
        Assert.All(letters, l => Assert.DoesNotContain(LastName, l!["lastError"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase));
        Assert.NotEmpty((await dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={journeyId}"))["items"]!.AsArray());
        Assert.NotEmpty(DiskBytes.Find(host.DataFolder, Email, LastName, EventData)); // there before: the test can fail

        var record = await (await admin.PostAsync(U($"/api/customers/{CustomerId}/erase?dealerId=demo-dealer"), null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal("completed", record["state"]!.GetValue<string>());
        Assert.True(record["deadLetters"]!.GetValue<int>() >= 1);
        var found = DiskBytes.Find(host.DataFolder, Email, FirstName, LastName, EventData, CustomerId);
        Assert.True(found.Count == 0, $"Found after the erase: {string.Join("; ", found)} (files: {DiskBytes.Listing(host.DataFolder)})");
        Assert.Empty((await admin.OkJsonAsync("/api/deadletters")).AsArray());
        await (await admin.GetAsync(U($"/api/journeys/{journeyId}"))).ProblemAsync(HttpStatusCode.Gone); // ended and purged
    }

    [Fact]
    public async Task History_AnActivityFailed_NoStackTraceForAnyoneAndTheMessageOnlyForAdmins()
    {
        await using var crm = await CrmStandIn.StartAsync();
        await using var host = await HostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Journeys__Dealers__demo-dealer__Crm__Url"] = crm.Url.ToString(),
            ["Journeys__Dealers__demo-dealer__Crm__Secret"] = "crm-shared-secret",
        });
        var anna = new JourneyDriver(host);
        await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await anna.AdvanceAsync("P3D");
        await anna.AdvanceAsync("PT10M"); // a push failed (and was retried) by now

        var asDealer = await host.Client("dev-dealer-key").OkJsonAsync($"/api/journeys/{anna.JourneyId}?history=true");
        var asAdmin = await host.Client("dev-admin-key").OkJsonAsync($"/api/journeys/{anna.JourneyId}?history=true");

        var dealerFailures = Failures(asDealer);
        var adminFailures = Failures(asAdmin);
        Assert.NotEmpty(dealerFailures);
        Assert.All(dealerFailures, f => Assert.Null(f["stackTrace"]));
        Assert.All(dealerFailures, f => Assert.Equal("(hidden: ask an admin, or see lastError)", f["message"]!.GetValue<string>()));
        Assert.All(adminFailures, f => Assert.Null(f["stackTrace"]));
        Assert.Contains(adminFailures, f => f["message"]!.GetValue<string>().Contains("answered 500", StringComparison.Ordinal));
        Assert.DoesNotContain("/functions/", asDealer.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(".cs:line", asAdmin.ToJsonString(), StringComparison.Ordinal);
    }

    private static List<JsonObject> Failures(JsonNode journey) =>
        [.. journey["history"]!.AsArray().Select(e => e!["failure"]).OfType<JsonObject>()];
}
