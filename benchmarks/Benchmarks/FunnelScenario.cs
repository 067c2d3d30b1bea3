using JourneyOrchestrator.Templates.Tests.Support;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Api.Analytics;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Sqlite;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Simulation;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// <c>funnel</c>: <see cref="FunnelAnalytics.ComputeAsync"/> (the service behind <c>GET /api/analytics/funnel</c>) over N stored
/// journeys of new-car-purchase version 1, through the SDK's <see cref="DurableTaskClient"/> of the embedded engine (as the
/// host wires it), beside the raw speed of the storage underneath: the same rows read straight with Microsoft.Data.Sqlite.
/// </summary>
/// <remarks>
/// Seeding is set-up: the store creates its own schema on the file; then N journey rows are inserted into <c>instances</c>
/// with SQL in the store's own schema (one transaction, synchronous=OFF, then a checkpoint): name <c>journey</c>, a serialized
/// <see cref="JourneyInput"/> and a serialized <see cref="JourneyStatus"/> of one of <see cref="Variants"/> (different progress
/// through the template: stopped after the brochure, test drive booked, bought, delivered, ...), row i of variant i % variants
/// and of dealer (i / variants) % dealers. The template is published in the real SQLite data store (validated against the
/// shipped e-mails first). Options: --funnel-journeys 100000 --funnel-dealers 50 --trials 3.
/// </remarks>
internal static class FunnelScenario
{
    private const string TemplateId = "new-car-purchase";
    private const string DealerMark = "@dealer@";
    private const string CustomerMark = "@customer@";

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.Int("funnel-journeys", 100_000);
        var dealers = options.Int("funnel-dealers", 50);
        var trials = options.Int("trials", 3);
        using var folder = new TempFolder("jo-bench-funnel", options.Flag("keep"));
        var db = folder.File("journeys.db");
        var dataDb = folder.File("journeys-data.db");

        // ---- set-up (not timed): the template published, the store's schema, N journey rows ----
        var seeding = Stopwatch.StartNew();
        var templateFile = ScenarioFiles.LoadTemplate(Path.Combine(Repo.TemplatesFolder, TemplateId + ".yaml"));
        if (!templateFile.IsValid)
        {
            throw new InvalidOperationException("new-car-purchase does not validate: " + string.Join("; ", templateFile.Errors.Select(e => $"{e.Path}: {e.Message}")));
        }

