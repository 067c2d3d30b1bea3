using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// <c>soak</c>: minutes of mixed load over HTTP against the real host process (as <see cref="HttpScenario"/> starts it:
/// the Release build of functions/Host, Production, system clock, rate limits off, a temporary data folder), with the
/// host's memory and CPU sampled every 10 s; then every event sent is looked up in its journeys' histories.
/// </summary>
/// <remarks>
/// <para>Set-up: <c>--soak-customers</c> customers each start one journey of new-car-purchase (brochure.downloaded, as
/// the http scenario seeds). A template of its own, <c>soak-timer</c>, is published (admin key, <c>PUT
/// /api/templates/soak-timer</c>, YAML): a chain of <c>wait</c> steps of <c>--soak-timer-wait</c> seconds long enough
/// for the whole run, then a <c>wait</c> of PT1H and a <c>repeat</c> back to the first. A loop of one short wait and a
/// repeat is what one would write, but the validator's minimum loop wait (PT1H by default) refuses it; the scenario
/// shows that refusal (<c>POST /api/templates/validate</c>) and then uses the chain, which is no loop until its PT1H wait.
/// <c>--soak-timer-journeys</c> customers start one each (its entry event <c>soak.timer.start</c>), spread over the
/// first wait, so timers fire continuously at about journeys / wait per second.</para>
/// <para>Load, open loop at fixed rates, each request at its due time (at most <c>--soak-in-flight</c> in flight over
/// as many keep-alive connections): dealer events with unique eventIds to the seeded customers and the new ones
/// (quote.sent, quote.rejected, testdrive.booked with a date, testdrive.completed, odometer.reported), brochure.downloaded
/// for new customers (new journeys), <c>PUT /api/customers/{id}</c>, reads (<c>GET /api/customers/{id}</c>, <c>GET
/// /api/journeys/{id}</c>, <c>GET /api/journeys?customer=</c>) and <c>GET /api/tasks?status=open</c>. Every answer that is
/// not the route's 2xx is an error. Each event's 202 says which journeys it was raised into; those are expected.</para>
/// <para>Afterwards the histories (<c>?history=true</c>, admin key) of every journey an event reached are read until each
/// expected eventId is there (bounded by <c>--soak-drain-seconds</c>): lost = expected and not found, duplicated = found
/// more than once as an ExternalEventReceived (by the eventId in its payload). timers_fired counts the TimerFired events
/// of the timer journeys.</para>
/// </remarks>
internal static class SoakScenario
{
    private const string TimerTemplateId = "soak-timer";
    private const string TimerEntryEvent = "soak.timer.start";
    private const string EventsRoute = "POST /api/customers/{id}/events";

