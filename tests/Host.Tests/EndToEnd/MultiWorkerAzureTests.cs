using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Delivery.Tests.Support;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Storage.AzureStorage.Tests;
using Xunit.Abstractions;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// Two real host processes on one Azure Storage account (Azurite), both running workers; one is killed with SIGKILL while it
/// holds work, and the other finishes everything once the dead process's locks expire. Delivery is checked where it leaves
/// the system: at a SendGrid-compatible fake that records every request.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class MultiWorkerAzureTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Journeys = 24;
    private const int ActivitySlots = 2;
    private const string TemplateId = "multi-worker-check";
    private static readonly string[] EmailSteps = ["hello", "pinged", "bye"];

    // Start → e-mail → wait for mw.ping → e-mail → 3 s durable timer → e-mail → end. Transactional, so neither consent,
    // quiet hours nor the frequency cap hold an e-mail back: the only thing deciding when work runs is the runtime.
    private const string Template = """
        id: multi-worker-check
        name: Multi-worker check
        events: [mw.start, mw.ping]
        entry:
          events: [mw.start]
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
            events: [mw.ping]
            on:
              mw.ping: pinged
          - id: pinged
            kind: email
            phase: communication
            email: testdrive-invitation
            category: transactional
            next: pause
          - id: pause
            kind: wait
            phase: communication
            duration: PT3S
            next: bye
          - id: bye
            kind: email
            phase: communication
            email: quote-follow-up
            category: transactional
            next: done
          - id: done
            kind: end
            phase: communication
        """;

    [Fact]
    public async Task TwoHosts_OneKilledMidSend_TheOtherFinishesEveryJourney_NoEventTwice_NoEmailTwice()
    {
        var prefix = AzuriteFixture.NewPrefix();
        await using var sendGrid = await FakeSendGridServer.StartAsync();
        var signingKey = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());
        Dictionary<string, string> Settings(string sender) => new()
        {
            // Real time in both processes: two manual clocks would disagree on what is due.
            ["Journeys__Clock"] = "System",
            ["Journeys__Storage__Provider"] = "AzureStorage",
            ["Journeys__Storage__AzureStorage__ConnectionString"] = azurite.ConnectionString,
            ["Journeys__Storage__AzureStorage__NamePrefix"] = prefix,
            // Short leases so the takeover happens within the test: the killed host's instance and activity locks (and the
            // lease doorbells sent with them) expire after 10 and 15 s instead of 2 and 5 minutes (the activity lock stays well
            // above one slow SendGrid call, so a live worker's send is never taken over); idle workers look at the
            // doorbells at least every second and at the schedule every 5 s instead of backing off to 30 s and 5 minutes.
            ["Journeys__Runtime__OrchestrationLockDuration"] = "00:00:10",
            ["Journeys__Runtime__ActivityLockDuration"] = "00:00:15",
            // Two activity slots per process: when A dies it holds at most two e-mails (claimed or in flight), and the rest of
            // the burst is sent by whoever is alive, so the test sees all three outcomes (sent by A, sent by B, unknown).
            ["Journeys__Runtime__MaxConcurrentActivities"] = ActivitySlots.ToString(CultureInfo.InvariantCulture),
            ["Journeys__Runtime__MaxPollInterval"] = "00:00:01",
            ["Journeys__Storage__AzureStorage__MaxPollingInterval"] = "00:00:01",
            ["Journeys__Storage__AzureStorage__DoorbellLease"] = "00:00:05",
            ["Journeys__Storage__AzureStorage__SchedulePollInterval"] = "00:00:05",
            ["Journeys__Email__Provider"] = "SendGrid",
            ["Journeys__Email__SendGrid__ApiKey"] = FakeSendGridServer.ApiKey,
            ["Journeys__Email__SendGrid__BaseUrl"] = sendGrid.BaseUrl.ToString().TrimEnd('/'),
            // The sender tells the fake which process sent a request.
            ["Journeys__Email__From__Address"] = sender,
            ["Journeys__Email__Unsubscribe__BaseUrl"] = "https://journeys.example.com",
            ["Journeys__Email__Unsubscribe__SigningKey"] = signingKey,
        };

        await using var a = await HostProcess.StartAsync(Settings("host-a@example.com"));
        await using var b = await HostProcess.StartAsync(Settings("host-b@example.com"));
        var hosts = new[] { a, b };
        var dealers = hosts.Select(h => h.Client("dev-dealer-key")).ToArray();
        try
        {
            using (var marketing = a.Client("dev-marketing-key"))
            {
                await (await marketing.PutJsonAsync($"/api/templates/{TemplateId}", Text(Template, "application/yaml"))).ReadJsonAsync(HttpStatusCode.Created);
            }

            // 1. Start the journeys: each start event (with the customer's profile) goes to both hosts at the same moment, with
            //    the same event id. One host starts the journey, the other answers "duplicate" for the same journey.
            var ids = new string[Journeys];
            for (var i = 0; i < Journeys; i++)
            {
                var body = CustomerEvent("mw.start", $"start-{i}", journeyKey: "mw", customer: Customer($"mw-{i}", $"mw-{i}@example.com"));
                var answers = await Task.WhenAll(dealers.Select(async d => await (await d.PostJsonAsync($"/api/customers/mw-{i}/events", body)).ReadJsonAsync(HttpStatusCode.Accepted)));
                var reached = answers.Select(r => r["journeys"]!.AsArray().Single()!).ToList();
                ids[i] = reached[0]["id"]!.GetValue<string>();
                Assert.All(reached, r => Assert.Equal(ids[i], r["id"]!.GetValue<string>()));
                Assert.Equal(["duplicate", "started"], reached.Select(r => r["outcome"]!.GetValue<string>()).Order());
            }

            await UntilAsync(() => Sent(sendGrid, "hello").Count >= Journeys, "every journey's first e-mail", hosts, sendGrid);

            // 2. From now on SendGrid answers slowly, so a process is mid-call for a while after the fake recorded a request.
            //    Every ping goes to both hosts at the same moment, with the same event id.
            sendGrid.AnswerDelay = TimeSpan.FromSeconds(1.5);
            var raises = new List<Task<HttpResponseMessage>>();
            for (var i = 0; i < Journeys; i++)
            {
                foreach (var dealer in i % 2 == 0 ? dealers : [.. dealers.Reverse()])
                {
                    raises.Add(dealer.PostAsync(U($"/api/journeys/{ids[i]}/events/mw.ping?eventId=ping-{i}"), Json(new { n = i })));
                }
            }

            foreach (var raise in raises)
            {
                await (await raise).ReadJsonAsync(HttpStatusCode.Accepted);
            }

            // 3. Kill A (SIGKILL) as soon as SendGrid has seen three of its second e-mails: A has recorded some as sent, holds
            //    instance and activity locks, and has calls to SendGrid in flight whose answers it will never record.
            await UntilAsync(() => Sent(sendGrid, "pinged").Count(m => From(m) == "host-a@example.com") >= 3, "host A sending", hosts, sendGrid);
            await a.KillAsync();
            var seenAtKill = sendGrid.Received.Count;
            sendGrid.AnswerDelay = TimeSpan.Zero;

            // 4. B alone finishes every journey once A's locks expire.
            var reader = dealers[1];
            await UntilAsync(async () =>
            {
                foreach (var id in ids)
                {
                    if ((await reader.OkJsonAsync($"/api/journeys/{id}"))["status"]!.GetValue<string>() != "Completed")
                    {
                        return false;
                    }
                }

                return true;
            }, "every journey completed on host B", [b], sendGrid, TimeSpan.FromSeconds(90));

            // 5a. Every history is complete and nothing in it happened twice.
            for (var i = 0; i < Journeys; i++)
            {
                var history = (await reader.OkJsonAsync($"/api/journeys/{ids[i]}?history=true"))["history"]!.AsArray().Select(e => e!).ToList();
                string Type(JsonNode e) => e["type"]!.GetValue<string>();
                var received = history.Where(e => Type(e) == "ExternalEventReceived").ToList();
                Assert.Equal($"ping-{i}", Assert.Single(received)["eventId"]!.GetValue<string>());
                var timers = history.Where(e => Type(e) == "TimerScheduled").Select(e => e["sequence"]!.GetValue<int>()).ToList();
                var fired = history.Where(e => Type(e) == "TimerFired").Select(e => e["timerSequence"]!.GetValue<int>()).ToList();
                Assert.Single(timers); // the 3 s pause
                Assert.Equal(timers, fired);
                var scheduled = history.Where(e => Type(e) == "ActivityScheduled").Select(e => e["sequence"]!.GetValue<int>()).Order().ToList();
                var completed = history.Where(e => Type(e) == "ActivityCompleted").Select(e => e["scheduledSequence"]!.GetValue<int>()).Order().ToList();
                Assert.NotEmpty(scheduled);
                Assert.Equal(scheduled, completed); // each activity exactly one completion
                Assert.DoesNotContain(history, e => Type(e) == "ActivityFailed");
                Assert.Single(history, e => Type(e) == "JourneyCompleted");
            }

            // 5b. E-mail, at the delivery boundary. Strict: SendGrid never got the same (journey, step) twice, and only valid
            //     requests. Per (journey, step) the touchpoints API lists exactly one touchpoint:
            //     - "sent": SendGrid got it exactly once;
            //     - "unknown": the only other outcome allowed. A claimed the ledger row ("pending") and was killed before it
            //       recorded the answer; B's re-run finds "pending" and must not send again (docs/delivery.md, "Never twice":
            //       at most once, and reported). SendGrid got it at most once (once if A's call had reached it).
            Assert.All(sendGrid.Received, m => Assert.Empty(m.Problems));
            var perStep = sendGrid.Received.GroupBy(m => (Arg(m, "journey_id"), Arg(m, "step_id"))).ToDictionary(g => g.Key, g => g.ToList());
            Assert.All(perStep, p => Assert.True(p.Value.Count == 1, $"SendGrid got {p.Key} {p.Value.Count} times"));
            var unknown = new List<string>();
            for (var i = 0; i < Journeys; i++)
            {
                var touchpoints = (await reader.OkJsonAsync($"/api/journeys/{ids[i]}/touchpoints")).AsArray().Select(t => t!).ToList();
                Assert.Equal(EmailSteps.Order(), touchpoints.Select(t => t["stepId"]!.GetValue<string>()).Order());
                foreach (var touchpoint in touchpoints)
                {
                    var step = touchpoint["stepId"]!.GetValue<string>();
                    var status = touchpoint["status"]!.GetValue<string>();
                    var requests = perStep.GetValueOrDefault((ids[i], step)) ?? [];
                    var got = requests.Count;
                    if (status == "unknown")
                    {
                        // Only a call of the killed process can be left unanswered: B never calls SendGrid for a "pending" row.
                        Assert.All(requests, m => Assert.Equal("host-a@example.com", From(m)));
                        unknown.Add($"{ids[i]}/{step} (SendGrid got it {got} time(s))");
                    }
                    else
                    {
                        Assert.True(status == "sent" && got == 1, $"{ids[i]}/{step}: touchpoint '{status}', SendGrid got it {got} time(s)");
                    }
                }
            }

            // Unknown outcomes come only from what A held when it died: at most one per activity slot.
            Assert.True(unknown.Count <= ActivitySlots, $"{unknown.Count} unknown outcomes, more than A's {ActivitySlots} activity slots: {string.Join(", ", unknown)}");
            var lines = b.Output.Split('\n');
            output.WriteLine($"host B logged {lines.Count(l => l.StartsWith("warn:", StringComparison.Ordinal))} warning(s), errors: "
                + string.Join(" | ", lines.Select((l, n) => (l, n)).Where(x => x.l.StartsWith("fail:", StringComparison.Ordinal)).Select(x => x.l + " " + lines[x.n + 1].Trim())));
            output.WriteLine($"{sendGrid.Received.Count} e-mails sent, {seenAtKill} of them before A was killed; unknown: {(unknown.Count == 0 ? "none" : string.Join(", ", unknown))}");
        }
        finally
        {
            foreach (var dealer in dealers)
            {
                dealer.Dispose();
            }
        }

        Assert.Equal(0, await b.StopAsync());
    }

    private static List<ReceivedMail> Sent(FakeSendGridServer sendGrid, string step) =>
        [.. sendGrid.Received.Where(m => Arg(m, "step_id") == step)];

    private static string? From(ReceivedMail mail) => mail.Body["from"]?["email"]?.GetValue<string>();

    private static string? Arg(ReceivedMail mail, string name) =>
        (mail.Body["personalizations"]?[0]?["custom_args"]?[name] ?? mail.Body["custom_args"]?[name])?.GetValue<string>();

    private static Task UntilAsync(Func<bool> condition, string what, IEnumerable<HostProcess> hosts, FakeSendGridServer sendGrid) =>
        UntilAsync(() => Task.FromResult(condition()), what, hosts, sendGrid, TimeSpan.FromSeconds(60));

    /// <summary>Polls (every 100 ms) until <paramref name="condition"/> holds; on the deadline fails with the hosts' output.</summary>
    private static async Task UntilAsync(Func<Task<bool>> condition, string what, IEnumerable<HostProcess> hosts, FakeSendGridServer sendGrid, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                var logs = string.Join("\n", hosts.Select(h => $"--- host on port {h.Port.ToString(CultureInfo.InvariantCulture)} ---\n{h.Output}"));
                throw new TimeoutException($"Not reached within {within.TotalSeconds} s: {what} (SendGrid got {sendGrid.Received.Count} request(s)).\n{logs}");
            }

            await Task.Delay(100);
        }
    }
}