        await using var dataStore = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = dataDb });
        await dataStore.InitializeAsync();
        var version = await dataStore.PublishTemplateAsync(
            templateFile.Template! with { Version = 0 }, await File.ReadAllTextAsync(templateFile.Path), "application/yaml", DateTimeOffset.UtcNow);
        if (version != 1)
        {
            throw new InvalidOperationException($"The template was published as version {version}, expected 1.");
        }

        await using (var store = new SqliteJourneyStore(new SqliteStoreOptions { Path = db }))
        {
            await store.InitializeAsync();
        }

        var variants = Variants();
        Seed(db, count, dealers, variants);
        var dbBytes = new FileInfo(db).Length;
        var dbMegabytes = dbBytes / 1024.0 / 1024.0;
        Report.Progress($"funnel: {count} journeys ({variants.Count} status variants, {dealers} dealers) seeded in {seeding.Elapsed.TotalSeconds:0.0} s " +
            $"({dbMegabytes:0.0} MB, {dbBytes / count} bytes per journey; status JSON {variants.Min(v => v.CustomStatus.Length)}..{variants.Max(v => v.CustomStatus.Length)} chars)");

        // The expected tally, from the variants (to check the report).
        var expectedRunning = Enumerable.Range(0, count).Count(i => variants[i % variants.Count].Status == InstanceStatus.Running);
        var expectedPurchase = Enumerable.Range(0, count).Count(i => variants[i % variants.Count].Goals.Contains("purchase"));
        const int dealerIndex = 7;
        var dealer = DealerId(dealerIndex % dealers);
        var expectedDealer = Enumerable.Range(0, count).Count(i => (i / variants.Count) % dealers == dealerIndex % dealers);

        var funnelMs = new List<double>();
        var rawMs = new List<double>();
        var rawJsonMs = new List<double>();
        var rawTagsMs = new List<double>();
        var clientMs = new List<double>();
        var clientJsonMs = new List<double>();
        var allocated = new List<double>();
        double coldMs;
        double dealerMs;
        await using (var host = new BenchHost(db))
        {
            await host.StartAsync();
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            var analytics = new FunnelAnalytics(client, dataStore, TimeProvider.System);

            // Warm-up (timed apart as cold_ms): jits the path and brings the file into the page cache.
            var clock = Stopwatch.StartNew();
            Check(await analytics.ComputeAsync(TemplateId, 1, null, CancellationToken.None), count, expectedRunning, expectedPurchase);
            coldMs = clock.Elapsed.TotalMilliseconds;
            Raw(db, deserialize: false, tags: false, count);
            Report.Progress($"funnel: warm-up {coldMs:0} ms");

            // ---- timed trials, each followed by the raw reads of the same rows, so that all see the same machine noise ----
            for (var trial = 1; trial <= trials; trial++)
            {
                var gcBefore = Gcs();
                var allocatedBefore = GC.GetTotalAllocatedBytes();
                clock.Restart();
                var report = await analytics.ComputeAsync(TemplateId, 1, null, CancellationToken.None);
                funnelMs.Add(clock.Elapsed.TotalMilliseconds);
                allocated.Add((GC.GetTotalAllocatedBytes() - allocatedBefore) / (double)count);
                var gcs = Gcs().Zip(gcBefore, (a, b) => a - b).ToArray();
                Check(report, count, expectedRunning, expectedPurchase);
                clientMs.Add(await ClientScanAsync(client, count, deserialize: false));
                clientJsonMs.Add(await ClientScanAsync(client, count, deserialize: true));
                rawMs.Add(Raw(db, deserialize: false, tags: false, count));
                rawJsonMs.Add(Raw(db, deserialize: true, tags: false, count));
                rawTagsMs.Add(Raw(db, deserialize: false, tags: true, count));
                Report.Progress($"funnel: trial {trial}: funnel {funnelMs[^1]:0} ms ({count / funnelMs[^1] * 1000:0}/s, {allocated[^1]:0} bytes allocated per journey, GCs gen0/1/2 {gcs[0]}/{gcs[1]}/{gcs[2]}); SDK client scan {clientMs[^1]:0} ms, +JSON {clientJsonMs[^1]:0} ms; " +
                    $"raw {rawMs[^1]:0} ms, raw+JSON {rawJsonMs[^1]:0} ms, raw+tag lookup {rawTagsMs[^1]:0} ms");
            }

            clock.Restart();
            var byDealer = await analytics.ComputeAsync(TemplateId, 1, dealer, CancellationToken.None);
            dealerMs = clock.Elapsed.TotalMilliseconds;
            if (byDealer.Journeys != expectedDealer || byDealer.DealerId != dealer)
            {
                throw new InvalidOperationException($"The funnel of {dealer} counted {byDealer.Journeys} journeys, expected {expectedDealer}.");
            }

            Report.Progress($"funnel: dealer {dealer}: {byDealer.Journeys} journeys in {dealerMs:0} ms");
        }

        var median = Stats.Percentile(funnelMs, 50);
        var raw = Stats.Percentile(rawMs, 50);
        var rawJson = Stats.Percentile(rawJsonMs, 50);
        var rawTags = Stats.Percentile(rawTagsMs, 50);
        var clientScan = Stats.Percentile(clientMs, 50);
        var clientJson = Stats.Percentile(clientJsonMs, 50);
        double PerSecond(double ms) => count / ms * 1000;
        double MicrosPerJourney(double ms) => Math.Round(ms * 1000 / count, 2);
        Report.Line(
            "funnel",
            ("journeys", count),
            ("variants", variants.Count),
            ("dealers", dealers),
            ("trials", trials),
            ("ms_median", Math.Round(median, 1)),
            ("ms_trials", string.Join('/', funnelMs.Select(m => Report.Format(Math.Round(m, 1))))),
            ("cold_ms", Math.Round(coldMs, 1)),
            ("dealer_ms", Math.Round(dealerMs, 1)),
            ("dealer_journeys", expectedDealer),
            ("journeys_per_s", PerSecond(median)),
            ("client_rows_per_s", PerSecond(clientScan)),
            ("client_json_rows_per_s", PerSecond(clientJson)),
            ("raw_rows_per_s", PerSecond(raw)),
            ("raw_json_rows_per_s", PerSecond(rawJson)),
            ("raw_tags_rows_per_s", PerSecond(rawTags)),
            ("ratio_to_raw", raw / median),
            ("ratio_to_raw_json", rawJson / median),
            ("us_per_journey", MicrosPerJourney(median)),
            ("us_client_scan", MicrosPerJourney(clientScan)),
            ("us_client_json", MicrosPerJourney(clientJson)),
            ("us_raw", MicrosPerJourney(raw)),
            ("us_raw_json", MicrosPerJourney(rawJson)),
            ("us_raw_tags", MicrosPerJourney(rawTags)),
            ("alloc_bytes_per_journey", Stats.Percentile(allocated, 50)),
            ("db_mb", dbMegabytes),
            ("bytes_per_journey", dbBytes / count));
    }

    private static int[] Gcs() => [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    private static void Check(FunnelReport report, int count, int running, int purchase)
    {
        var purchased = report.Goals.FirstOrDefault(g => g.Goal == "purchase")?.Reached;
        if (report.Journeys != count || report.Scanned != count || report.Truncated
            || report.Statuses.GetValueOrDefault(nameof(OrchestrationRuntimeStatus.Running)) != running || purchased != purchase)
        {
            throw new InvalidOperationException(
                $"The funnel counted {report.Journeys} journeys of {report.Scanned} scanned (truncated: {report.Truncated}), " +
                $"{report.Statuses.GetValueOrDefault(nameof(OrchestrationRuntimeStatus.Running))} running, {purchased} purchases; " +
                $"expected {count}, {running} running, {purchase} purchases.");
        }
    }

    /// <summary>
    /// The SDK client's scan alone, as FunnelAnalytics asks for it (inputs and custom statuses fetched, pages of 1,000): no
    /// JSON, or with <paramref name="deserialize"/> each custom status deserialized as FunnelAnalytics does, but no tally.
    /// </summary>
    private static async Task<double> ClientScanAsync(DurableTaskClient client, int count, bool deserialize)
    {
        var clock = Stopwatch.StartNew();
        var rows = 0;
        var chars = 0L;
        await foreach (var instance in client.GetAllInstancesAsync(new OrchestrationQuery { FetchInputsAndOutputs = true, PageSize = 1000 }))
        {
            rows++;
            chars += deserialize
                ? JsonSerializer.Deserialize<JourneyStatus>(instance.SerializedCustomStatus!, JsonData.Options)!.GoalsReached.Count
                : instance.SerializedCustomStatus?.Length ?? 0;
        }

        var ms = clock.Elapsed.TotalMilliseconds;
        if (rows != count || chars == 0)
        {
            throw new InvalidOperationException($"The client scan read {rows} instances, expected {count}.");
        }

        return ms;
    }

    /// <summary>
    /// The storage's own speed for the same data: one query over all rows, every column read as a string; with
    /// <paramref name="deserialize"/> each custom status also deserialized to <see cref="JourneyStatus"/> (the floor of any
    /// design that reads statuses); with <paramref name="tags"/> a prepared point query on <c>instance_tags</c> per row (what
    /// the store's query does for every instance). Returns milliseconds.
    /// </summary>
    private static double Raw(string db, bool deserialize, bool tags, int count)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var tagQuery = connection.CreateCommand();
        tagQuery.CommandText = "SELECT key, value FROM instance_tags WHERE instance_id = $id";
        var tagId = tagQuery.Parameters.Add("$id", SqliteType.Text);
        tagQuery.Prepare();
        var clock = Stopwatch.StartNew();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        tagQuery.Transaction = transaction;
        command.CommandText = "SELECT instance_id, name, status, custom_status, input FROM instances ORDER BY instance_id";
        var rows = 0;
        var chars = 0L;
        var goals = 0;
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var id = reader.GetString(0);
                var name = reader.GetString(1);
                var status = reader.GetString(2);
                var custom = reader.GetString(3);
                var input = reader.GetString(4);
                chars += id.Length + name.Length + status.Length + custom.Length + input.Length;
                if (deserialize)
                {
                    goals += JsonSerializer.Deserialize<JourneyStatus>(custom, JsonData.Options)!.GoalsReached.Count;
                }

                if (tags)
                {
                    tagId.Value = id;
                    using var tagReader = tagQuery.ExecuteReader();
                    while (tagReader.Read())
                    {
                        chars += tagReader.GetString(0).Length + tagReader.GetString(1).Length;
                    }
                }

                rows++;
            }
        }

        transaction.Commit();
        var ms = clock.Elapsed.TotalMilliseconds;
        if (rows != count || chars == 0 || (deserialize && goals == 0))
        {
            throw new InvalidOperationException($"The raw read saw {rows} rows, expected {count}.");
        }

        return ms;
    }

    /// <summary>N journey rows in one transaction, synchronous=OFF (set-up only): variant i % variants, dealer (i / variants) % dealers.</summary>
    private static void Seed(string db, int count, int dealers, IReadOnlyList<Variant> variants)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        using (var pragmas = connection.CreateCommand())
        {
            pragmas.CommandText =
                """
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = OFF;
                PRAGMA cache_size = -262144;
                BEGIN IMMEDIATE;
                CREATE TEMP TABLE v (k INTEGER PRIMARY KEY, status TEXT NOT NULL, custom_status TEXT NOT NULL, output TEXT);
                """;
            pragmas.ExecuteNonQuery();
        }

        using (var variant = connection.CreateCommand())
        {
            variant.CommandText = "INSERT INTO v (k, status, custom_status, output) VALUES ($k, $status, $custom, $output)";
            for (var k = 0; k < variants.Count; k++)
            {
                variant.Parameters.Clear();
                variant.Parameters.AddWithValue("$k", k);
                variant.Parameters.AddWithValue("$status", variants[k].Status.ToString());
                variant.Parameters.AddWithValue("$custom", variants[k].CustomStatus);
                variant.Parameters.AddWithValue("$output", (object?)variants[k].Output ?? DBNull.Value);
                variant.ExecuteNonQuery();
            }
        }

        var start = DateTimeOffset.UtcNow.AddDays(-365).ToUnixTimeMilliseconds();
        using var seed = connection.CreateCommand();
        seed.CommandTimeout = 0;
        seed.CommandText =
            """
            WITH RECURSIVE c (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < $count - 1)
            INSERT INTO instances (instance_id, execution_id, name, version, status, input, output, custom_status, failure,
                created_at, updated_at, completed_at, lock_token, lock_until, etag)
            SELECT printf('j-new-car-purchase-%032x', c.i), printf('%032x', c.i), $name, NULL, v.status,
                replace(replace($input, $dealerMark, printf('dealer-%03d', (c.i / $variants) % $dealers)), $customerMark, printf('customer-%07d', c.i)),
                v.output, replace(v.custom_status, $dealerMark, printf('dealer-%03d', (c.i / $variants) % $dealers)), NULL,
                $start + c.i * 300, $start + c.i * 300 + 86400000,
                CASE WHEN v.status = 'Completed' THEN $start + c.i * 300 + 86400000 END, NULL, NULL, 5
            FROM c JOIN v ON v.k = c.i % $variants ORDER BY c.i;
            DROP TABLE v;
            COMMIT;
            PRAGMA wal_checkpoint(TRUNCATE);
            """;
        seed.Parameters.AddWithValue("$count", count);
        seed.Parameters.AddWithValue("$dealers", dealers);
        seed.Parameters.AddWithValue("$variants", variants.Count);
        seed.Parameters.AddWithValue("$name", JourneyNames.Orchestration);
        seed.Parameters.AddWithValue("$input", Input());
        seed.Parameters.AddWithValue("$dealerMark", DealerMark);
        seed.Parameters.AddWithValue("$customerMark", CustomerMark);
        seed.Parameters.AddWithValue("$start", start);
        seed.ExecuteNonQuery();

        using var verify = connection.CreateCommand();
        verify.CommandText = "SELECT COUNT(*) FROM instances WHERE name = $name";
        verify.Parameters.AddWithValue("$name", JourneyNames.Orchestration);
        if ((long)verify.ExecuteScalar()! != count)
        {
            throw new InvalidOperationException($"Seeding did not leave {count} journeys.");
        }
    }

    private static string DealerId(int index) => $"dealer-{index:D3}";

    /// <summary>A journey's input as an entry event (brochure.downloaded) starts it: customer snapshot, data, trigger.</summary>
    private static string Input()
    {
        var customer = new CustomerProfile
        {
            Id = CustomerMark,
            DealerId = DealerMark,
            Email = "jane.doe@example.com",
            FirstName = "Jane",
            LastName = "Doe",
            Locale = "nl-NL",
            TimeZone = "Europe/Amsterdam",
            Consent = new ConsentSettings { Email = true },
            UpdatedAt = new DateTimeOffset(2025, 3, 14, 9, 26, 53, TimeSpan.Zero),
        };
        var data = new JsonObject { ["model"] = "ID.4 Pro", ["brochureId"] = "br-2025-id4", ["source"] = "website" };
        return JsonData.Serialize(new JourneyInput
        {
            TemplateId = TemplateId,
            TemplateVersion = 1,
            DealerId = DealerMark,
            CustomerId = CustomerMark,
            Customer = JsonSerializer.SerializeToNode(customer, JsonData.Options)!.AsObject(),
            Data = (JsonObject)data.DeepClone(),
            Trigger = new JsonObject
            {
                ["name"] = "brochure.downloaded",
                ["eventId"] = "evt-3f2a9c1e5b7d4e08a6c2",
                ["occurredAt"] = "2025-03-14T09:26:53.0000000+00:00",
                ["data"] = data,
            },
        })!;
    }

    private sealed record Variant(InstanceStatus Status, string CustomStatus, string? Output, IReadOnlyList<string> Goals);

    /// <summary>
    /// Journeys at different points of new-car-purchase, each as the interpreter would publish it: the steps entered in
    /// order, how each wait ended (the event that woke it, or <see cref="JourneyPath.Timeout"/>), the goals reached.
    /// </summary>
    private static List<Variant> Variants()
    {
        string[] exitAndGoals = ["customer.unsubscribed", "contract.signed", "vehicle.delivered", "quote.accepted"];
        var due = DateTimeOffset.UtcNow.AddDays(3);
        var list = new List<Variant>();

        void Add(InstanceStatus status, string phase, string current, string[]? waitingFor, bool timer, string[] goals, int iteration, PathBuilder path, string? reason = null)
        {
            var running = status == InstanceStatus.Running;
            var json = JsonData.Serialize(new JourneyStatus
            {
                TemplateId = TemplateId,
                TemplateVersion = 1,
                DealerId = DealerMark,
                Phase = phase,
                CurrentStep = current,
                WaitingFor = running ? [.. (waitingFor ?? []).Concat(exitAndGoals).Distinct(StringComparer.Ordinal)] : [],
                NextTimerDue = running && timer ? due : null,
                GoalsReached = goals,
                Iteration = iteration,
                Path = path.Build(),
            })!;
            var output = running ? null : JsonData.Serialize(new JourneyResult { Reason = reason!, LastStep = current, Phase = phase, GoalsReached = goals, Iteration = iteration });
            list.Add(new Variant(status, json, output, goals));
        }

        // 1. Brochure downloaded, follow-up sent; waits a day for a booking.
        var brochure = new PathBuilder().Step("brochure-follow-up", "wait-booking-before-invite");
        Add(InstanceStatus.Running, "communication", "wait-booking-before-invite", ["testdrive.booked", "quote.sent"], true, [], 0, brochure.Copy());

        // 2. Invited, no booking, called; waits 30 days.
        var called = brochure.Copy().Waited("wait-booking-before-invite", JourneyPath.Timeout)
            .Step("testdrive-invitation", "wait-booking").Waited("wait-booking", JourneyPath.Timeout)
            .Step("call-testdrive-invite", "wait-booking-after-call");
        Add(InstanceStatus.Running, "communication", "wait-booking-after-call", ["testdrive.booked", "quote.sent"], true, [], 0, called.Copy());

        // 3. No interest: ended after the call.
        Add(InstanceStatus.Completed, "communication", "no-interest-end", null, false, [], 0,
            called.Copy().Waited("wait-booking-after-call", JourneyPath.Timeout).Step("no-interest-end"), "end");

        // 4. Unsubscribed while waiting after the invitation.
        Add(InstanceStatus.Completed, "communication", "wait-booking", null, false, [], 0,
            brochure.Copy().Waited("wait-booking-before-invite", JourneyPath.Timeout).Step("testdrive-invitation", "wait-booking")
                .Waited("wait-booking", "customer.unsubscribed"), "exit:customer.unsubscribed");

        // 5. Booked a test drive on their own; waits for the day before it.
        var booked = brochure.Copy().Waited("wait-booking-before-invite", "testdrive.booked")
            .Step("testdrive-booked", "has-testdrive-date", "wait-testdrive-reminder");
        Add(InstanceStatus.Running, "choice", "wait-testdrive-reminder", null, true, [], 0, booked.Copy());

        // 6. Test drive done, quote sent, called; waits for the answer.
        var quoted = booked.Copy().Waited("wait-testdrive-reminder", JourneyPath.Timeout)
            .Step("testdrive-reminder", "wait-testdrive-done").Waited("wait-testdrive-done", "testdrive.completed")
            .Step("wait-quote").Waited("wait-quote", "quote.sent")
            .Step("quote-follow-up", "call-quote-reaction", "wait-quote-answer");
        Add(InstanceStatus.Running, "choice", "wait-quote-answer", ["quote.accepted", "quote.rejected"], true, [], 0, quoted.Copy());

        // 7. Quote rejected, sharper offer never answered: no deal.
        Add(InstanceStatus.Completed, "choice", "no-deal-end", null, false, [], 0,
            quoted.Copy().Waited("wait-quote-answer", "quote.rejected").Step("prepare-sharper-offer", "wait-revised-quote")
                .Waited("wait-revised-quote", JourneyPath.Timeout).Step("no-deal-end"), "end");

        // 8. Bought: quote accepted, contract signed (a goal jump), delivery date sent; waits for the delivery.
        var bought = quoted.Copy().Waited("wait-quote-answer", "quote.accepted").Step("wait-contract").Waited("wait-contract", "contract.signed")
            .Step("wait-payment").Waited("wait-payment", "payment.received").Step("wait-delivery-date").Waited("wait-delivery-date", "delivery.scheduled")
            .Step("delivery-date-confirmation", "wait-delivery");
        Add(InstanceStatus.Running, "purchase", "wait-delivery", ["vehicle.delivered", "delivery.scheduled"], true, ["quote-accepted", "purchase"], 0, bought.Copy());

        // 9. Delivered, satisfaction call made; waits for the 3,000 km report.
        var delivered = bought.Copy().Waited("wait-delivery", "vehicle.delivered")
            .Step("delivered", "wait-satisfaction-call").Waited("wait-satisfaction-call", JourneyPath.Timeout)
            .Step("satisfaction-call", "wait-3000km");
        Add(InstanceStatus.Running, "usage", "wait-3000km", ["odometer.reported"], true, ["quote-accepted", "purchase", "delivered"], 0, delivered.Copy());

        // 10. Three service years on: waits for the next service.
        var years = delivered.Copy().Waited("wait-3000km", "odometer.reported").Step("check-3000km", "km-check-invitation", "wait-first-service")
            .Waited("wait-first-service", JourneyPath.Timeout).Step("yearly-service-invitation", "wait-service");
        for (var year = 0; year < 3; year++)
        {
            years.Waited("wait-service", year == 1 ? JourneyPath.Timeout : "service.completed")
                .Step("wait-first-seasonal-check").Waited("wait-first-seasonal-check", JourneyPath.Timeout)
                .Step("first-seasonal-check", "wait-second-seasonal-check").Waited("wait-second-seasonal-check", JourneyPath.Timeout)
                .Step("second-seasonal-check", "wait-next-service-year").Waited("wait-next-service-year", JourneyPath.Timeout)
                .Step("next-service-year", "yearly-service-invitation", "wait-service");
        }

        Add(InstanceStatus.Running, "usage", "wait-service", ["service.completed"], true, ["quote-accepted", "purchase", "delivered"], 3, years);
        return list;
    }

    /// <summary>Builds a <see cref="JourneyPath"/>: steps in the order first entered, wait outcomes counted.</summary>
    private sealed class PathBuilder
    {
        private readonly List<string> _steps = [];
        private readonly Dictionary<string, Dictionary<string, int>> _waits = new(StringComparer.Ordinal);

        public PathBuilder Step(params string[] steps)
        {
            foreach (var step in steps)
            {
                if (!_steps.Contains(step))
                {
                    _steps.Add(step);
                }
            }

            return this;
        }

        public PathBuilder Waited(string step, string outcome)
        {
            if (!_waits.TryGetValue(step, out var outcomes))
            {
                _waits[step] = outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            return this;
        }

        public PathBuilder Copy()
        {
            var copy = new PathBuilder().Step([.. _steps]);
            foreach (var (step, outcomes) in _waits)
            {
                foreach (var (outcome, n) in outcomes)
                {
                    for (var i = 0; i < n; i++)
                    {
                        copy.Waited(step, outcome);
                    }
                }
            }

            return copy;
        }

        public JourneyPath Build() => new()
        {
            Steps = [.. _steps],
            Waits = _waits.ToDictionary(w => w.Key, w => new Dictionary<string, int>(w.Value, StringComparer.Ordinal), StringComparer.Ordinal),
        };
    }

}
