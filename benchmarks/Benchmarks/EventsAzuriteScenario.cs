using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Testing;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// External events applied per second to many running instances on Azurite, through the client and the real worker
/// service over <see cref="AzureStorageJourneyStore"/>; and, in the same run and the same Azurite, the same unit of work
/// written directly with the Azure SDK (<see cref="RawAzureBaseline"/>) for comparison.
/// </summary>
internal static class EventsAzuriteScenario
{
    private const string Prefix = "bench";

    public static async Task RunAsync(BenchOptions options)
    {
        var instances = options.Int("instances", 500);
        var perInstance = options.Int("events-per-instance", 2);
        var concurrency = options.Int("concurrency", 64);
        var rawConcurrency = options.Int("raw-concurrency", concurrency);
        var trials = options.Int("trials", 1);
        var partitions = options.Int("partitions", 4);
        var events = instances * perInstance;

        var folder = AzuriteProcess.Folder(typeof(EventsAzuriteScenario).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AzuriteFolder").Value!);
        Report.Progress($"events-azurite: starting Azurite {AzuriteProcess.Version} from {folder}");
        await using var azurite = await AzuriteProcess.StartAsync(folder);

        var counter = new RequestCounter();
        var storeOptions = new AzureStorageOptions
        {
            ConnectionString = azurite.ConnectionString,
            NamePrefix = Prefix,
            PartitionCount = partitions,
            RequestPolicyForTests = counter,
        };

        var results = new List<Trial>();
        bool verified;
        await using (var host = BenchHost.CreateAzure(storeOptions, options))
        {
            await host.StartAsync();
            var store = host.Store;

            // ---- set-up (not timed): every instance started and parked in its wait ----
            await EventsScenario.StartParkedAsync(host, "events-azurite", instances, concurrency, TimeSpan.FromMinutes(10));

            // Warm-up (not timed): one event to each instance, so the raise and apply paths are jitted before timing.
            var warmUp = await RaiseAllAsync(host, counter, azurite, instances, instances, concurrency, store.EventsApplied);
            Report.Progress($"events-azurite: warm-up, {instances} events applied at {warmUp.EventsPerSecond:0}/s");

            // ---- timed trials, each followed by its raw twins on the same Azurite ----
            for (var trial = 1; trial <= trials; trial++)
            {
                // Doorbells left over from earlier phases would slow every queue call (Azurite scans all messages of the
                // account on each), and they are only wake-ups for work already done: cleared, not timed.
                var leftBefore = await ClearDoorbellsAsync(azurite.ConnectionString, partitions);
                Report.Progress($"events-azurite: cleared {leftBefore} doorbells left by the set-up and earlier phases (all their work is applied)");
                var result = await RaiseAllAsync(host, counter, azurite, instances, events, concurrency, store.EventsApplied);
                // The trial's own leftover doorbells go too, so that they do not slow the raw runs: each would have cost the
                // runtime one more queue delete later (reported as doorbells_left_per_event).
                result = result with { DoorbellsLeftPerEvent = (double)await ClearDoorbellsAsync(azurite.ConnectionString, partitions) / events };
                Report.Progress($"events-azurite: {result.DoorbellsLeftPerEvent:0.00} doorbells per event were still in the queues after the trial (cleared)");
                var rawBatch = Math.Clamp((int)Math.Round(result.EventsPerEpisode), 1, perInstance);
                // The raw tables start with as many history rows per instance as the runtime's had when the trial began:
                // Azurite scans a whole table for every query, so equal table sizes keep the comparison fair.
                var raw = await RawAzureBaseline.RunAsync(azurite, $"raw{trial}", instances, perInstance, rawBatch, rawConcurrency, partitions, result.HistoryAtStart, indexed: true);
                var rawTables = await RawAzureBaseline.RunAsync(azurite, $"rawt{trial}", instances, perInstance, rawBatch, rawConcurrency, partitions, result.HistoryAtStart, indexed: false);
                result = result with { RawBatch = rawBatch, Raw = raw, RawTables = rawTables };
                Report.Progress($"events-azurite: trial {trial}: {result.EventsPerSecond:0}/s vs raw {raw.EventsPerSecond:0}/s ({rawBatch} events per apply): ratio {result.EventsPerSecond / raw.EventsPerSecond:0.00}; " +
                    $"raw tables only {rawTables.EventsPerSecond:0}/s: ratio {result.EventsPerSecond / rawTables.EventsPerSecond:0.00}");
                results.Add(result);
            }

            verified = await VerifyAsync(host, azurite.ConnectionString, instances, 1 + (trials * perInstance));
        }

        var median = results.OrderBy(r => r.EventsPerSecond / r.Raw!.EventsPerSecond).ElementAt(results.Count / 2);
        string Each(Func<Trial, double> value) => string.Join('/', results.Select(r => Report.Format(value(r))));
        Report.Line(
            "events-azurite",
            ("instances", instances),
            ("events", events),
            ("concurrency", concurrency),
            ("raw_concurrency", rawConcurrency),
            ("partitions", partitions),
            ("trials", trials),
            ("events_per_sec", median.EventsPerSecond),
            ("raise_s", median.RaiseSeconds),
            ("episodes", median.Episodes),
            ("events_per_episode", median.EventsPerEpisode),
            ("requests_per_event", median.RequestsPerEvent),
            ("doorbells_left_per_event", median.DoorbellsLeftPerEvent),
            ("raw_batch", median.RawBatch),
            ("raw_per_sec", median.Raw!.EventsPerSecond),
            ("raw_requests_per_event", median.Raw.RequestsPerEvent),
            ("ratio", median.EventsPerSecond / median.Raw.EventsPerSecond),
            ("raw_tables_per_sec", median.RawTables!.EventsPerSecond),
            ("raw_tables_requests_per_event", median.RawTables.RequestsPerEvent),
            ("ratio_tables", median.EventsPerSecond / median.RawTables.EventsPerSecond),
            ("azurite_cores", median.AzuriteCores),
            ("raw_azurite_cores", median.Raw.AzuriteCores),
            ("azurite_cpu_ms_per_event", median.AzuriteCpuMsPerEvent),
            ("raw_azurite_cpu_ms_per_event", median.Raw.AzuriteCpuMsPerEvent),
            ("raw_tables_azurite_cpu_ms_per_event", median.RawTables.AzuriteCpuMsPerEvent),
            ("process_cores", median.ProcessCores),
            ("events_per_sec_trials", Each(r => r.EventsPerSecond)),
            ("raw_per_sec_trials", Each(r => r.Raw!.EventsPerSecond)),
            ("ratio_trials", Each(r => r.EventsPerSecond / r.Raw!.EventsPerSecond)),
            ("verified", verified));
    }

    /// <summary>Raises <paramref name="events"/> events round-robin over the instances and waits until all are applied.</summary>
    private static async Task<Trial> RaiseAllAsync(BenchHost host, RequestCounter counter, AzuriteProcess azurite, int instances, int events, int concurrency, long appliedBefore)
    {
        var store = host.Store;
        var historyAtStart = (await store.GetHistoryAsync(InstanceId(0))).Count;
        var commitsBefore = store.Commits;
        var lockBefore = store.LockStats;
        var wakeUpsBefore = store.WakeUpPolls;
        var requestsBefore = counter.Snapshot();
        var azuriteCpuBefore = ProcFs.CpuSeconds(azurite.ProcessId);
        var processCpuBefore = ProcFs.CpuSeconds(Environment.ProcessId);
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, events),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (k, ct) =>
            {
                var result = await host.Client.RaiseEventAsync(InstanceId(k % instances), "ping", 1, cancellationToken: ct);
                if (result != EnqueueResult.Accepted)
                {
                    throw new InvalidOperationException($"Event {k} was not accepted: {result}.");
                }
            });
        var raiseSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await EventsScenario.WaitAsync(() => store.EventsApplied >= appliedBefore + events, TimeSpan.FromMinutes(10), "every event to be applied");
        var elapsed = Stopwatch.GetElapsedTime(started, store.LastEventCommitTicks).TotalSeconds;
        var requestsAfter = counter.Snapshot();
        var azuriteCpu = ProcFs.CpuSeconds(azurite.ProcessId) - azuriteCpuBefore;
        var processCores = (ProcFs.CpuSeconds(Environment.ProcessId) - processCpuBefore) / elapsed;
        var episodes = store.Commits - commitsBefore;
        var lockAfter = store.LockStats;
        var perEvent = RequestCounter.TotalPerEvent(requestsBefore, requestsAfter, events);
        Report.Progress($"events-azurite: {events} applied in {elapsed:0.00} s ({events / elapsed:0}/s); all raised after {raiseSeconds:0.00} s; {episodes} episodes " +
            $"({(double)events / episodes:0.00} events each); {lockAfter.Calls - lockBefore.Calls} dispatcher polls locked {lockAfter.Items - lockBefore.Items} instances in " +
            $"{(lockAfter.Time - lockBefore.Time).TotalSeconds:0.00} s; {store.WakeUpPolls - wakeUpsBefore} wake-up queries; Azurite on CPU {azuriteCpu / elapsed:0.00} cores " +
            $"({azuriteCpu * 1000 / events:0.0} ms per event), this process {processCores:0.00} of {Environment.ProcessorCount}");
        Report.Progress($"events-azurite: {perEvent:0.00} storage requests per event: {RequestCounter.PerEvent(requestsBefore, requestsAfter, events)}");
        Report.Progress($"events-azurite: mean latency so far: {counter.MeanLatencies()}");
        return new Trial(events / elapsed, raiseSeconds, episodes, (double)events / episodes, perEvent, azuriteCpu / elapsed, azuriteCpu * 1000 / events, processCores)
        {
            HistoryAtStart = historyAtStart,
        };
    }

    private sealed record Trial(
        double EventsPerSecond, double RaiseSeconds, long Episodes, double EventsPerEpisode, double RequestsPerEvent, double AzuriteCores, double AzuriteCpuMsPerEvent, double ProcessCores)
    {
        /// <summary>Doorbells still in the control queues when the last event was applied, per event (each a later queue delete).</summary>
        public double DoorbellsLeftPerEvent { get; init; }

        /// <summary>History rows of an instance when the trial began (the raw baseline seeds as many).</summary>
        public int HistoryAtStart { get; init; }
        public int RawBatch { get; init; }
        public RawAzureBaseline.Result? Raw { get; init; }
        public RawAzureBaseline.Result? RawTables { get; init; }
    }

    private static string InstanceId(int i) => $"ev-{i:D6}";

    /// <summary>Counts and clears the doorbells in the store's control queues (not through the store's counted clients).</summary>
    private static async Task<long> ClearDoorbellsAsync(string connectionString, int partitions)
    {
        var queues = new QueueServiceClient(connectionString);
        long total = 0;
        for (var i = 0; i < partitions; i++)
        {
            var queue = queues.GetQueueClient($"{Prefix}-control-{i:D2}");
            total += (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            await queue.ClearMessagesAsync();
        }

        return total;
    }

    /// <summary>
    /// After the run (not timed): every instance's history holds exactly one received event per event raised to it
    /// (warm-up included), and no inbox row is left in the table.
    /// </summary>
    private static async Task<bool> VerifyAsync(BenchHost host, string connectionString, int instances, int eventsEach)
    {
        var wrong = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, instances), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var history = await host.Store.GetHistoryAsync(InstanceId(i), ct);
            if (history.Count(e => e is ExternalEventReceived) != eventsEach)
            {
                Interlocked.Increment(ref wrong);
            }
        });

        var table = new TableClient(connectionString, Prefix + "Instances");
        var left = 0;
        await foreach (var row in table.QueryAsync<TableEntity>(
            TableClient.CreateQueryFilter($"RowKey ge {"m-"} and RowKey lt {"m."}"), select: ["PartitionKey", "RowKey"]))
        {
            left++;
        }

        if (wrong != 0 || left != 0)
        {
            Report.Progress($"events-azurite: VERIFY FAILED: {wrong} instances without exactly {eventsEach} received events, {left} inbox rows left");
            return false;
        }

        return true;
    }
}

