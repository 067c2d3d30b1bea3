using JourneyOrchestrator.Templates.Tests.Support;
using JourneyOrchestrator.Testing;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// <c>http</c>: what a dealer system sees. <c>POST /api/customers/{customerId}/events</c> over HTTP against the real host
/// process (the Release build of functions/Host, Production, embedded engine on SQLite), from a load generator in this
/// process; beside it the raw SQLite floor of the same unit of work (<see cref="RawSqliteBaseline"/>, as in <c>events</c>).
/// </summary>
/// <remarks>
/// <para>Set-up (not timed): the host is built if its dll is missing or older than a source file of functions/ (<c>dotnet build
/// functions/Host -c Release -p:SkipConsoleBuild=true</c>), started as a child (<c>dotnet JourneyOrchestrator.Host.dll --urls
/// http://127.0.0.1:port</c>, working directory and data folder in a temporary folder, fresh dealer and admin keys, rate limits
/// off, system clock), and it answers <c>GET /health</c>. N customers each send <c>brochure.downloaded</c> with their profile,
/// which starts one journey of the shipped new-car-purchase template per customer (202 with one journey id); a sample of the
/// journeys is polled until it waits for <c>quote.sent</c>. Then a warm-up of <c>quote.sent</c> events (not timed).</para>
/// <para>Measured: <c>--http-connections</c> workers, one request in flight each (HttpClient over SocketsHttpHandler with as many
/// keep-alive connections), send <c>quote.sent</c> to the customers round-robin until <c>--http-events</c> are sent or
/// <c>--http-seconds</c> have passed; each request's latency goes into a preallocated array. accepted_per_s is 202s per
/// second of wall time. The client's own ceiling is the same generator against <c>GET /health</c> (health_per_s), and the CPU
/// of both processes during the run is reported (client_cores, host_cores).</para>
/// <para>Applied within 1 s: every <c>--http-sample-every</c>-th event's 202 time is kept; afterwards the journeys'
/// histories (<c>GET /api/journeys/{id}?history=true</c>, admin key) are read until every sampled event is found (bounded).
/// An <c>ExternalEventReceived</c>'s own timestamp is the time the host ENQUEUED it (the client's raise), and its
/// <c>eventId</c> field is empty through the SDK (the dealer's id is inside <c>payload</c>); so the event is found by the
/// <c>eventId</c> in its payload, and the time it was applied is the timestamp of the <c>EpisodeStarted</c> before it, the
/// episode that delivered it (a lower bound: that episode's commit follows within its own run time). applied_1s is the share
/// of sampled events whose episode started within 1 s of their 202 (an episode that started before the client read the 202
/// counts as within); applied_all is whether every sampled event was found.</para>
/// </remarks>
internal static class HttpScenario
{
    internal const string DealerId = "bench-dealer";
    private const string TemplateId = "new-car-purchase";

