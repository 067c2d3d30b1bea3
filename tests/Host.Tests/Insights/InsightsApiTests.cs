using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Insights;

/// <summary>
/// What the console reads besides the plain journey routes: who a key is, a journey's "why" timeline, funnel analytics and the
/// task board (in memory, on the manual clock, real SQLite).
/// </summary>
public sealed class InsightsApiTests : IAsyncLifetime
{
    private readonly HostFactory _host = new();
    private HttpClient Dealer => _host.Client(HostFactory.DealerKey);
    private HttpClient Admin => _host.Client(HostFactory.AdminKey);
    private HttpClient Marketing => _host.Client(HostFactory.MarketingKey);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Me_EachKey_ItsRoleAndDealer_AndNoKeyIs401()
    {
        Assert.Equal("admin", (await Admin.OkJsonAsync("/api/me"))["role"]!.GetValue<string>());
        Assert.Equal("marketing", (await Marketing.OkJsonAsync("/api/me"))["role"]!.GetValue<string>());
        var dealer = await Dealer.OkJsonAsync("/api/me");
        Assert.Equal("dealer", dealer["role"]!.GetValue<string>());
        Assert.Equal(HostFactory.Dealer, dealer["dealerId"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Client(null).GetAsync(U("/api/me"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Client("not-a-key").GetAsync(U("/api/me"))).StatusCode);
    }

    [Fact]
    public async Task Timeline_EachEmailLinkedToTheEventOrTimerThatCausedIt_AndTheConditionWithTheValueItRead()
    {
        var id = await Dealer.StartByBrochureAsync();
        await _host.SettleAsync();
        await Admin.AdvanceAsync("P1D"); // no booking: the invitation, by the wait's timer
        await Dealer.PostJsonAsync("/api/customers/cust-1/events",
            CustomerEvent("testdrive.booked", "evt-booked", data: new { testDriveAt = "2026-01-10T10:00:00Z" }));
        await _host.SettleAsync();

        var timeline = await Dealer.OkJsonAsync($"/api/journeys/{id}/timeline");
        Assert.True(timeline["complete"]!.GetValue<bool>(), timeline.ToJsonString());
        Assert.Equal("Europe/Amsterdam", timeline["dealerTimeZone"]!.GetValue<string>());
        var entries = timeline["entries"]!.AsArray().Select(e => e!).ToList();
        Assert.Equal("start", entries[0]["kind"]!.GetValue<string>());
        Assert.Equal("brochure.downloaded", entries[0]["name"]!.GetValue<string>());

        var followUp = entries.Single(e => e["kind"]!.GetValue<string>() == "email" && e["name"]!.GetValue<string>() == "brochure-follow-up");
        Assert.Equal("sent", followUp["status"]!.GetValue<string>());
        Assert.Equal("event", followUp["data"]!["cause"]!["kind"]!.GetValue<string>());
        Assert.Equal(0, followUp["data"]!["causeIndex"]!.GetValue<int>());
        Assert.Contains("Hybrid X", followUp["data"]!["subject"]!.GetValue<string>(), StringComparison.Ordinal);

        var invitation = entries.Single(e => e["kind"]!.GetValue<string>() == "email" && e["name"]!.GetValue<string>() == "testdrive-invitation");
        var cause = entries[invitation["data"]!["causeIndex"]!.GetValue<int>()];
        Assert.Equal("timeout", cause["kind"]!.GetValue<string>());
        Assert.Equal("wait-booking-before-invite", cause["step"]!.GetValue<string>());
        Assert.Equal(HostFactory.Start.AddDays(1), cause["at"]!.GetValue<DateTimeOffset>());

        var booked = entries.Single(e => e["kind"]!.GetValue<string>() == "event" && e["name"]!.GetValue<string>() == "testdrive.booked");
        Assert.Equal("taken", booked["status"]!.GetValue<string>());
        var decision = entries.Single(e => e["kind"]!.GetValue<string>() == "decision" && e["step"]!.GetValue<string>() == "has-testdrive-date");
        Assert.True(decision["data"]!["result"]!.GetValue<bool>());
        Assert.Equal("2026-01-10T10:00:00Z", decision["data"]!["inputs"]!["data.testDriveAt"]!.GetValue<string>());
        Assert.True(entries.IndexOf(booked) < entries.IndexOf(decision));
        Assert.Equal("wait", entries[^1]["kind"]!.GetValue<string>()); // waiting now, for the reminder's time

        // Another dealer cannot read it: the same 404 as an unknown id.
        Assert.Equal(HttpStatusCode.NotFound, (await _host.Client(HostFactory.OtherDealerKey).GetAsync(U($"/api/journeys/{id}/timeline"))).StatusCode);
    }

    [Fact]
    public async Task Timeline_NoConsent_TheEmailIsSuppressedAndSaysWhy()
    {
        var response = await Dealer.PostJsonAsync("/api/customers/bob/events", CustomerEvent("brochure.downloaded", "evt-bob",
            customer: Customer("bob", "bob@example.com", consent: false), data: new { model = "Hybrid X" }));
        var id = (await response.ReadJsonAsync(HttpStatusCode.Accepted))["journeyIds"]![0]!.GetValue<string>();
        await _host.SettleAsync();

        var entries = (await Dealer.OkJsonAsync($"/api/journeys/{id}/timeline"))["entries"]!.AsArray();
        var email = entries.Single(e => e!["kind"]!.GetValue<string>() == "email")!;
        Assert.Equal("suppressed", email["status"]!.GetValue<string>());
        Assert.Contains("consent", email["detail"]!.GetValue<string>(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Funnel_ServiceReminder_StepsGoalsWaitsAndArmsCountedFromTheJourneys()
    {
        const int customers = 8;
        for (var i = 0; i < customers; i++)
        {
            await (await Dealer.PostJsonAsync($"/api/customers/c{i}/events", CustomerEvent("service.due", $"due-{i}", journeyKey: null,
                customer: Customer($"c{i}", $"c{i}@example.com"), data: new { model = "Hybrid X" }))).ReadJsonAsync(HttpStatusCode.Accepted);
        }

        await _host.SettleAsync();
        // Three book (one of them is then serviced); the others' waits time out after ten days.
        for (var i = 0; i < 3; i++)
        {
            await Dealer.PostJsonAsync($"/api/customers/c{i}/events", CustomerEvent("service.booked", $"booked-{i}", journeyKey: null));
        }

        await Dealer.PostJsonAsync("/api/customers/c0/events", CustomerEvent("service.completed", "done-0", journeyKey: null));
        await _host.SettleAsync();
        await Admin.AdvanceAsync("P11D");

        var funnel = await Marketing.OkJsonAsync("/api/analytics/funnel?template=service-reminder");
        Assert.Equal(customers, funnel["journeys"]!.GetValue<int>());
        Assert.Equal(1, funnel["templateVersion"]!.GetValue<int>());
        int Entered(string step) => funnel["steps"]!.AsArray().Single(s => s!["stepId"]!.GetValue<string>() == step)!["entered"]!.GetValue<int>();
        Assert.Equal(customers, Entered("has-due-date"));
        Assert.Equal(customers, Entered("service-due-reminder"));
        Assert.Equal(customers, Entered("wait-booking"));
        Assert.Equal(3, Entered("has-appointment"));
        Assert.Equal(customers - 3, Entered("call-service-booking"));
        Assert.Equal(customers, funnel["phases"]!.AsArray().Single(p => p!["phase"]!.GetValue<string>() == "usage")!["entered"]!.GetValue<int>());

        var serviced = funnel["goals"]!.AsArray().Single(g => g!["goal"]!.GetValue<string>() == "serviced")!;
        Assert.Equal(1, serviced["reached"]!.GetValue<int>());
        Assert.Equal(1.0 / customers, serviced["conversion"]!.GetValue<double>(), 6);

        var wait = funnel["waits"]!.AsArray().Single(w => w!["stepId"]!.GetValue<string>() == "wait-booking")!;
        Assert.Equal(3, wait["byEvent"]!["service.booked"]!.GetValue<int>());
        Assert.Equal(customers - 3, wait["timedOut"]!.GetValue<int>());
        Assert.Equal(0, wait["waiting"]!.GetValue<int>());
        var late = funnel["waits"]!.AsArray().Single(w => w!["stepId"]!.GetValue<string>() == "wait-late-booking")!;
        Assert.Equal(customers - 3, late["waiting"]!.GetValue<int>());

        var split = funnel["splits"]!.AsArray().Single()!;
        Assert.Equal("call-or-wait", split["stepId"]!.GetValue<string>());
        var arms = split["arms"]!.AsArray().Select(a => a!).ToList();
        Assert.Equal(["call-first", "email-only"], arms.Select(a => a["arm"]!.GetValue<string>()));
        Assert.Equal(customers, arms.Sum(a => a["journeys"]!.GetValue<int>()));
        Assert.Equal(customers - 3 + arms[0]["journeys"]!.GetValue<int>(), Entered("call-service-booking") + Entered("call-service-booking-early"));
        var comparison = split["comparisons"]!.AsArray().Single(c => c!["goal"]!.GetValue<string>() == "serviced")!;
        Assert.Equal("email-only", comparison["arm"]!.GetValue<string>());
        Assert.Equal("call-first", comparison["baseline"]!.GetValue<string>());
        var difference = comparison["difference"]!.GetValue<double>();
        Assert.InRange(difference, comparison["low"]!.GetValue<double>(), comparison["high"]!.GetValue<double>());

        // Only the template's own journeys: the car-purchase funnel is empty here.
        Assert.Equal(0, (await Marketing.OkJsonAsync("/api/analytics/funnel?template=new-car-purchase"))["journeys"]!.GetValue<int>());
        // Per dealer: the other dealer has none of these.
        Assert.Equal(0, (await Admin.OkJsonAsync($"/api/analytics/funnel?template=service-reminder&dealer={HostFactory.OtherDealer}"))["journeys"]!.GetValue<int>());
    }

    [Fact]
    public async Task Funnel_BadOrForbiddenRequests_ProblemsNamingWhatWasWrong()
    {
        await (await Marketing.GetAsync(U("/api/analytics/funnel"))).ProblemAsync(HttpStatusCode.BadRequest, "template");
        await (await Marketing.GetAsync(U("/api/analytics/funnel?template=service-reminder&version=0"))).ProblemAsync(HttpStatusCode.BadRequest, "version");
        await (await Marketing.GetAsync(U("/api/analytics/funnel?template=service-reminder&version=99"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await Marketing.GetAsync(U("/api/analytics/funnel?template=no-such-template"))).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await Dealer.GetAsync(U("/api/analytics/funnel?template=service-reminder"))).StatusCode);
    }

    [Fact]
    public async Task JourneyList_VersionAndPhaseFilters_KeepOnlyMatchingJourneys()
    {
        var id = await Dealer.StartByBrochureAsync();
        await _host.SettleAsync();

        Assert.Equal([id], Ids(await Dealer.OkJsonAsync("/api/journeys?template=new-car-purchase&version=1&phase=communication")));
        Assert.Empty(Ids(await Dealer.OkJsonAsync("/api/journeys?template=new-car-purchase&version=2")));
        Assert.Empty(Ids(await Dealer.OkJsonAsync("/api/journeys?phase=purchase")));
        await (await Dealer.GetAsync(U("/api/journeys?phase=shopping"))).ProblemAsync(HttpStatusCode.BadRequest, "phase");
        await (await Dealer.GetAsync(U("/api/journeys?version=1"))).ProblemAsync(HttpStatusCode.BadRequest, "version");

        static List<string> Ids(JsonNode page) => [.. page["items"]!.AsArray().Select(j => j!["id"]!.GetValue<string>())];
    }

    [Fact]
    public async Task TaskBoard_OpenThenOverdueThenEscalated_ByTheHostsClock_AndOnlyTheDealersOwn()
    {
        await Dealer.StartByBrochureAsync();
        await _host.SettleAsync();
        await Admin.AdvanceAsync("P3D"); // no booking: the call task, due in four business hours, escalated four more later

        var board = await Dealer.OkJsonAsync("/api/tasks/board");
        Assert.Equal("call-testdrive-invite", Assert.Single(board["open"]!.AsArray())!["type"]!.GetValue<string>());
        Assert.Empty(board["overdue"]!.AsArray());

        await Admin.AdvanceAsync("PT5H");
        board = await Dealer.OkJsonAsync("/api/tasks/board");
        Assert.Empty(board["open"]!.AsArray());
        Assert.Equal("call-testdrive-invite", Assert.Single(board["overdue"]!.AsArray())!["type"]!.GetValue<string>());

        await Admin.AdvanceAsync("P1D");
        board = await Dealer.OkJsonAsync("/api/tasks/board");
        Assert.Equal(["call-testdrive-invite", "call-testdrive-invite-reminder"],
            board["escalated"]!.AsArray().Select(t => t!["type"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Empty(board["overdue"]!.AsArray());

        var other = await _host.Client(HostFactory.OtherDealerKey).OkJsonAsync("/api/tasks/board");
        Assert.Empty(other["open"]!.AsArray().Concat(other["overdue"]!.AsArray()).Concat(other["escalated"]!.AsArray()));
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Client(HostFactory.OtherDealerKey).GetAsync(U($"/api/tasks/board?dealerId={HostFactory.Dealer}"))).StatusCode);
    }
}