/// <summary>
/// The floor the runtime on Azurite is compared against: the unit of work of one external event written directly with the
/// Azure SDK in the store's own layout (<c>docs/azure-storage.md</c>), with none of the runtime's locking, history reads or
/// replay. The instances are seeded (not timed) with as many history rows as the runtime's have, so that the tables are
/// about the same size (Azurite scans the whole table for every query). Per instance (up to <c>concurrency</c> instances at once), per group of <c>batch</c> events:
/// <list type="number">
/// <item><b>accept</b>, per event: one entity-group transaction writing the inbox row and the message counter (the
/// client's durable acknowledgement); when <c>indexed</c>, also the schedule entry of that message (one transaction on
/// the schedule table, as the store writes it) and a doorbell (one queue send);</item>
/// <item><b>apply</b>, per group: one query reading the instance row, the counter and the inbox; one entity-group
/// transaction replacing the instance row by its ETag (status, time, history length), inserting the history rows
/// (an <see cref="EpisodeStarted"/> and one <see cref="ExternalEventReceived"/> per event) and deleting the inbox rows;
/// when <c>indexed</c>, one transaction deleting the group's schedule entries and one queue delete per doorbell (by the
/// pop receipt its send returned: a raw loop knows its own work and never receives doorbells).</item>
/// </list>
/// So per event: 7 requests indexed, 3 tables only (with one event per apply).
/// </summary>
internal static class RawAzureBaseline
{
    internal sealed record Result(double EventsPerSecond, double RequestsPerEvent, double AzuriteCores, double AzuriteCpuMsPerEvent);