    public static async Task RunAsync(BenchOptions options)
    {
        var customers = options.Int("http-customers", 10_000);
        var events = options.Int("http-events", 50_000);
        var seconds = options.Int("http-seconds", 60);
        var connections = options.Int("http-connections", 64);
        var warmUp = options.Int("http-warmup", 1_000);
        var sampleEvery = options.Int("http-sample-every", 100);
        var healthSeconds = options.Int("http-health-seconds", 5);
        var rawBatch = options.Int("http-raw-batch", 256);
        using var folder = new TempFolder("jo-bench-http", options.Flag("keep"));

        var dll = EnsureHostBuilt();
        var dealerKey = RandomHex(16);
        var adminKey = RandomHex(16);
        var run = RandomHex(4);

        double acceptedPerSecond, healthPerSecond, p50, p99, max, clientCores, hostCores, appliedShare, appliedP50, appliedP99, sendSeconds;
        long accepted, errors, sent;
        bool appliedAll;
        int sampled, found;
        await using (var host = await HostChild.StartAsync(dll, folder.Path, dealerKey, adminKey))
        {
            using var handler = new SocketsHttpHandler
            {
                MaxConnectionsPerServer = connections,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                UseCookies = false,
                UseProxy = false,
                AutomaticDecompression = DecompressionMethods.None,
            };
            using var dealer = Client(handler, host.BaseAddress, dealerKey);
            using var admin = Client(handler, host.BaseAddress, adminKey);

            // ---- set-up (not timed): one running journey per customer ----
            var journeyIds = await SeedAsync(dealer, admin, customers, connections, host);

            var warm = await LoadAsync(dealer, Math.Min(warmUp, events), TimeSpan.FromMinutes(5), connections, k => QuoteRequest($"w-{run}-{k}", k % customers), 0, host);
            Report.Progress($"http: warm-up, {warm.Accepted} quote.sent accepted at {warm.Accepted / warm.Seconds:0}/s");

            // ---- measured: quote.sent round-robin over the customers ----
            var hostCpuBefore = ProcFs.CpuSeconds(host.Id);
            var clientCpuBefore = ProcFs.CpuSeconds(Environment.ProcessId);
            var load = await LoadAsync(dealer, events, TimeSpan.FromSeconds(seconds), connections, k => QuoteRequest($"q-{run}-{k}", k % customers), sampleEvery, host);
            hostCores = (ProcFs.CpuSeconds(host.Id) - hostCpuBefore) / load.Seconds;
            clientCores = (ProcFs.CpuSeconds(Environment.ProcessId) - clientCpuBefore) / load.Seconds;
            (accepted, errors, sent, sendSeconds) = (load.Accepted, load.Errors, load.Sent, load.Seconds);
            acceptedPerSecond = accepted / sendSeconds;
            var latencies = load.LatencyMs;
            p50 = Stats.Percentile(latencies, 50);
            p99 = Stats.Percentile(latencies, 99);
            max = latencies.Count == 0 ? double.NaN : latencies.Max();
            Report.Progress($"http: {sent} sent in {sendSeconds:0.00} s, {accepted} accepted ({acceptedPerSecond:0}/s), {errors} errors; " +
                $"latency p50 {p50:0.0} ms p99 {p99:0.0} ms max {max:0.0} ms; client {clientCores:0.00} cores, host {hostCores:0.00} cores of {Environment.ProcessorCount}");

            // ---- applied within 1 s (not timed): the sampled events in their journeys' histories ----
            (sampled, found, appliedShare, appliedP50, appliedP99) = await AppliedAsync(admin, load.Samples, journeyIds, TimeSpan.FromSeconds(Math.Max(60, seconds)));
            appliedAll = sampled > 0 && found == sampled;

            // ---- the client's own ceiling: the same generator against GET /health ----
            var health = await LoadAsync(admin, 1_000_000, TimeSpan.FromSeconds(healthSeconds), connections, _ => new HttpRequestMessage(HttpMethod.Get, "health"), 0, host, HttpStatusCode.OK);
            healthPerSecond = health.Accepted / health.Seconds;
            Report.Progress($"http: GET /health {health.Accepted} answered at {healthPerSecond:0}/s (p50 {Stats.Percentile(health.LatencyMs, 50):0.00} ms), {health.Errors} errors");
        }

        // ---- the raw SQLite floor of the same unit of work (the events scenario's), the host stopped ----
        var rawPerSecond = await RawSqliteBaseline.RunAsync(folder.File("raw.db"), customers, Math.Max(1, (int)Math.Min(accepted, int.MaxValue)), rawBatch);

        Report.Line(
            "http",
            ("customers", customers),
            ("events", sent),
            ("connections", connections),
            ("seconds", sendSeconds),
            ("accepted_per_s", acceptedPerSecond),
            ("p50_ms", Math.Round(p50, 2)),
            ("p99_ms", Math.Round(p99, 2)),
            ("max_ms", Math.Round(max, 1)),
            ("errors", errors),
            ("sampled", sampled),
            ("applied_1s", Math.Round(appliedShare, 4)),
            ("applied_p50_ms", Math.Round(appliedP50, 1)),
            ("applied_p99_ms", Math.Round(appliedP99, 1)),
            ("applied_all", appliedAll),
            ("health_per_s", healthPerSecond),
            ("client_cores", clientCores),
            ("host_cores", hostCores),
            ("raw_batch", rawBatch),
            ("raw_per_s", rawPerSecond),
            ("ratio_to_raw", acceptedPerSecond / rawPerSecond));
    }