    public static async Task RunAsync(BenchOptions options)
    {
        var minutes = options.Double("soak-minutes", 10);
        var customers = options.Int("soak-customers", 2_000);
        var timerJourneys = options.Int("soak-timer-journeys", 300);
        var timerWait = options.Int("soak-timer-wait", 30);
        var eventRate = options.Double("soak-event-rate", 200);
        var startRate = options.Double("soak-start-rate", 5);
        var upsertRate = options.Double("soak-upsert-rate", 20);
        var readRate = options.Double("soak-read-rate", 60);
        var tasksRate = options.Double("soak-tasks-rate", 0.5);
        var inFlight = options.Int("soak-in-flight", 128);
        var warmMinutes = options.Double("soak-warm-minutes", Math.Min(2, minutes / 2));
        var drainSeconds = options.Int("soak-drain-seconds", 300);
        using var folder = new TempFolder("jo-bench-soak", options.Flag("keep"));

        var dll = HttpScenario.EnsureHostBuilt();
        var dealerKey = HttpScenario.RandomHex(16);
        var adminKey = HttpScenario.RandomHex(16);
        var run = HttpScenario.RandomHex(4);
        var duration = TimeSpan.FromMinutes(minutes);

        await using var host = await HttpScenario.HostChild.StartAsync(dll, folder.Path, dealerKey, adminKey);
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = inFlight + 16,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var dealer = HttpScenario.Client(handler, host.BaseAddress, dealerKey);
        using var admin = HttpScenario.Client(handler, host.BaseAddress, adminKey);

        // ---- set-up: the timer template (the loop the validator refuses, then the chain), the seeded journeys ----
        await PublishTimerTemplateAsync(admin, timerWait, duration + TimeSpan.FromSeconds(drainSeconds + 120));
        var journeyIds = await HttpScenario.SeedAsync(dealer, admin, customers, 64, host);

        // ---- the load ----
        var tally = new Tally();
        var expected = new ConcurrentDictionary<string, ConcurrentQueue<string>>(StringComparer.Ordinal);
        var newCustomers = new List<(string Customer, string Journey)>();
        var timerStarts = new ConcurrentDictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        long eventsSent = 0, eventsUnreached = 0, journeysStarted = 0;

        string EventCustomer(long k)
        {
            // Four in five to the seeded customers, the rest to the new ones (once there are some).
            lock (newCustomers)
            {
                if (k % 5 == 4 && newCustomers.Count > 0)
                {
                    return newCustomers[(int)((k / 5 * 7919) % newCustomers.Count)].Customer;
                }
            }

            return HttpScenario.CustomerId((int)(((k - (k / 5)) * 7919) % customers));
        }

        async Task SendEventAsync(long k)
        {
            var customer = EventCustomer(k);
            var eventId = $"s-{run}-{k}";
            var (name, data) = (k % 20) switch
            {
                < 7 => ("quote.sent", $$$"""{"quoteNumber":"Q-{{{k}}}","price":"EUR 38,950","model":"Hybrid X"}"""),
                < 12 => ("quote.rejected", "{}"),
                < 16 => ("testdrive.booked", $$$"""{"testDriveAt":"{{{DateTimeOffset.UtcNow.AddDays(3).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}}","model":"Hybrid X"}"""),
                < 18 => ("testdrive.completed", "{}"),
                _ => ("odometer.reported", $$$"""{"odometerKm":{{{k % 2000}}}}"""),
            };
            using var request = Json(HttpMethod.Post, $"api/customers/{customer}/events",
                $$$"""{"name":"{{{name}}}","eventId":"{{{eventId}}}","dealerId":"{{{HttpScenario.DealerId}}}","data":{{{data}}}}""");
            Interlocked.Increment(ref eventsSent);
            var body = await tally.SendAsync(dealer, request, EventsRoute, HttpStatusCode.Accepted, latency: true);
            if (body is null)
            {
                return;
            }

            var reached = 0;
            foreach (var journey in JsonNode.Parse(body)?["journeys"]?.AsArray() ?? [])
            {
                if (journey?["outcome"]?.GetValue<string>() == "raised" && journey["id"]?.GetValue<string>() is { } id)
                {
                    expected.GetOrAdd(id, _ => new ConcurrentQueue<string>()).Enqueue(eventId);
                    reached++;
                }
            }

            if (reached == 0 && Interlocked.Increment(ref eventsUnreached) <= 5)
            {
                Report.Progress($"soak: {name} {eventId} to {customer} reached no journey: {body}");
            }
        }

        async Task StartJourneyAsync(long k)
        {
            var customer = $"n{run}{k:D6}";
            using var request = Json(HttpMethod.Post, $"api/customers/{customer}/events",
                $$$"""{"name":"brochure.downloaded","eventId":"b-{{{run}}}-{{{k}}}","dealerId":"{{{HttpScenario.DealerId}}}","customer":{{{Profile(customer, "N")}}},"data":{"model":"Hybrid X"}}""");
            var body = await tally.SendAsync(dealer, request, EventsRoute + " (brochure.downloaded, new customer)", HttpStatusCode.Accepted);
            if (body is not null && StartedJourney(body) is { } journey)
            {
                Interlocked.Increment(ref journeysStarted);
                lock (newCustomers)
                {
                    newCustomers.Add((customer, journey));
                }
            }
            else if (body is not null)
            {
                tally.Problem(EventsRoute + " (brochure.downloaded, new customer)", $"no journey started: {body}");
            }
        }

        async Task StartTimerJourneyAsync(long k)
        {
            var customer = $"t{run}{k:D5}";
            using var request = Json(HttpMethod.Post, $"api/customers/{customer}/events",
                $$$"""{"name":"{{{TimerEntryEvent}}}","eventId":"ts-{{{run}}}-{{{k}}}","dealerId":"{{{HttpScenario.DealerId}}}","customer":{{{Profile(customer, "T")}}}}""");
            var body = await tally.SendAsync(dealer, request, EventsRoute + $" ({TimerEntryEvent})", HttpStatusCode.Accepted);
            if (body is not null && StartedJourney(body) is { } journey)
            {
                timerStarts[journey] = DateTimeOffset.UtcNow;
            }
            else if (body is not null)
            {
                tally.Problem(EventsRoute + $" ({TimerEntryEvent})", $"no journey started: {body}");
            }
        }

        async Task UpsertAsync(long k)
        {
            var customer = HttpScenario.CustomerId((int)((k * 104729) % customers));
            using var request = Json(HttpMethod.Put, $"api/customers/{customer}",
                $$$"""{"dealerId":"{{{HttpScenario.DealerId}}}","email":"{{{customer}}}@example.com","firstName":"A{{{k % 97}}}","lastName":"B","locale":"nl-NL","consent":{"email":true}}""");
            await tally.SendAsync(dealer, request, "PUT /api/customers/{id}", HttpStatusCode.OK);
        }

        async Task ReadAsync(long k)
        {
            var i = (int)((k / 3 * 7907) % customers);
            var (route, uri) = (k % 3) switch
            {
                0 => ("GET /api/customers/{id}", $"api/customers/{HttpScenario.CustomerId(i)}"),
                1 => ("GET /api/journeys/{id}", $"api/journeys/{journeyIds[i]}"),
                _ => ("GET /api/journeys?customer=", $"api/journeys?customer={HttpScenario.CustomerId(i)}"),
            };
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            await tally.SendAsync(dealer, request, route, HttpStatusCode.OK);
        }

        async Task TasksAsync(long k)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/tasks?status=open");
            await tally.SendAsync(dealer, request, "GET /api/tasks?status=open", HttpStatusCode.OK);
        }

