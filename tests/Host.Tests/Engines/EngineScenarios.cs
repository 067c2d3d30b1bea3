using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Delivery.Tests.Support;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Engines;

/// <summary>
/// The behaviour every engine must share, asserted on the real host process over its HTTP API only: one suite, run by
/// <see cref="EmbeddedEngineScenarios"/> (SQLite, the manual clock moved over the API) and by
/// <see cref="DurableTaskEngineScenarios"/> (DTFx over DurableTask.AzureStorage on Azurite, real time with short periods).
/// The suite's templates count time in <see cref="Period"/>s: a year on the manual clock, a few seconds on real time.
/// </summary>
public abstract class EngineScenarios
{
    protected const string Dealer = HostFactory.Dealer;

    /// <summary>One period of the suite's templates, as an ISO 8601 duration.</summary>
    protected abstract string Period { get; }

    /// <summary>How long <see cref="EventuallyAsync{T}"/> waits for the engine at most.</summary>
    protected abstract TimeSpan Patience { get; }

    /// <summary>Starts the host on the engine under test (<paramref name="settings"/> over the engine's own).</summary>
    protected abstract Task<HostProcess> StartHostAsync(IReadOnlyDictionary<string, string>? settings = null);

    /// <summary>Lets <paramref name="periods"/> periods pass: the manual clock moves; on real time they pass by themselves.</summary>
    protected abstract Task PassAsync(HostProcess host, int periods);

    /// <summary>
    /// The engines for the crash test: the process to kill, and how the work goes on after it died (the embedded engine
    /// restarts on the same data folder; the cluster engine has a second process running all along).
    /// </summary>
    protected abstract Task<CrashPair> StartCrashPairAsync(IReadOnlyDictionary<string, string> settings);

    /// <summary>
    /// A journey in periods: hello e-mail → waits for <c>suite.ping</c> → e-mail → waits for <c>suite.ping</c> (a duplicate
    /// taken as new would land here) or <c>suite.other</c> → one period → yearly e-mail → repeat (ContinueAsNew) twice → end.
    /// <c>suite.stop</c> exits from anywhere. <paramref name="pinged"/> is the e-mail after the first ping (versions differ in it).
    /// </summary>
    protected string Template(string pinged = "testdrive-invitation") => $$"""
        id: engine-suite
        name: Engine scenario suite
        events: [suite.start, suite.ping, suite.other, suite.stop]
        entry:
          events: [suite.start]
        exit:
          events: [suite.stop]
        start: hello
        steps:
          - id: hello
            kind: email
            phase: communication
            email: brochure-follow-up
            category: transactional
            next: wait-ping
          - id: wait-ping
            kind: waitForEvent
            phase: communication
            events: [suite.ping]
            on:
              suite.ping: pinged
          - id: pinged
            kind: email
            phase: communication
            email: {{pinged}}
            category: transactional
            next: wait-again
          - id: wait-again
            kind: waitForEvent
            phase: choice
            events: [suite.ping, suite.other]
            on:
              suite.ping: pinged-twice
              suite.other: yearly
          - id: pinged-twice
            kind: email
            phase: choice
            email: testdrive-reminder
            category: transactional
            next: done
          - id: yearly
            kind: wait
            phase: usage
            duration: {{Period}}
            next: yearly-email
          - id: yearly-email
            kind: email
            phase: usage
            email: yearly-service-invitation
            category: transactional
            next: again
          - id: again
            kind: repeat
            phase: usage
            goto: yearly
            times: 2
          - id: done
            kind: end
            phase: usage
        """;