    private static HttpRequestMessage QuoteRequest(string eventId, int customer) =>
        Post(customer, $$$"""{"name":"quote.sent","eventId":"{{{eventId}}}","dealerId":"{{{DealerId}}}","data":{"quoteAmount":100}}""");

    internal static HttpRequestMessage Post(int customer, string json)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, $"api/customers/{CustomerId(customer)}/events") { Content = content };
    }

    internal static string CustomerId(int i) => $"c{i:D6}";

    /// <summary>Every customer's brochure.downloaded (with the profile): one new journey each. Returns the journey ids by customer.</summary>
    internal static async Task<string[]> SeedAsync(HttpClient dealer, HttpClient admin, int customers, int concurrency, HostChild host)
    {
        Report.Progress($"http: seeding {customers} customers (brochure.downloaded, {concurrency} in flight)");
        var clock = Stopwatch.StartNew();
        var journeyIds = new string[customers];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, customers),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, ct) =>
            {
                var id = CustomerId(i);
                using var request = Post(i,
                    $$$"""{"name":"brochure.downloaded","eventId":"b-{{{id}}}","dealerId":"{{{DealerId}}}","customer":{"email":"{{{id}}}@example.com","firstName":"A","lastName":"B","locale":"nl-NL","consent":{"email":true}},"data":{"model":"Hybrid X"}}""");
                using var response = await dealer.SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"Seeding customer {id}: {(int)response.StatusCode} {body}\n{host.Output}");
                }

                var ids = JsonNode.Parse(body)?["journeyIds"]?.AsArray();
                if (ids is not { Count: 1 })
                {
                    throw new InvalidOperationException($"Seeding customer {id}: expected one journey id, got {body}");
                }

                journeyIds[i] = ids[0]!.GetValue<string>();
            });
        Report.Progress($"http: {customers} customers accepted in {clock.Elapsed.TotalSeconds:0.0} s ({customers / clock.Elapsed.TotalSeconds:0}/s); waiting for their journeys to start");

        // The engine applied the starts: a sample of the journeys (the last ones sent among them) waits for quote.sent.
        var sample = Enumerable.Range(0, Math.Min(50, customers)).Select(s => customers - 1 - (s * (customers / Math.Min(50, customers)))).ToList();
        var deadline = Stopwatch.StartNew();
        while (sample.Count > 0)
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(5))
            {
                throw new TimeoutException($"{sample.Count} sampled journeys (e.g. {journeyIds[sample[0]]}) do not wait for quote.sent after 5 minutes.");
            }

            var waiting = new List<int>();
            foreach (var i in sample)
            {
                using var response = await admin.GetAsync(new Uri($"api/journeys/{journeyIds[i]}", UriKind.Relative));
                var body = await response.Content.ReadAsStringAsync();
                var waitingFor = response.IsSuccessStatusCode ? JsonNode.Parse(body)?["waitingFor"]?.AsArray() : null;
                if (waitingFor is null || !waitingFor.Any(w => w?.GetValue<string>() == "quote.sent"))
                {
                    waiting.Add(i);
                }
            }

            sample = waiting;
            if (sample.Count > 0)
            {
                await Task.Delay(200);
            }
        }

        Report.Progress($"http: journeys started and waiting after {clock.Elapsed.TotalSeconds:0.0} s");
        return journeyIds;
    }

    private sealed record Load(long Sent, long Accepted, long Errors, double Seconds, List<double> LatencyMs, List<Sample> Samples);

    /// <summary>A sampled event: its index in the run (its customer is index % customers), its id and when its 202 was read.</summary>
    private sealed record Sample(int Index, string EventId, DateTimeOffset AcceptedAt);

    /// <summary>
    /// <paramref name="connections"/> workers, one request in flight each, until <paramref name="count"/> are sent or
    /// <paramref name="duration"/> has passed. Stops early (and throws with the first problem) past 1 % errors.
    /// </summary>
    private static async Task<Load> LoadAsync(
        HttpClient client, int count, TimeSpan duration, int connections, Func<int, HttpRequestMessage> request, int sampleEvery, HostChild host,
        HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        var ticks = new long[count]; // Stopwatch ticks per request, by index; 0 = not sent
        var samples = new Sample?[sampleEvery > 0 ? (count / sampleEvery) + 1 : 0];
        var next = -1;
        long accepted = 0, errors = 0;
        string? firstProblem = null;
        using var stop = new CancellationTokenSource();
        var started = Stopwatch.GetTimestamp();
        var end = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var k = Interlocked.Increment(ref next);
                if (k >= count || Stopwatch.GetTimestamp() >= end)
                {
                    return;
                }

                using var message = request(k);
                var sentAt = Stopwatch.GetTimestamp();
                string? problem = null;
                try
                {
                    using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, CancellationToken.None);
                    var answeredAt = Stopwatch.GetTimestamp();
                    ticks[k] = Math.Max(1, answeredAt - sentAt);
                    if (response.StatusCode == expected)
                    {
                        Interlocked.Increment(ref accepted);
                        if (sampleEvery > 0 && k % sampleEvery == 0)
                        {
                            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
                            samples[k / sampleEvery] = new Sample(k, body?["eventId"]?.GetValue<string>() ?? "", DateTimeOffset.UtcNow);
                        }
                    }
                    else
                    {
                        problem = $"{(int)response.StatusCode} {response.ReasonPhrase}: {await response.Content.ReadAsStringAsync()}";
                    }
                }
                catch (HttpRequestException e)
                {
                    ticks[k] = Math.Max(1, Stopwatch.GetTimestamp() - sentAt);
                    problem = $"{e.GetType().Name}: {e.Message}";
                }
                catch (TaskCanceledException e)
                {
                    ticks[k] = Math.Max(1, Stopwatch.GetTimestamp() - sentAt);
                    problem = $"timeout: {e.Message}";
                }

                if (problem is not null)
                {
                    Interlocked.CompareExchange(ref firstProblem, $"request {k}: {problem}", null);
                    var failed = Interlocked.Increment(ref errors);
                    if (failed > Math.Max(10, (k + 1) / 100))
                    {
                        stop.Cancel();
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var sent = ticks.Count(t => t != 0);
        if (errors > sent / 100)
        {
            throw new InvalidOperationException(
                $"{errors} of {sent} requests failed (more than 1 %); the first: {firstProblem}\nhost output:\n{host.Output}");
        }

        if (firstProblem is not null)
        {
            Report.Progress($"http: {errors} non-{(int)expected} answers; the first: {firstProblem}");
        }

        var latencies = new List<double>(sent);
        foreach (var t in ticks)
        {
            if (t != 0)
            {
                latencies.Add(t * 1000.0 / Stopwatch.Frequency);
            }
        }

        return new Load(sent, accepted, errors, seconds, latencies, [.. samples.OfType<Sample>()]);
    }

    /// <summary>
    /// Reads the histories of the sampled events' journeys until every sampled event is in one (or <paramref name="timeout"/>);
    /// returns the sample size, how many were found, the share applied within 1 s, and the p50 and p99 of (episode start − 202).
    /// </summary>
    private static async Task<(int Sampled, int Found, double Within1s, double P50Ms, double P99Ms)> AppliedAsync(
        HttpClient admin, List<Sample> samples, string[] journeyIds, TimeSpan timeout)
    {
        var pending = samples.GroupBy(s => journeyIds[s.Index % journeyIds.Length]).ToDictionary(g => g.Key, g => g.ToList());
        var lags = new List<double>();
        var clock = Stopwatch.StartNew();
        while (pending.Count > 0 && clock.Elapsed < timeout)
        {
            foreach (var journeyId in pending.Keys.ToList())
            {
                using var response = await admin.GetAsync(new Uri($"api/journeys/{journeyId}?history=true", UriKind.Relative));
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"GET /api/journeys/{journeyId}?history=true: {(int)response.StatusCode} {body}");
                }

                var applied = AppliedAt(JsonNode.Parse(body)?["history"]?.AsArray() ?? []);
                var left = new List<Sample>();
                foreach (var sample in pending[journeyId])
                {
                    if (applied.TryGetValue(sample.EventId, out var at))
                    {
                        lags.Add((at - sample.AcceptedAt).TotalMilliseconds);
                    }
                    else
                    {
                        left.Add(sample);
                    }
                }

                if (left.Count == 0)
                {
                    pending.Remove(journeyId);
                }
                else
                {
                    pending[journeyId] = left;
                }
            }

            if (pending.Count > 0)
            {
                await Task.Delay(500);
            }
        }

        var missing = pending.Values.Sum(l => l.Count);
        if (missing > 0)
        {
            Report.Progress($"http: {missing} sampled events not in their journey's history after {timeout.TotalSeconds:0} s (e.g. {pending.First().Value[0].EventId} in {pending.First().Key})");
        }

        var within = lags.Count(l => l <= 1000);
        Report.Progress($"http: {lags.Count} of {samples.Count} sampled events applied; {within} within 1 s of their 202 " +
            $"(episode start − 202: p50 {Stats.Percentile(lags, 50):0.0} ms, p99 {Stats.Percentile(lags, 99):0.0} ms, max {(lags.Count > 0 ? lags.Max() : double.NaN):0.0} ms)");
        return (samples.Count, lags.Count, samples.Count == 0 ? double.NaN : (double)within / samples.Count, Stats.Percentile(lags, 50), Stats.Percentile(lags, 99));
    }

    /// <summary>eventId (from the payload) → timestamp of the EpisodeStarted of the episode that delivered it.</summary>
    private static Dictionary<string, DateTimeOffset> AppliedAt(JsonArray history)
    {
        var result = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        DateTimeOffset? episode = null;
        foreach (var e in history)
        {
            switch (e?["type"]?.GetValue<string>())
            {
                case "EpisodeStarted":
                    episode = DateTimeOffset.Parse(e["timestamp"]!.GetValue<string>(), CultureInfo.InvariantCulture);
                    break;
                case "ExternalEventReceived" when episode is { } at && e["payload"]?.GetValue<string>() is { } payload:
                    if (PayloadEventId(payload) is { } eventId)
                    {
                        result.TryAdd(eventId, at);
                    }

                    break;
            }
        }

        return result;
    }

    /// <summary>The dealer's eventId inside an ExternalEventReceived's payload (the event's own eventId field is empty through the SDK); null if none.</summary>
    internal static string? PayloadEventId(string payload) =>
        JsonNode.Parse(payload)?["eventId"]?.GetValue<string>() is { Length: > 0 } eventId ? eventId : null;

    internal static HttpClient Client(HttpMessageHandler handler, Uri baseAddress, string key)
    {
        var client = new HttpClient(handler, disposeHandler: false) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(100) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    internal static string RandomHex(int bytes) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    /// <summary>functions/Host's Release dll; built first (SkipConsoleBuild) if missing or older than a source file of functions/.</summary>
    internal static string EnsureHostBuilt()
    {
        var root = Repo.Root;
        var dll = Path.Combine(root, "functions", "Host", "bin", "Release", "net10.0", "JourneyOrchestrator.Host.dll");
        var functions = Path.Combine(root, "functions");
        var newest = Directory.EnumerateFiles(functions, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                !f.Contains($"{Path.DirectorySeparatorChar}node_modules{Path.DirectorySeparatorChar}", StringComparison.Ordinal) &&
                (f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.MinValue)
            .Max();
        if (File.Exists(dll) && File.GetLastWriteTimeUtc(dll) >= newest)
        {
            return dll;
        }

        Report.Progress($"http: building the host ({(File.Exists(dll) ? "older than its sources" : "missing")}): dotnet build functions/Host -c Release -p:SkipConsoleBuild=true");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = root, UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in (string[])["build", "functions/Host", "-c", "Release", "-p:SkipConsoleBuild=true", "-nologo", "-v:q"])
        {
            start.ArgumentList.Add(arg);
        }

        using var build = Process.Start(start) ?? throw new InvalidOperationException("dotnet build did not start.");
        var output = build.StandardOutput.ReadToEnd();
        build.WaitForExit();
        if (build.ExitCode != 0 || !File.Exists(dll))
        {
            throw new InvalidOperationException($"Building the host failed (exit code {build.ExitCode}):\n{output}");
        }

        return dll;
    }


    /// <summary>The host process (as tests/Host.Tests/Support/HostProcess.cs starts it), Production; SIGTERM on dispose, then kill.</summary>
    internal sealed class HostChild : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly ConsoleCancelEventHandler _onCancel;

        private HostChild(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
            _onCancel = (_, _) => Kill();
            Console.CancelKeyPress += _onCancel;
        }

        public Uri BaseAddress { get; }

        public int Id => _process.Id;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static async Task<HostChild> StartAsync(string dll, string folder, string dealerKey, string adminKey)
        {
            var baseAddress = new Uri($"http://127.0.0.1:{Loopback.FreePort()}/");
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = folder,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
            start.Environment["Journeys__ApiKeys__0__Key"] = dealerKey;
            start.Environment["Journeys__ApiKeys__0__Role"] = "dealer";
            start.Environment["Journeys__ApiKeys__0__DealerId"] = DealerId;
            start.Environment["Journeys__ApiKeys__1__Key"] = adminKey;
            start.Environment["Journeys__ApiKeys__1__Role"] = "admin";
            start.Environment["Journeys__Erasure__HashKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            start.Environment["Journeys__RateLimits__Enabled"] = "false";
            start.Environment["Journeys__Clock"] = "System";
            start.Environment["Journeys__Storage__Sqlite__Path"] = Path.Combine(folder, "data");
            start.Environment["Logging__LogLevel__Default"] = "Warning";

            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.Start();
            var host = new HostChild(process, baseAddress);
            process.OutputDataReceived += (_, e) => host.Append(e.Data);
            process.ErrorDataReceived += (_, e) => host.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await host.WaitHealthyAsync();
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }

            return host;
        }

        private async Task WaitHealthyAsync()
        {
            using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The host exited with code {_process.ExitCode} before it answered /health:\n{Output}");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri("health", UriKind.Relative));
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        Report.Progress($"http: host (pid {_process.Id}) healthy at {BaseAddress} after {clock.Elapsed.TotalSeconds:0.0} s");
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }
                catch (TaskCanceledException)
                {
                    // Not answering yet.
                }

                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"The host did not answer /health within 60 s:\n{Output}");
                }

                await Task.Delay(100);
            }
        }

        public async ValueTask DisposeAsync()
        {
            Console.CancelKeyPress -= _onCancel;
            try
            {
                if (!_process.HasExited)
                {
                    using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
                    {
                        await term.WaitForExitAsync();
                    }

                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                    try
                    {
                        await _process.WaitForExitAsync(timeout.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        Report.Progress("http: the host did not stop within 30 s of SIGTERM; killing it");
                    }
                }
            }
            finally
            {
                Kill();
                if (_process.HasExited && _process.ExitCode != 0)
                {
                    Report.Progress($"http: the host exited with code {_process.ExitCode}");
                }

                _process.Dispose();
            }
        }

        private void Kill()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        private void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }
        }

    }
}