        Report.Progress($"soak: {minutes:0.##} min of load: events {eventRate}/s, new journeys {startRate}/s, upserts {upsertRate}/s, reads {readRate}/s, " +
            $"tasks {tasksRate}/s, {timerJourneys} timer journeys started over {timerWait} s (timers about {(double)timerJourneys / timerWait:0.#}/s); at most {inFlight} in flight");
        using var gate = new SemaphoreSlim(inFlight);
        var samples = new List<(double Seconds, double RssMb, double Cores)>();
        var cpuStart = ProcFs.CpuSeconds(host.Id);
        var clock = Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            var lastCpu = cpuStart;
            var lastAt = 0.0;
            var lastRequests = 0L;
            while (!sampling.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var at = clock.Elapsed.TotalSeconds;
                var cpu = ProcFs.CpuSeconds(host.Id);
                var rss = ProcFs.StatusMegabytes(host.Id, "VmRSS");
                var cores = (cpu - lastCpu) / (at - lastAt);
                var requests = tally.Requests;
                lock (samples)
                {
                    samples.Add((at, rss, cores));
                }

                var recent = tally.RecentEventLatencies();
                Report.Progress($"soak: t={at:0}s rss {rss:0.0} MB cpu {cores:0.00} cores; {requests} requests ({(requests - lastRequests) / (at - lastAt):0}/s), " +
                    $"{tally.Errors} errors, {Interlocked.Read(ref eventsSent)} events sent; events p50 {Stats.Percentile(recent, 50):0.0} ms p99 {Stats.Percentile(recent, 99):0.0} ms (last 10 s)");
                (lastCpu, lastAt, lastRequests) = (cpu, at, requests);
            }
        });

        await Task.WhenAll(
            PaceAsync(eventRate, duration, gate, SendEventAsync),
            PaceAsync(startRate, duration, gate, StartJourneyAsync),
            PaceAsync(upsertRate, duration, gate, UpsertAsync),
            PaceAsync(readRate, duration, gate, ReadAsync),
            PaceAsync(tasksRate, duration, gate, TasksAsync),
            PaceAsync((double)timerJourneys / timerWait, TimeSpan.FromSeconds(timerWait), gate, StartTimerJourneyAsync, timerJourneys));
        var loadSeconds = clock.Elapsed.TotalSeconds;
        var cpuCores = (ProcFs.CpuSeconds(host.Id) - cpuStart) / loadSeconds;
        var rssEnd = ProcFs.StatusMegabytes(host.Id, "VmRSS");
        await sampling.CancelAsync();
        await sampler;
        lock (samples)
        {
            samples.Add((loadSeconds, rssEnd, double.NaN));
        }

        var warmSample = samples.FirstOrDefault(s => s.Seconds >= (warmMinutes * 60) - 1, samples[^1]);
        var rssWarm = warmSample.RssMb;
        var rssMax = samples.Max(s => s.RssMb);
        var growth = (rssEnd - rssWarm) / rssWarm;
        var latencies = tally.EventLatencies();
        var p50 = Stats.Percentile(latencies, 50);
        var p99 = Stats.Percentile(latencies, 99);
        Report.Progress($"soak: load done after {loadSeconds:0.0} s: {tally.Requests} requests, {tally.Errors} errors, {eventsSent} events sent " +
            $"({eventsUnreached} reached no journey), {journeysStarted} new journeys, {timerStarts.Count} timer journeys; host {cpuCores:0.00} cores; " +
            $"rss warm {rssWarm:0.0} MB (t={warmSample.Seconds:0}s), end {rssEnd:0.0} MB, max {rssMax:0.0} MB");
        foreach (var line in tally.Summary())
        {
            Report.Progress("soak:   " + line);
        }

        // ---- applied: each expected eventId exactly once in its journey's history (bounded wait) ----
        var (checkedEvents, lost, duplicated, unexpected) = await CheckEventsAsync(admin, expected, run, TimeSpan.FromSeconds(drainSeconds));

        // ---- timers: the TimerFired events of the timer journeys ----
        var (timersFired, timersDue) = await CountTimersAsync(admin, timerStarts, timerWait);
        var failed = await CountFailedAsync(admin);

        Report.Line(
            "soak",
            ("minutes", minutes),
            ("requests", tally.Requests),
            ("errors", tally.Errors),
            ("events_sent", eventsSent),
            ("events_unreached", eventsUnreached),
            ("events_checked", checkedEvents),
            ("lost", lost),
            ("duplicated", duplicated),
            ("unexpected", unexpected),
            ("journeys_started", journeysStarted),
            ("timer_journeys", timerStarts.Count),
            ("timers_fired", timersFired),
            ("timers_due", timersDue),
            ("failed_journeys", failed),
            ("rss_warm_mb", Math.Round(rssWarm, 1)),
            ("rss_end_mb", Math.Round(rssEnd, 1)),
            ("rss_max_mb", Math.Round(rssMax, 1)),
            ("rss_growth", Math.Round(growth, 3)),
            ("rss_flat", Math.Abs(growth) <= 0.10),
            ("cpu_cores", Math.Round(cpuCores, 2)),
            ("events_p50_ms", Math.Round(p50, 2)),
            ("events_p99_ms", Math.Round(p99, 2)));

        if (tally.Errors > 0 || lost > 0 || duplicated > 0)
        {
            throw new InvalidOperationException(
                $"soak failed: {tally.Errors} errors, {lost} lost, {duplicated} duplicated events. {string.Join(" | ", tally.Summary())}");
        }
    }

    /// <summary>
    /// Calls <paramref name="send"/> with 0, 1, 2, ... at <paramref name="rate"/> per second for <paramref name="duration"/>
    /// (at most <paramref name="limit"/> calls), each at its due time, not waiting for earlier ones (the gate bounds how many
    /// are in flight over all kinds); returns when every call has finished.
    /// </summary>
    private static async Task PaceAsync(double rate, TimeSpan duration, SemaphoreSlim gate, Func<long, Task> send, long limit = long.MaxValue)
    {
        if (rate <= 0)
        {
            return;
        }

        var running = new List<Task>();
        var clock = Stopwatch.StartNew();
        long next = 0;
        while (next < limit && clock.Elapsed < duration)
        {
            var due = Math.Min(limit, (long)(clock.Elapsed.TotalSeconds * rate) + 1);
            while (next < due)
            {
                await gate.WaitAsync();
                running.Add(Run(next++));
            }

            await Task.Delay(10);
        }

        await Task.WhenAll(running);

        async Task Run(long k)
        {
            try
            {
                await send(k);
            }
            finally
            {
                gate.Release();
            }
        }
    }

    /// <summary>Validates the loop one would write (refused: the minimum loop wait), then publishes the chain of short waits.</summary>
    private static async Task PublishTimerTemplateAsync(HttpClient admin, int waitSeconds, TimeSpan lifetime)
    {
        var loop = $"""
            id: {TimerTemplateId}
            name: Soak timers
            events: [{TimerEntryEvent}]
            entry:
              events: [{TimerEntryEvent}]
            start: tick
            steps:
              - id: tick
                kind: wait
                duration: PT{waitSeconds}S
                next: again
              - id: again
                kind: repeat
                goto: tick
            """;
        var loopAnswer = await ValidateAsync(admin, loop);
        Report.Progress($"soak: a loop of one PT{waitSeconds}S wait and a repeat: POST /api/templates/validate answers {loopAnswer}");

        var count = (int)Math.Ceiling(lifetime.TotalSeconds / waitSeconds);
        var yaml = new StringBuilder().Append(CultureInfo.InvariantCulture, $"""
            id: {TimerTemplateId}
            name: Soak timers
            description: A chain of {count} waits of PT{waitSeconds}S, then PT1H (the minimum loop wait) and a repeat.
            events: [{TimerEntryEvent}]
            entry:
              events: [{TimerEntryEvent}]
            start: t0
            steps:

            """);
        for (var i = 0; i < count; i++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{ id: t{i}, kind: wait, phase: usage, duration: PT{waitSeconds}S, next: {(i + 1 < count ? $"t{i + 1}" : "hour")} }}\n");
        }

        yaml.Append("  - { id: hour, kind: wait, phase: usage, duration: PT1H, next: again }\n");
        yaml.Append("  - { id: again, kind: repeat, phase: usage, goto: t0 }\n");
        var text = yaml.ToString();
        var chainAnswer = await ValidateAsync(admin, text);
        if (JsonNode.Parse(chainAnswer)?["valid"]?.GetValue<bool>() != true)
        {
            throw new InvalidOperationException($"The soak timer template is not valid: {chainAnswer}\n{text}");
        }

        using var publish = new HttpRequestMessage(HttpMethod.Put, $"api/templates/{TimerTemplateId}") { Content = Yaml(text) };
        using var response = await admin.SendAsync(publish);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT /api/templates/{TimerTemplateId}: {(int)response.StatusCode} {body}");
        }

        Report.Progress($"soak: published {TimerTemplateId} ({count} waits of PT{waitSeconds}S, then PT1H and a repeat): {(int)response.StatusCode} {body}");
    }

    private static async Task<string> ValidateAsync(HttpClient admin, string yaml)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/templates/validate") { Content = Yaml(yaml) };
        using var response = await admin.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /api/templates/validate: {(int)response.StatusCode} {body}");
        }

        return body;
    }

    /// <summary>
    /// Reads the history of every journey an event was raised into until each expected eventId is in it (or the timeout);
    /// returns the (journey, event) pairs checked, the lost, the duplicated, and events of this run found where not expected.
    /// </summary>
    private static async Task<(long Checked, long Lost, long Duplicated, long Unexpected)> CheckEventsAsync(
        HttpClient admin, ConcurrentDictionary<string, ConcurrentQueue<string>> expected, string run, TimeSpan timeout)
    {
        var pending = expected.ToDictionary(p => p.Key, p => p.Value.ToList(), StringComparer.Ordinal);
        var total = pending.Values.Sum(l => l.Count);
        Report.Progress($"soak: checking {total} events in the histories of {pending.Count} journeys (at most {timeout.TotalSeconds:0} s until all are applied)");
        var counts = new ConcurrentDictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var round = 0;
        while (true)
        {
            round++;
            await Parallel.ForEachAsync(pending.Keys.ToList(), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (journeyId, ct) =>
            {
                var history = await HistoryAsync(admin, journeyId, ct);
                var found = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var e in history)
                {
                    if (e?["type"]?.GetValue<string>() == "ExternalEventReceived" && e["payload"]?.GetValue<string>() is { } payload &&
                        HttpScenario.PayloadEventId(payload) is { } eventId && eventId.StartsWith($"s-{run}-", StringComparison.Ordinal))
                    {
                        found[eventId] = found.GetValueOrDefault(eventId) + 1;
                    }
                }

                counts[journeyId] = found;
            });

            var missing = pending.Where(p => p.Value.Any(id => !counts[p.Key].ContainsKey(id))).Select(p => p.Key).ToList();
            var missingEvents = missing.Sum(j => pending[j].Count(id => !counts[j].ContainsKey(id)));
            Report.Progress($"soak: check round {round} after {clock.Elapsed.TotalSeconds:0.0} s: {missingEvents} events not yet in the histories of {missing.Count} journeys");
            if (missing.Count == 0 || clock.Elapsed > timeout)
            {
                break;
            }

            await Task.Delay(2_000);
        }

        long checkedEvents = 0, lost = 0, duplicated = 0, unexpected = 0;
        foreach (var (journeyId, ids) in pending)
        {
            var found = counts[journeyId];
            var wanted = new HashSet<string>(ids, StringComparer.Ordinal);
            foreach (var id in wanted)
            {
                checkedEvents++;
                var n = found.GetValueOrDefault(id);
                if (n == 0)
                {
                    lost++;
                    if (lost <= 5)
                    {
                        Report.Progress($"soak: LOST {id} in {journeyId}");
                    }
                }
                else if (n > 1)
                {
                    duplicated++;
                    if (duplicated <= 5)
                    {
                        Report.Progress($"soak: DUPLICATED {id} ({n} times) in {journeyId}");
                    }
                }
            }

            unexpected += found.Keys.Count(id => !wanted.Contains(id));
        }

        Report.Progress($"soak: {checkedEvents} events checked in {pending.Count} journeys: {lost} lost, {duplicated} duplicated, {unexpected} unexpected");
        return (checkedEvents, lost, duplicated, unexpected);
    }

    /// <summary>TimerFired events in the timer journeys' histories, and how many were due by now (one per wait since the start).</summary>
    private static async Task<(long Fired, long Due)> CountTimersAsync(HttpClient admin, ConcurrentDictionary<string, DateTimeOffset> starts, int waitSeconds)
    {
        long fired = 0, due = 0;
        await Parallel.ForEachAsync(starts, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (start, ct) =>
        {
            var now = DateTimeOffset.UtcNow;
            var history = await HistoryAsync(admin, start.Key, ct);
            Interlocked.Add(ref fired, history.Count(e => e?["type"]?.GetValue<string>() == "TimerFired"));
            Interlocked.Add(ref due, (long)Math.Floor((now - start.Value).TotalSeconds / waitSeconds));
        });
        Report.Progress($"soak: {fired} timers fired in {starts.Count} timer journeys ({due} due by now at one per {waitSeconds} s since each start)");
        return (fired, due);
    }

    /// <summary>Journeys in status Failed (all of them: the index is scanned page by page).</summary>
    private static async Task<int> CountFailedAsync(HttpClient admin)
    {
        var failed = 0;
        string? token = null;
        for (var page = 0; page < 1_000; page++)
        {
            var uri = "api/journeys?status=Failed&pageSize=500" + (token is null ? string.Empty : "&continuationToken=" + Uri.EscapeDataString(token));
            using var response = await admin.GetAsync(new Uri(uri, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET {uri}: {(int)response.StatusCode} {body}");
            }

            var json = JsonNode.Parse(body);
            var items = json?["items"]?.AsArray() ?? [];
            if (failed == 0 && items.Count > 0 && items[0]?["id"]?.GetValue<string>() is { } id)
            {
                using var detail = await admin.GetAsync(new Uri($"api/journeys/{id}", UriKind.Relative));
                var text = await detail.Content.ReadAsStringAsync();
                var node = System.Text.Json.Nodes.JsonNode.Parse(text);
                node?.AsObject().Remove("touchpoints");
                Report.Progress($"soak: a failed journey {id}: {node?.ToJsonString()}");
                using var history = await admin.GetAsync(new Uri($"api/journeys/{id}?history=true", UriKind.Relative));
                var events = System.Text.Json.Nodes.JsonNode.Parse(await history.Content.ReadAsStringAsync())?["history"]?.AsArray() ?? [];
                Report.Progress($"soak: its last history events: {string.Join(" | ", events.TakeLast(6).Select(e => e?.ToJsonString()))}");
            }

            failed += items.Count;

            token = json?["continuationToken"]?.GetValue<string>();
            if (string.IsNullOrEmpty(token))
            {
                break;
            }
        }

        return failed;
    }

    private static async Task<JsonArray> HistoryAsync(HttpClient admin, string journeyId, CancellationToken cancellationToken)
    {
        using var response = await admin.GetAsync(new Uri($"api/journeys/{journeyId}?history=true", UriKind.Relative), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET /api/journeys/{journeyId}?history=true: {(int)response.StatusCode} {body}");
        }

        return JsonNode.Parse(body)?["history"]?.AsArray() ?? [];
    }

    private static string? StartedJourney(string body) =>
        (JsonNode.Parse(body)?["journeys"]?.AsArray() ?? []).FirstOrDefault(j => j?["outcome"]?.GetValue<string>() == "started")?["id"]?.GetValue<string>();

    private static string Profile(string customer, string firstName) =>
        $$$"""{"email":"{{{customer}}}@example.com","firstName":"{{{firstName}}}","lastName":"B","locale":"nl-NL","consent":{"email":true}}""";

    private static HttpRequestMessage Json(HttpMethod method, string uri, string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(method, uri) { Content = content };
    }

    private static ByteArrayContent Yaml(string yaml)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(yaml));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/yaml");
        return content;
    }

    /// <summary>Every request's outcome by route: counts, the first problems, and the event route's latencies.</summary>
    private sealed class Tally
    {
        private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);
        private readonly List<double> _eventLatencies = [];
        private int _recentFrom;
        private long _requests;
        private long _errors;

        public long Requests => Interlocked.Read(ref _requests);

        public long Errors => Interlocked.Read(ref _errors);

        /// <summary>Sends; returns the body when the status is <paramref name="ok"/> (or another 2xx), null (an error, recorded) otherwise.</summary>
        public async Task<string?> SendAsync(HttpClient client, HttpRequestMessage request, string route, HttpStatusCode ok, bool latency = false)
        {
            var entry = _routes.GetOrAdd(route, _ => new Route());
            Interlocked.Increment(ref _requests);
            Interlocked.Increment(ref entry.Requests);
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                var body = await response.Content.ReadAsStringAsync();
                if (latency)
                {
                    var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    lock (_eventLatencies)
                    {
                        _eventLatencies.Add(ms);
                    }
                }

                if (response.StatusCode == ok || response.IsSuccessStatusCode)
                {
                    return body;
                }

                Problem(route, $"{(int)response.StatusCode} {body}");
                return null;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                Problem(route, $"{e.GetType().Name}: {e.Message}");
                return null;
            }
        }

        public void Problem(string route, string problem)
        {
            var entry = _routes.GetOrAdd(route, _ => new Route());
            Interlocked.Increment(ref _errors);
            Interlocked.Increment(ref entry.Errors);
            lock (entry.Problems)
            {
                if (entry.Problems.Count < 5)
                {
                    entry.Problems.Add(problem.Length > 600 ? problem[..600] + "…" : problem);
                }
            }
        }

        public List<double> EventLatencies()
        {
            lock (_eventLatencies)
            {
                return [.. _eventLatencies];
            }
        }

        /// <summary>The event route's latencies since the last call.</summary>
        public List<double> RecentEventLatencies()
        {
            lock (_eventLatencies)
            {
                var recent = _eventLatencies.GetRange(_recentFrom, _eventLatencies.Count - _recentFrom);
                _recentFrom = _eventLatencies.Count;
                return recent;
            }
        }

        public IEnumerable<string> Summary() =>
            _routes.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r =>
                $"{r.Key}: {r.Value.Requests} requests, {r.Value.Errors} errors" + (r.Value.Problems.Count > 0 ? "; first: " + string.Join(" || ", r.Value.Problems) : string.Empty));

        private sealed class Route
        {
            public long Requests;
            public long Errors;
            public readonly List<string> Problems = [];
        }
    }
}