    public static async Task<Result> RunAsync(
        AzuriteProcess azurite, string prefix, int instances, int perInstance, int batch, int concurrency, int partitions, int seedHistory, bool indexed)
    {
        var counter = new RequestCounter();
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        queueOptions.AddPolicy(counter, HttpPipelinePosition.PerCall);
        var tables = new TableServiceClient(azurite.ConnectionString, tableOptions);
        var queues = new QueueServiceClient(azurite.ConnectionString, queueOptions);
        var instanceTable = tables.GetTableClient(prefix + "Instances");
        var schedule = tables.GetTableClient(prefix + "Schedule");
        var controlQueues = Enumerable.Range(0, partitions).Select(i => queues.GetQueueClient($"{prefix}-control-{i:D2}")).ToArray();
        await instanceTable.CreateIfNotExistsAsync();
        await schedule.CreateIfNotExistsAsync();
        foreach (var queue in controlQueues)
        {
            await queue.CreateIfNotExistsAsync();
        }

        // Seeding (not timed): the instance row, counter and seedHistory history rows of every instance, shaped like the store's.
        var created = DateTimeOffset.UtcNow;
        var seedEvent = HistoryJson.Serialize(new EpisodeStarted { Timestamp = created });
        await Parallel.ForEachAsync(Enumerable.Range(0, instances), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var id = InstanceId(i);
            var rows = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.Add, new TableEntity(id, Keys.InstanceRow)
                {
                    ["InstanceId"] = id, ["ExecutionId"] = Guid.NewGuid().ToString("N"), ["Name"] = Orchestrations.PingLoop,
                    ["Status"] = nameof(InstanceStatus.Running), ["CreatedMs"] = created.ToUnixTimeMilliseconds(), ["UpdatedMs"] = created.ToUnixTimeMilliseconds(),
                    ["Input"] = "1000000", ["Tags"] = "{}", ["LockToken"] = string.Empty, ["LockUntilMs"] = 0L, ["HistoryEpoch"] = 0, ["HistoryCount"] = (long)seedHistory,
                }),
                new(TableTransactionActionType.Add, new TableEntity(id, Keys.CounterRow) { ["Value"] = 0L }),
            };
            rows.AddRange(Enumerable.Range(0, seedHistory).Select(h =>
                new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(id, Keys.History(0, h)) { ["Event"] = seedEvent })));
            foreach (var chunk in rows.Chunk(100))
            {
                await instanceTable.SubmitTransactionAsync(chunk, ct);
            }
        });

        var events = instances * perInstance;
        Report.Progress($"raw-azure ({(indexed ? "tables, schedule and doorbells" : "tables only")}): {events} events, {batch} per apply, {concurrency} instances at once");
        var requestsBefore = counter.Snapshot();
        var azuriteCpuBefore = ProcFs.CpuSeconds(azurite.ProcessId);
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, instances), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
        {
            var id = InstanceId(i);
            var pk = Keys.Encode(id);
            var schedulePartition = "o" + Keys.Partition(id, partitions).ToString("D2", CultureInfo.InvariantCulture);
            var queue = controlQueues[Keys.Partition(id, partitions)];
            long messageId = 0;
            for (var done = 0; done < perInstance; done += batch)
            {
                var count = Math.Min(batch, perInstance - done);
                var entries = new List<TableTransactionAction>(count);
                var doorbells = new List<SendReceipt>(count);

                // Accept: the event becomes durable in the instance's inbox (and, indexed, is scheduled and rung).
                for (var e = 0; e < count; e++)
                {
                    var at = DateTimeOffset.UtcNow;
                    var received = HistoryJson.Serialize(new ExternalEventReceived { Timestamp = at, Name = "ping", EventId = Guid.NewGuid().ToString("N"), Payload = "1" });
                    messageId++;
                    await instanceTable.SubmitTransactionAsync(
                    [
                        new(TableTransactionActionType.UpsertReplace, new TableEntity(pk, Keys.CounterRow) { ["Value"] = messageId }),
                        new(TableTransactionActionType.Add, new TableEntity(pk, Keys.Message(messageId))
                        {
                            ["InstanceId"] = id, ["VisibleMs"] = at.ToUnixTimeMilliseconds(), ["IsControl"] = false, ["Event"] = received,
                        }),
                    ], ct);
                    if (indexed)
                    {
                        var entry = new TableEntity(schedulePartition, Keys.Time(at.ToUnixTimeMilliseconds()) + "_" + pk + "_" + Keys.Message(messageId))
                        {
                            ["InstanceId"] = id, ["Target"] = Keys.Message(messageId),
                        };
                        await schedule.SubmitTransactionAsync([new(TableTransactionActionType.UpsertReplace, entry)], ct);
                        entries.Add(new(TableTransactionActionType.Delete, new TableEntity(entry.PartitionKey, entry.RowKey), ETag.All));
                        doorbells.Add((await queue.SendMessageAsync(at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "|" + id,
                            TimeSpan.Zero, TimeSpan.FromSeconds(-1), ct)).Value);
                    }
                }

                // Apply: read the instance and its inbox, then one transaction for history, instance row and inbox.
                var rows = new List<TableEntity>();
                await foreach (var row in instanceTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
                    $"PartitionKey eq {pk} and (RowKey eq {Keys.InstanceRow} or RowKey eq {Keys.CounterRow} or (RowKey ge {Keys.MessagePrefix} and RowKey lt {Keys.After(Keys.MessagePrefix)}))"),
                    cancellationToken: ct))
                {
                    rows.Add(row);
                }

                var instance = rows.Single(r => r.RowKey == Keys.InstanceRow);
                var inbox = rows.Where(r => r.RowKey.StartsWith(Keys.MessagePrefix, StringComparison.Ordinal)).ToList();
                if (inbox.Count != count)
                {
                    throw new InvalidOperationException($"Raw baseline: instance {id} has {inbox.Count} inbox rows, expected {count}.");
                }

                var now = DateTimeOffset.UtcNow;
                var historyCount = instance.GetInt64("HistoryCount") ?? 0;
                var actions = new List<TableTransactionAction>(2 + (2 * count));
                var history = new List<string> { HistoryJson.Serialize(new EpisodeStarted { Timestamp = now }) };
                history.AddRange(inbox.Select(m => m.GetString("Event")));
                foreach (var json in history)
                {
                    actions.Add(new(TableTransactionActionType.UpsertReplace, new TableEntity(pk, Keys.History(0, historyCount++)) { ["Event"] = json }));
                }

                instance["UpdatedMs"] = now.ToUnixTimeMilliseconds();
                instance["Status"] = nameof(InstanceStatus.Running);
                instance["HistoryCount"] = historyCount;
                actions.Add(new(TableTransactionActionType.UpdateReplace, instance, instance.ETag));
                actions.AddRange(inbox.Select(m => new TableTransactionAction(TableTransactionActionType.Delete, m, ETag.All)));
                await instanceTable.SubmitTransactionAsync(actions, ct);

                if (indexed)
                {
                    await schedule.SubmitTransactionAsync(entries, ct);
                    foreach (var doorbell in doorbells)
                    {
                        await queue.DeleteMessageAsync(doorbell.MessageId, doorbell.PopReceipt, ct);
                    }
                }
            }
        });

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var azuriteCpu = ProcFs.CpuSeconds(azurite.ProcessId) - azuriteCpuBefore;
        var requestsAfter = counter.Snapshot();
        var perEvent = RequestCounter.TotalPerEvent(requestsBefore, requestsAfter, events);
        Report.Progress($"raw-azure: {events / seconds:0}/s ({seconds:0.00} s); Azurite on CPU {azuriteCpu / seconds:0.00} cores ({azuriteCpu * 1000 / events:0.0} ms per event); " +
            $"{perEvent:0.00} requests per event: {RequestCounter.PerEvent(requestsBefore, requestsAfter, events)}; mean latency: {counter.MeanLatencies()}");
        return new Result(events / seconds, perEvent, azuriteCpu / seconds, azuriteCpu * 1000 / events);
    }

    private static string InstanceId(int i) => $"ev-{i:D6}";
}
