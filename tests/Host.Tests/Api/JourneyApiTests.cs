using System.Net;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>The journey, customer, template and task routes doing their job (in memory, on the manual clock).</summary>
public sealed class JourneyApiTests : IAsyncLifetime
{
    private readonly HostFactory _host = new();
    private HttpClient Dealer => _host.Client(HostFactory.DealerKey);
    private HttpClient Admin => _host.Client(HostFactory.AdminKey);
    private HttpClient Marketing => _host.Client(HostFactory.MarketingKey);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CustomerEvent_EntryEventTwice_StartsOneJourneyAndTheRetryChangesNothing()
    {
        var body = CustomerEvent("brochure.downloaded", "evt-1", customer: Customer(), data: new { model = "Hybrid X" });

        var first = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", body)).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();
        var retry = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", body)).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();

        var id = first["journeyIds"]![0]!.GetValue<string>();
        Assert.Equal("started", first["journeys"]![0]!["outcome"]!.GetValue<string>());
        Assert.Equal([id], retry["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        Assert.Equal("duplicate", retry["journeys"]![0]!["outcome"]!.GetValue<string>());
        Assert.Single((await Dealer.OkJsonAsync("/api/journeys"))["items"]!.AsArray());
        Assert.Single((await Dealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());
        var history = (await Dealer.OkJsonAsync($"/api/journeys/{id}?history=true"))["history"]!.AsArray();
        Assert.DoesNotContain(history, e => e!["type"]!.GetValue<string>() == "ExternalEventReceived");
    }

    [Fact]
    public async Task CustomerEvent_RunningJourney_RaisedIntoItOnceAndOnlyForItsJourneyKey()
    {
        var deal1 = await Dealer.StartByBrochureAsync("cust-1", "evt-1", "deal-1");
        var deal2 = await Dealer.StartByBrochureAsync("cust-1", "evt-2", "deal-2");
        await _host.SettleAsync();
        Assert.NotEqual(deal1, deal2);

        var booked = CustomerEvent("testdrive.booked", "evt-3", journeyKey: "deal-2", data: new { testDriveAt = "2026-01-09T14:00:00Z" });
        var first = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", booked)).ReadJsonAsync(HttpStatusCode.Accepted);
        var again = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", booked)).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();

        Assert.Equal([deal2], first["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        // A retry is delivered again and changes nothing: the journey applies an event id once (the embedded engine drops the
        // repeat in its inbox already; other engines' journeys skip it by the id in the payload).
        Assert.Equal(("raised", "raised"), (first["journeys"]![0]!["outcome"]!.GetValue<string>(), again["journeys"]![0]!["outcome"]!.GetValue<string>()));
        Assert.Equal("choice", (await Dealer.OkJsonAsync($"/api/journeys/{deal2}"))["phase"]!.GetValue<string>());
        Assert.Equal("communication", (await Dealer.OkJsonAsync($"/api/journeys/{deal1}"))["phase"]!.GetValue<string>());
        var received = (await Dealer.OkJsonAsync($"/api/journeys/{deal2}?history=true"))["history"]!.AsArray()
            .Count(e => e!["type"]!.GetValue<string>() == "ExternalEventReceived");
        Assert.Equal(1, received);
    }

    [Fact]
    public async Task CustomerEvent_AfterTheJourneyFinished_EntryEventStartsANewOne()
    {
        var first = await Dealer.StartByBrochureAsync("cust-1", "evt-1");
        await _host.SettleAsync();
        await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("customer.unsubscribed", "evt-2"));
        await _host.SettleAsync();
        Assert.Equal("Completed", (await Dealer.OkJsonAsync($"/api/journeys/{first}"))["status"]!.GetValue<string>());

        var second = await Dealer.StartByBrochureAsync("cust-1", "evt-3");
        var retry = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("brochure.downloaded", "evt-3"))).ReadJsonAsync(HttpStatusCode.Accepted);

        Assert.NotEqual(first, second);
        Assert.Equal([second], retry["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        Assert.Equal(2, (await Dealer.OkJsonAsync("/api/journeys"))["items"]!.AsArray().Count);
    }

    [Fact]
    public async Task StartJourney_ThenGet_ShowsTemplatePhaseStepWaitsAndNextTimer()
    {
        var accepted = await (await Dealer.PostJsonAsync("/api/journeys", new
        {
            template = "new-car-purchase",
            journeyKey = "deal-9",
            dealerId = HostFactory.Dealer,
            customer = Customer("cust-9"),
            data = new { model = "Hybrid X" },
        })).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();

        var id = accepted["id"]!.GetValue<string>();
        Assert.Matches("^j-new-car-purchase-[0-9a-f]{32}$", id);
        Assert.Equal("/api/journeys/" + id, accepted["statusUri"]!.GetValue<string>());
        var journey = await Dealer.OkJsonAsync("/api/journeys/" + id);
        Assert.Equal("Running", journey["status"]!.GetValue<string>());
        Assert.Equal("deal-9", journey["journeyKey"]!.GetValue<string>());
        Assert.Equal(("new-car-purchase", 1, "communication"), (journey["templateId"]!.GetValue<string>(), journey["templateVersion"]!.GetValue<int>(), journey["phase"]!.GetValue<string>()));
        Assert.Equal(["wait-booking-before-invite"], journey["currentSteps"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Contains("testdrive.booked", journey["waitingFor"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(HostFactory.Start.AddDays(1), journey["nextTimerDue"]!.GetValue<DateTimeOffset>());
        var touchpoint = journey["touchpoints"]!.AsArray().Single()!;
        Assert.Equal(("email", "brochure-follow-up", "sent"), (touchpoint["channel"]!.GetValue<string>(), touchpoint["name"]!.GetValue<string>(), touchpoint["status"]!.GetValue<string>()));
        Assert.Equal("cust-9", (await Dealer.OkJsonAsync("/api/customers/cust-9"))["journeys"]![0]!["customerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task StartJourney_AdminSameInstanceIdTwice_Accepted202BothTimes_OtherCustomer409()
    {
        var request = new { template = "new-car-purchase", instanceId = "fixed-id", dealerId = HostFactory.Dealer, customer = Customer("cust-5") };

        await (await Admin.PostJsonAsync("/api/journeys", request)).ReadJsonAsync(HttpStatusCode.Accepted);
        await (await Admin.PostJsonAsync("/api/journeys", request)).ReadJsonAsync(HttpStatusCode.Accepted);

        await (await Admin.PostJsonAsync("/api/journeys", new { template = "new-car-purchase", instanceId = "fixed-id", dealerId = HostFactory.Dealer, customer = Customer("cust-6") }))
            .ProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("fixed-id", (await Dealer.OkJsonAsync("/api/journeys/fixed-id"))["id"]!.GetValue<string>()); // the dealer's own journey
    }

    [Fact]
    public async Task StartJourney_SameJourneyKeyTwice_OneJourney_OtherKeyOrCustomerAnother()
    {
        object Request(string customer, string key) => new { template = "new-car-purchase", journeyKey = key, dealerId = HostFactory.Dealer, customer = Customer(customer) };

        var first = (await (await Dealer.PostJsonAsync("/api/journeys", Request("cust-5", "deal-1"))).ReadJsonAsync(HttpStatusCode.Accepted))["id"]!.GetValue<string>();
        var again = (await (await Dealer.PostJsonAsync("/api/journeys", Request("cust-5", "deal-1"))).ReadJsonAsync(HttpStatusCode.Accepted))["id"]!.GetValue<string>();
        var otherKey = (await (await Dealer.PostJsonAsync("/api/journeys", Request("cust-5", "deal-2"))).ReadJsonAsync(HttpStatusCode.Accepted))["id"]!.GetValue<string>();
        var otherCustomer = (await (await Dealer.PostJsonAsync("/api/journeys", Request("cust-6", "deal-1"))).ReadJsonAsync(HttpStatusCode.Accepted))["id"]!.GetValue<string>();
        await _host.SettleAsync();

        Assert.Equal(first, again);
        Assert.Equal(3, new[] { first, otherKey, otherCustomer }.Distinct().Count());
        Assert.Equal(3, (await Dealer.OkJsonAsync("/api/journeys"))["items"]!.AsArray().Count);

        // An entry event of the same customer and key reaches the journey the explicit start made; it starts none.
        var reached = await (await Dealer.PostJsonAsync("/api/customers/cust-5/events", CustomerEvent("brochure.downloaded", "evt-1", journeyKey: "deal-1")))
            .ReadJsonAsync(HttpStatusCode.Accepted);
        Assert.Equal([first], reached["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        Assert.Equal("raised", reached["journeys"]![0]!["outcome"]!.GetValue<string>());
    }

    [Fact]
    public async Task SuspendResumeTerminatePurge_Lifecycle_StatusFollows()
    {
        var id = await Dealer.StartByBrochureAsync();
        await _host.SettleAsync();

        await (await Dealer.PostAsync(U($"/api/journeys/{id}/suspend"), null)).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();
        Assert.Equal("Suspended", (await Dealer.OkJsonAsync($"/api/journeys/{id}"))["status"]!.GetValue<string>());
        await (await Dealer.PostAsync(U($"/api/journeys/{id}/resume"), null)).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();
        Assert.Equal("Running", (await Dealer.OkJsonAsync($"/api/journeys/{id}"))["status"]!.GetValue<string>());
        await (await Dealer.PostAsync(U($"/api/journeys/{id}/terminate?reason=customer%20asked"), null)).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();
        Assert.Equal("Terminated", (await Dealer.OkJsonAsync($"/api/journeys/{id}"))["status"]!.GetValue<string>());

        var purge = await Dealer.DeleteAsync(U($"/api/journeys/{id}"));

        Assert.Equal(HttpStatusCode.NoContent, purge.StatusCode);
        await (await Dealer.GetAsync(U($"/api/journeys/{id}"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListJourneys_Paging_ContinuationTokenWalksAllAndFiltersApply()
    {
        for (var i = 0; i < 5; i++)
        {
            await Dealer.StartByBrochureAsync($"cust-{i}", $"evt-{i}");
        }

        await _host.SettleAsync();
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await Admin.OkJsonAsync("/api/journeys?pageSize=2&status=Running,Pending&template=new-car-purchase" + (token is null ? "" : "&continuationToken=" + Uri.EscapeDataString(token)));
            Assert.True(page["items"]!.AsArray().Count <= 2);
            seen.AddRange(page["items"]!.AsArray().Select(j => j!["id"]!.GetValue<string>()));
            token = page["continuationToken"]?.GetValue<string>();
        }
        while (token is not null);

        Assert.Equal(5, seen.Distinct().Count());
        Assert.Single((await Admin.OkJsonAsync($"/api/journeys?dealer={HostFactory.Dealer}&customer=cust-3"))["items"]!.AsArray());
        await (await Admin.GetAsync(new Uri("/api/journeys?customer=cust-3", UriKind.Relative))).ProblemAsync(HttpStatusCode.BadRequest, "customer"); // customer ids are per dealer
        Assert.Empty((await Admin.OkJsonAsync("/api/journeys?status=Completed"))["items"]!.AsArray());
        Assert.Empty((await Admin.OkJsonAsync($"/api/journeys?dealer={HostFactory.OtherDealer}"))["items"]!.AsArray());
    }

    [Fact]
    public async Task PutCustomer_CreateThenUpdate_201Then200AndGetReturnsIt()
    {
        var profile = new { dealerId = HostFactory.Dealer, email = "anna@example.com", firstName = "Anna", lastName = "de Vries", locale = "nl-NL", consent = new { email = true } };

        var created = await Dealer.PutJsonAsync("/api/customers/cust-7", profile);
        var updated = await Dealer.PutJsonAsync("/api/customers/cust-7", profile with { email = "anna@work.example.com" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await updated.ReadJsonAsync(HttpStatusCode.OK);
        var view = await Dealer.OkJsonAsync("/api/customers/cust-7");
        Assert.Equal("anna@work.example.com", view["profile"]!["email"]!.GetValue<string>());
        Assert.Empty(view["journeys"]!.AsArray());
        Assert.Equal("anna@work.example.com", (await Admin.OkJsonAsync($"/api/customers/cust-7?dealerId={HostFactory.Dealer}"))["profile"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task PutTemplate_ChangedThenSameContent_NewVersionThenNone()
    {
        var yaml = ShippedService().Replace("name: Service reminder", "name: Service reminder (revised)", StringComparison.Ordinal);

        var created = await (await Marketing.PutJsonAsync("/api/templates/service-reminder", Text(yaml, "application/yaml"))).ReadJsonAsync(HttpStatusCode.Created);
        var same = await (await Marketing.PutJsonAsync("/api/templates/service-reminder", Text(yaml + "\n# a comment changes nothing\n", "text/yaml"))).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal((2, true), (created["version"]!.GetValue<int>(), created["created"]!.GetValue<bool>()));
        Assert.Equal((2, false), (same["version"]!.GetValue<int>(), same["created"]!.GetValue<bool>()));
        var latest = await Dealer.OkJsonAsync("/api/templates/service-reminder");
        Assert.Equal([1, 2], latest["versions"]!.AsArray().Select(v => v!.GetValue<int>()));
        Assert.Equal("Service reminder (revised)", latest["name"]!.GetValue<string>());
        var v1 = await Dealer.OkJsonAsync("/api/templates/service-reminder/versions/1");
        Assert.Equal("Service reminder", v1["template"]!["name"]!.GetValue<string>());
        Assert.Contains("service-reminder", v1["source"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PutTemplate_JsonDocument_Published()
    {
        const string json = """
            {"id":"json-welcome","name":"Welcome (JSON)","events":["brochure.downloaded"],"start":"hello",
             "steps":[{"id":"hello","kind":"email","phase":"communication","email":"brochure-follow-up","next":"done"},{"id":"done","kind":"end"}]}
            """;

        var published = await (await Marketing.PutJsonAsync("/api/templates/json-welcome", Text(json, "application/json"))).ReadJsonAsync(HttpStatusCode.Created);
        var valid = await (await Marketing.PostJsonAsync("/api/templates/validate", Text(json, "application/json"))).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(1, published["version"]!.GetValue<int>());
        Assert.True(valid["valid"]!.GetValue<bool>());
        Assert.Contains((await Marketing.OkJsonAsync("/api/templates")).AsArray(), t => t!["id"]!.GetValue<string>() == "json-welcome");
    }

    [Fact]
    public async Task InviteCall_CompletedThroughTheApiInTime_NoReminder_LeftOpen_ReminderTask()
    {
        var done = await Dealer.StartByBrochureAsync("cust-1", "evt-1", "deal-1");
        var open = await Dealer.StartByBrochureAsync("cust-2", "evt-2", "deal-2");
        await Admin.AdvanceAsync("P3D");
        var tasks = (await Dealer.OkJsonAsync("/api/tasks?status=open"))["items"]!.AsArray();
        var doneTask = tasks.Single(t => t!["journeyId"]!.GetValue<string>() == done)!;
        await (await Dealer.PostJsonAsync($"/api/tasks/{Uri.EscapeDataString(doneTask["id"]!.GetValue<string>())}/complete", new { outcome = "no-answer" }))
            .ReadJsonAsync(HttpStatusCode.OK);

        await Admin.AdvanceAsync("P2D");

        var after = (await Dealer.OkJsonAsync("/api/tasks"))["items"]!.AsArray();
        Assert.Equal(["call-testdrive-invite"], after.Where(t => t!["journeyId"]!.GetValue<string>() == done).Select(t => t!["type"]!.GetValue<string>()));
        Assert.Equal(["call-testdrive-invite", "call-testdrive-invite-reminder"],
            after.Where(t => t!["journeyId"]!.GetValue<string>() == open).Select(t => t!["type"]!.GetValue<string>()));
        var touchpoints = (await Dealer.OkJsonAsync($"/api/journeys/{open}/touchpoints")).ToJsonString();
        Assert.Contains("\"escalated\"", touchpoints, StringComparison.Ordinal);
        Assert.DoesNotContain("\"escalated\"", (await Dealer.OkJsonAsync($"/api/journeys/{done}/touchpoints")).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task QuoteReactionCall_Overdue_TasksApiShowsItReassignedToTheSalesManager()
    {
        await Dealer.StartByBrochureAsync();
        foreach (var name in new[] { "testdrive.booked", "testdrive.completed", "quote.sent" })
        {
            await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent(name, $"evt-{name}"));
        }

        await _host.SettleAsync();
        var call = (await Dealer.OkJsonAsync("/api/tasks?status=open"))["items"]!.AsArray().Single()!;
        Assert.Equal("call-quote-reaction", call["type"]!.GetValue<string>());
        Assert.Null(call["assignee"]);

        await Admin.AdvanceAsync("P2D");

        var reassigned = (await Dealer.OkJsonAsync("/api/tasks?status=open"))["items"]!.AsArray().Single()!;
        Assert.Equal((call["id"]!.GetValue<string>(), "sales-manager"), (reassigned["id"]!.GetValue<string>(), reassigned["assignee"]!.GetValue<string>()));
    }

    [Fact]
    public async Task CompleteTask_RaisesTheEventIntoTheJourney_SecondCompletionChangesNothing()
    {
        var id = await Dealer.StartByBrochureAsync();
        await Admin.AdvanceAsync("P3D");
        var task = (await Dealer.OkJsonAsync("/api/tasks?status=open"))["items"]!.AsArray().Single()!;
        var taskPath = $"/api/tasks/{Uri.EscapeDataString(task["id"]!.GetValue<string>())}/complete";

        var first = await (await Dealer.PostJsonAsync(taskPath, new { outcome = "booked", notes = "Friday 10:00" })).ReadJsonAsync(HttpStatusCode.OK);
        var second = await (await Dealer.PostJsonAsync(taskPath, new { outcome = "no-answer" })).ReadJsonAsync(HttpStatusCode.OK);
        await _host.SettleAsync();

        Assert.Equal(("completed", "booked", "raised"), (first["task"]!["status"]!.GetValue<string>(), first["task"]!["outcome"]!.GetValue<string>(), first["delivery"]!.GetValue<string>()));
        Assert.Equal(("booked", "duplicate", "task.completed"), (second["task"]!["outcome"]!.GetValue<string>(), second["delivery"]!.GetValue<string>(), second["eventName"]!.GetValue<string>()));
        Assert.Equal(id, first["journeyId"]!.GetValue<string>());
        Assert.Empty((await Dealer.OkJsonAsync("/api/tasks?status=open"))["items"]!.AsArray());
        Assert.Single((await Dealer.OkJsonAsync("/api/tasks?status=completed"))["items"]!.AsArray());
        var received = (await Dealer.OkJsonAsync($"/api/journeys/{id}?history=true"))["history"]!.AsArray()
            .Count(e => e!["type"]!.GetValue<string>() == "ExternalEventReceived");
        Assert.Equal(1, received); // arrived once (the shipped template does not wait for task.completed: it stays buffered)
    }

    [Fact]
    public async Task AdvanceClock_ThreeDays_EachTimerFiresAtItsOwnTime()
    {
        var id = await Dealer.StartByBrochureAsync();

        var advanced = await Admin.AdvanceAsync("P3D");

        Assert.Equal(HostFactory.Start.AddDays(3), advanced["now"]!.GetValue<DateTimeOffset>());
        var touchpoints = (await Dealer.OkJsonAsync($"/api/journeys/{id}/touchpoints")).AsArray();
        Assert.Equal(
            [("brochure-follow-up", HostFactory.Start), ("testdrive-invitation", HostFactory.Start.AddDays(1)), ("call-testdrive-invite", HostFactory.Start.AddDays(3))],
            touchpoints.Select(t => (t!["name"]!.GetValue<string>(), t["occurredAt"]!.GetValue<DateTimeOffset>())));
        Assert.Equal(HostFactory.Start.AddDays(3), (await Admin.OkJsonAsync("/api/dev/clock"))["now"]!.GetValue<DateTimeOffset>());
    }

    private static string ShippedService()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "functions", "journey-templates", "service-reminder.yaml");
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }

        throw new InvalidOperationException("service-reminder.yaml not found");
    }
}