    [Fact]
    public async Task Events_raised_right_after_the_start_before_the_journey_waits_are_kept()
    {
        await using var host = await StartHostAsync();
        await PublishAsync(host, Template());
        var anna = new SuiteCustomer(host, "anna");

        // A burst: the start and the two next events at once, before the journey has sent its first e-mail or waits.
        var id = await anna.StartAsync();
        await anna.RaiseAsync("suite.ping");
        await anna.RaiseAsync("suite.other");

        var journey = await EventuallyAsync(host, () => anna.JourneyAsync(id), j => Steps(j).Contains("yearly"), "waiting a period at 'yearly'");
        Assert.Equal("usage", journey["phase"]!.GetValue<string>());
        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], await anna.MailAsync(id));
    }

    [Fact]
    public async Task A_repeated_event_id_changes_nothing()
    {
        await using var host = await StartHostAsync();
        await PublishAsync(host, Template());
        var anna = new SuiteCustomer(host, "anna");
        var id = await anna.StartAsync();
        await EventuallyAsync(host, () => anna.JourneyAsync(id), j => Steps(j).Contains("wait-ping"), "waiting at 'wait-ping'");

        await anna.RaiseAsync("suite.ping", "ping-1");
        await EventuallyAsync(host, () => anna.JourneyAsync(id), j => Steps(j).Contains("wait-again"), "waiting at 'wait-again'");
        // Delivered again (a dealer's retry, an engine's redelivery) where a second ping is waited for: taken as new, it
        // would send 'testdrive-reminder' and end. Behind it a fresh event moves the journey on.
        await anna.RaiseAsync("suite.ping", "ping-1");
        await anna.RaiseAsync("suite.other", "other-1");

        await EventuallyAsync(host, () => anna.JourneyAsync(id), j => Steps(j).Contains("yearly"), "waiting a period at 'yearly'");
        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], await anna.MailAsync(id));

        // The journey's "why" timeline, rebuilt from this engine's history: the repeat is shown ignored, the e-mail caused by the ping.
        var timeline = await anna.Dealer.OkJsonAsync($"/api/journeys/{id}/timeline");
        Assert.True(timeline["complete"]!.GetValue<bool>(), timeline.ToJsonString());
        var entries = timeline["entries"]!.AsArray().Select(e => e!).ToList();
        var pings = entries.Where(e => e["kind"]!.GetValue<string>() == "event" && e["name"]!.GetValue<string>() == "suite.ping").ToList();
        // (The embedded engine drops the repeat when it is raised; DurableTask.AzureStorage delivers it and the journey ignores it.)
        Assert.Equal("taken", Assert.Single(pings, p => p["status"]!.GetValue<string>() == "taken")["status"]!.GetValue<string>());
        Assert.All(pings.Skip(1), p => Assert.Equal("ignored-repeat", p["status"]!.GetValue<string>()));
        var pinged = Assert.Single(entries, e => e["kind"]!.GetValue<string>() == "email" && e["name"]!.GetValue<string>() == "testdrive-invitation");
        Assert.Equal(entries.IndexOf(pings[0]), pinged["data"]!["causeIndex"]!.GetValue<int>());

        // The funnel from this engine's instances: one journey, its first wait ended by the ping, the second by the other event.
        var funnel = await host.Client("dev-marketing-key").OkJsonAsync("/api/analytics/funnel?template=engine-suite");
        Assert.Equal(1, funnel["journeys"]!.GetValue<int>());
        var waits = funnel["waits"]!.AsArray().ToDictionary(w => w!["stepId"]!.GetValue<string>(), w => w!["byEvent"]!);
        Assert.Equal(1, waits["wait-ping"]["suite.ping"]!.GetValue<int>());
        Assert.Equal(1, waits["wait-again"]["suite.other"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_event_to_an_unknown_journey_is_404_and_to_a_finished_one_410()
    {
        await using var host = await StartHostAsync();
        await PublishAsync(host, Template());
        var anna = new SuiteCustomer(host, "anna");
        await (await anna.Dealer.PostJsonAsync("/api/journeys/no-such-journey/events/suite.ping?eventId=e-1", new { })).ProblemAsync(HttpStatusCode.NotFound);

        var id = await anna.StartAsync();
        await EventuallyAsync(host, () => anna.JourneyAsync(id), j => Steps(j).Contains("wait-ping"), "waiting at 'wait-ping'");
        await (await anna.Dealer.PostJsonAsync($"/api/journeys/{id}/events/suite.stop?eventId=stop-1", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
        await EventuallyAsync(host, () => anna.JourneyAsync(id), j => Status(j) == "Completed", "completed by the exit event");

        var gone = await (await anna.Dealer.PostJsonAsync($"/api/journeys/{id}/events/suite.ping?eventId=e-2", new { })).ProblemAsync(HttpStatusCode.Gone);
        Assert.Contains(id, gone["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["brochure-follow-up"], await anna.MailAsync(id));
    }

    [Fact]
    public async Task Period_long_timers_with_a_repeat_finish_with_a_history_that_stays_bounded()
    {
        await using var host = await StartHostAsync();
        await PublishAsync(host, Template());
        var anna = new SuiteCustomer(host, "anna");
        var id = await anna.StartAsync();
        await anna.RaiseAsync("suite.ping");
        await anna.RaiseAsync("suite.other");
        await EventuallyAsync(host, () => anna.JourneyAsync(id), j => Steps(j).Contains("yearly"), "waiting a period at 'yearly'");

        // The first period, with the history of the first execution (start, e-mails, two events, the wait).
        await PassAsync(host, 1);
        var second = await EventuallyAsync(host, () => anna.JourneyAsync(id, history: true), j => j["iteration"]!.GetValue<int>() == 1 && Steps(j).Contains("yearly"),
            "the second execution waiting at 'yearly'");
        await PassAsync(host, 2);
        var done = await EventuallyAsync(host, () => anna.JourneyAsync(id, history: true), j => Status(j) == "Completed", "completed after the repeats");

        Assert.Equal(2, done["iteration"]!.GetValue<int>());
        Assert.Equal(["brochure-follow-up", "testdrive-invitation", "yearly-service-invitation", "yearly-service-invitation", "yearly-service-invitation"],
            await anna.MailAsync(id));
        // Each execution starts a fresh history: the last one holds one period's timer and e-mail, not the journey's past.
        var history = done["history"]!.AsArray();
        var limit = second["history"]!.AsArray().Count + 30;
        Assert.True(history.Count is > 0 && history.Count <= limit, $"{history.Count} history events in the last execution (at most {limit}): "
            + string.Join(", ", history.Take(60).Select(e => e!.ToJsonString())));
    }

    [Fact]
    public async Task Versioned_templates_stay_pinned_per_journey()
    {
        await using var host = await StartHostAsync();
        Assert.Equal(1, await PublishAsync(host, Template(pinged: "testdrive-invitation")));
        var anna = new SuiteCustomer(host, "anna");
        var old = await anna.StartAsync();
        await EventuallyAsync(host, () => anna.JourneyAsync(old), j => Steps(j).Contains("wait-ping"), "waiting at 'wait-ping'");

        Assert.Equal(2, await PublishAsync(host, Template(pinged: "quote-follow-up")));
        var bert = new SuiteCustomer(host, "bert");
        var current = await bert.StartAsync();
        await EventuallyAsync(host, () => bert.JourneyAsync(current), j => Steps(j).Contains("wait-ping"), "waiting at 'wait-ping'");
        await anna.RaiseAsync("suite.ping");
        await bert.RaiseAsync("suite.ping");

        var oldJourney = await EventuallyAsync(host, () => anna.JourneyAsync(old), j => Steps(j).Contains("wait-again"), "waiting at 'wait-again'");
        var currentJourney = await EventuallyAsync(host, () => bert.JourneyAsync(current), j => Steps(j).Contains("wait-again"), "waiting at 'wait-again'");
        Assert.Equal((1, 2), (oldJourney["templateVersion"]!.GetValue<int>(), currentJourney["templateVersion"]!.GetValue<int>()));
        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], await anna.MailAsync(old));
        Assert.Equal(["brochure-follow-up", "quote-follow-up"], await bert.MailAsync(current));
    }

    /// <summary>
    /// A crash between an e-mail's side effect and its completion: SendGrid (a fake that records every request) answers
    /// slowly, the process is SIGKILLed while calls are in flight, and the work goes on elsewhere. Every journey completes,
    /// no (journey, step) reaches SendGrid twice, and a touchpoint whose outcome died with the process says "unknown".
    /// </summary>
    [Fact]
    public async Task A_process_killed_mid_send_never_sends_an_email_twice_and_every_journey_completes()
    {
        const int journeys = 12;
        await using var sendGrid = await FakeSendGridServer.StartAsync();
        var settings = new Dictionary<string, string>
        {
            ["Journeys__Email__Provider"] = "SendGrid",
            ["Journeys__Email__SendGrid__ApiKey"] = FakeSendGridServer.ApiKey,
            ["Journeys__Email__SendGrid__BaseUrl"] = sendGrid.BaseUrl.ToString().TrimEnd('/'),
            ["Journeys__Email__Unsubscribe__BaseUrl"] = "https://journeys.example.com",
            ["Journeys__Email__Unsubscribe__SigningKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
        };
        await using var pair = await StartCrashPairAsync(settings);
        await PublishAsync(pair.Victim, Template());
        var customers = Enumerable.Range(0, journeys).Select(i => new SuiteCustomer(pair.Victim, $"kill-{i}")).ToList();
        var ids = new List<string>();
        foreach (var customer in customers)
        {
            ids.Add(await customer.StartAsync());
        }

        await UntilAsync(() => Sent(sendGrid, "hello").Count >= journeys, "every journey's first e-mail", pair.Victim, sendGrid);

        // SendGrid turns slow; every journey gets its ping; the process dies once SendGrid has seen three second e-mails.
        sendGrid.AnswerDelay = TimeSpan.FromSeconds(1.5);
        foreach (var customer in customers)
        {
            await customer.RaiseAsync("suite.ping");
        }

        await UntilAsync(() => Sent(sendGrid, "pinged").Count >= 3, "the process mid-send", pair.Victim, sendGrid);
        await pair.Victim.KillAsync();
        sendGrid.AnswerDelay = TimeSpan.Zero;

        // Every ping is applied (none lost with the process), then each journey is ended by its exit event. (Not sooner: after
        // a crash an engine may deliver a later event before an earlier one the dead process had taken.)
        var survivor = await pair.SurvivorAsync();
        var dealer = survivor.Client("dev-dealer-key");
        foreach (var id in ids)
        {
            await EventuallyAsync(survivor, () => dealer.OkJsonAsync($"/api/journeys/{id}"), j => Steps(j).Contains("wait-again"), $"journey {id} past its ping after the crash");
            await (await dealer.PostJsonAsync($"/api/journeys/{id}/events/suite.stop?eventId=stop-{id}", new { })).ReadJsonAsync(HttpStatusCode.Accepted);
        }

        foreach (var id in ids)
        {
            await EventuallyAsync(survivor, () => dealer.OkJsonAsync($"/api/journeys/{id}"), j => Status(j) == "Completed", $"journey {id} completed");
        }

        // At the delivery boundary: never the same (journey, step) twice, only valid requests.
        Assert.All(sendGrid.Received, m => Assert.Empty(m.Problems));
        var perStep = sendGrid.Received.GroupBy(m => (Arg(m, "journey_id"), Arg(m, "step_id"))).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(perStep, p => Assert.True(p.Value == 1, $"SendGrid got {p.Key} {p.Value} times"));
        foreach (var id in ids)
        {
            var touchpoints = (await dealer.OkJsonAsync($"/api/journeys/{id}/touchpoints")).AsArray().Select(t => t!).ToList();
            Assert.Equal(["hello", "pinged"], touchpoints.Select(t => t["stepId"]!.GetValue<string>()).Order());
            foreach (var touchpoint in touchpoints)
            {
                var step = touchpoint["stepId"]!.GetValue<string>();
                var status = touchpoint["status"]!.GetValue<string>();
                var got = perStep.GetValueOrDefault((id, step));
                // "sent": SendGrid got it once. "unknown": the dead process had claimed it; its call may or may not have arrived.
                Assert.True(status == "sent" ? got == 1 : status == "unknown" && got <= 1, $"{id}/{step}: touchpoint '{status}', SendGrid got it {got} time(s)");
            }
        }

        Assert.Equal(0, await survivor.StopAsync());
    }

    /// <summary>Publishes the suite's template (as marketing) and returns the version it got.</summary>
    protected static async Task<int> PublishAsync(HostProcess host, string yaml)
    {
        using var marketing = host.Client("dev-marketing-key");
        var response = await marketing.PutJsonAsync("/api/templates/engine-suite", Text(yaml, "application/yaml"));
        var body = await response.ReadJsonAsync(response.StatusCode == HttpStatusCode.OK ? HttpStatusCode.OK : HttpStatusCode.Created);
        return body["version"]!.GetValue<int>();
    }

    /// <summary>
    /// Reads until <paramref name="holds"/>: first lets the engine settle (<see cref="SettleAsync"/>), then polls every 50 ms
    /// for at most <see cref="Patience"/>; on the deadline fails with the last answer and the host's output.
    /// </summary>
    protected async Task<JsonNode> EventuallyAsync(HostProcess host, Func<Task<JsonNode>> read, Func<JsonNode, bool> holds, string what)
    {
        await SettleAsync(host);
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var value = await read();
            if (holds(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not {what} within {Patience.TotalSeconds:0} s: {value.ToJsonString()}\n{Tail(host.Output)}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Lets everything due now finish (the manual clock's advance by zero); nothing on real time.</summary>
    protected virtual Task SettleAsync(HostProcess host) => Task.CompletedTask;

    private async Task UntilAsync(Func<bool> condition, string what, HostProcess host, FakeSendGridServer sendGrid)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not {what} within {Patience.TotalSeconds:0} s; SendGrid got {sendGrid.Received.Count} request(s).\n{Tail(host.Output)}");
            }

            await Task.Delay(20);
        }
    }

    protected static IReadOnlyList<string> Steps(JsonNode journey) => [.. journey["currentSteps"]!.AsArray().Select(s => s!.GetValue<string>())];

    protected static string Status(JsonNode journey) => journey["status"]!.GetValue<string>();

    private static List<ReceivedMail> Sent(FakeSendGridServer sendGrid, string step) => [.. sendGrid.Received.Where(m => Arg(m, "step_id") == step)];

    private static string? Arg(ReceivedMail mail, string name) =>
        (mail.Body["personalizations"]?[0]?["custom_args"]?[name] ?? mail.Body["custom_args"]?[name])?.GetValue<string>();

    private static string Tail(string output) => output.Length > 6_000 ? output[^6_000..] : output;
}

/// <summary>
/// The process a crash test kills, and how to get the process that carries on (one running already, or one started after
/// the kill); disposing stops both and runs <paramref name="cleanUp"/>.
/// </summary>
public sealed class CrashPair(HostProcess victim, Func<Task<HostProcess>> survivor, Action cleanUp, HostProcess? running = null) : IAsyncDisposable
{
    private HostProcess? _survivor;

    public HostProcess Victim => victim;

    public async Task<HostProcess> SurvivorAsync() => _survivor ??= await survivor();

    public async ValueTask DisposeAsync()
    {
        await victim.DisposeAsync();
        if ((_survivor ?? running) is { } other)
        {
            await other.DisposeAsync();
        }

        cleanUp();
    }
}

/// <summary>One customer of the demo dealer, raising events through the dealer's main route and reading its journey.</summary>
public sealed class SuiteCustomer(HostProcess host, string customerId)
{
    private int _events;

    public HttpClient Dealer { get; } = host.Client("dev-dealer-key");

    /// <summary>Raises the entry event with the customer's profile; returns the journey it started.</summary>
    public async Task<string> StartAsync()
    {
        var response = await Dealer.PostJsonAsync($"/api/customers/{customerId}/events",
            CustomerEvent("suite.start", $"{customerId}-start", journeyKey: null, customer: Customer(customerId, $"{customerId}@example.com")));
        var body = await response.ReadJsonAsync(HttpStatusCode.Accepted);
        return body["journeyIds"]!.AsArray().Single()!.GetValue<string>();
    }

    public async Task RaiseAsync(string name, string? eventId = null)
    {
        var response = await Dealer.PostJsonAsync($"/api/customers/{customerId}/events", CustomerEvent(name, eventId ?? $"{customerId}-{++_events}", journeyKey: null));
        await response.ReadJsonAsync(HttpStatusCode.Accepted);
    }

    public Task<JsonNode> JourneyAsync(string id, bool history = false) => Dealer.OkJsonAsync($"/api/journeys/{id}" + (history ? "?history=true" : ""));

    /// <summary>The e-mail templates of the journey's mail that went out (the dev mailbox), in name order (on the manual clock several share one instant).</summary>
    public async Task<IReadOnlyList<string>> MailAsync(string id) =>
        [.. (await Dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={id}&limit=500"))["items"]!.AsArray()
            .Select(m => m!["emailTemplate"]!.GetValue<string>()).Order(StringComparer.Ordinal)];
}
