using System.Diagnostics;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// External events applied per second to many running instances, through the client and the real worker service,
/// on SQLite with synchronous=FULL; and the same unit of work written by hand with Microsoft.Data.Sqlite for comparison.
/// </summary>
internal static class EventsScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var instances = options.Int("instances", 10_000);
        var perInstance = options.Int("events-per-instance", 5);
        var concurrency = options.Int("concurrency", 256);
        var trials = options.Int("trials", 3);
        var events = instances * perInstance;
        using var folder = new TempFolder("jo-bench-events", options.Flag("keep"));
        var db = folder.File("events.db");

        var results = new List<Trial>();
        double single;
        await using (var host = BenchHost.Create(db, options))
        {
            await host.StartAsync();
            var store = host.Store;

            // ---- set-up (not timed): every instance started and parked in its wait ----
            await StartParkedAsync(host, "events", instances, concurrency, TimeSpan.FromMinutes(5));

            // Warm-up (not timed): one event to each instance, so the raise and apply paths are jitted before timing.
            var warmUp = await RaiseAllAsync(host, instances, instances, concurrency, 0);
            Report.Progress($"events: warm-up, {instances} events applied at {warmUp.EventsPerSecond:0}/s");

            // ---- timed trials, each followed by its raw SQLite twin, so that both see the same machine noise ----
            for (var trial = 1; trial <= trials; trial++)
            {
                var result = await RaiseAllAsync(host, instances, events, concurrency, store.EventsApplied);
                var rawBatch = double.IsNaN(result.EventsPerTransaction) ? 256 : Math.Clamp((int)Math.Round(result.EventsPerTransaction), 1, 256);
                result = result with
                {
                    RawBatch = rawBatch,
                    RawPerSecond = await RawSqliteBaseline.RunAsync(folder.File($"raw-{trial}.db"), instances, events, rawBatch),
                    Raw256PerSecond = await RawSqliteBaseline.RunAsync(folder.File($"raw256-{trial}.db"), instances, events, 256),
                };
                Report.Progress($"events: trial {trial}: {result.EventsPerSecond:0}/s vs raw {result.RawPerSecond:0}/s (COMMIT per {rawBatch}): ratio {result.EventsPerSecond / result.RawPerSecond:0.00}; " +
                    $"raw with COMMIT per 256 {result.Raw256PerSecond:0}/s");
                results.Add(result);
            }

            // One instance alone (the unit Durable Functions publishes: events per second per instance).
            single = await SingleInstanceAsync(host, options.Int("single-instance-events", 20_000), concurrency);
        }

        var verified = Verify(db, instances + (trials * events) + options.Int("single-instance-events", 20_000));
        var median = results.OrderBy(r => r.EventsPerSecond / r.RawPerSecond).ElementAt(results.Count / 2);
        string Each(Func<Trial, double> value) => string.Join('/', results.Select(r => Report.Format(value(r))));

        Report.Line(
            "events",
            ("instances", instances),
            ("events", events),
            ("concurrency", concurrency),
            ("trials", trials),
            ("events_per_sec", median.EventsPerSecond),
            ("raise_s", median.RaiseSeconds),
            ("episodes", median.Episodes),
            ("events_per_txn", median.EventsPerTransaction),
            ("requests_per_txn", median.RequestsPerTransaction),
            ("raw_batch", median.RawBatch),
            ("raw_per_sec", median.RawPerSecond),
            ("ratio", median.EventsPerSecond / median.RawPerSecond),
            ("raw256_per_sec", median.Raw256PerSecond),
            ("ratio256", median.EventsPerSecond / median.Raw256PerSecond),
            ("writer_thread_cpu", median.WriterBusy),
            ("process_cores", median.ProcessCores),
            ("single_instance_events_per_sec", single),
            ("events_per_sec_trials", Each(r => r.EventsPerSecond)),
            ("raw_per_sec_trials", Each(r => r.RawPerSecond)),
            ("ratio_trials", Each(r => r.EventsPerSecond / r.RawPerSecond)),
            ("verified", verified));
    }

    /// <summary>Raises <paramref name="events"/> events to ONE running instance, concurrently, until all are applied.</summary>
    private static async Task<double> SingleInstanceAsync(BenchHost host, int events, int concurrency)
    {
        var store = host.Store;
        var startedBefore = store.Started;
        await host.Client.StartAsync(Orchestrations.PingLoop, 1_000_000, new() { InstanceId = "single" });
        await WaitAsync(() => store.Started > startedBefore, TimeSpan.FromMinutes(1), "the single instance to wait");
        var appliedBefore = store.EventsApplied;
        var commitsBefore = store.Commits;
        var started = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, events),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (k, ct) => await host.Client.RaiseEventAsync("single", "ping", 1, cancellationToken: ct));
        await WaitAsync(() => store.EventsApplied >= appliedBefore + events, TimeSpan.FromMinutes(5), "every event of the single instance to be applied");
        var elapsed = Stopwatch.GetElapsedTime(started, store.LastEventCommitTicks).TotalSeconds;
        Report.Progress($"events: one instance: {events} events applied in {elapsed:0.00} s ({events / elapsed:0}/s) in {store.Commits - commitsBefore} episodes");
        return events / elapsed;
    }

    /// <summary>Raises <paramref name="events"/> events round-robin over the instances and waits until all are applied.</summary>
    private static async Task<Trial> RaiseAllAsync(BenchHost host, int instances, int events, int concurrency, long appliedBefore)
    {
        var store = host.Store;
        var writerBefore = store.WriterStats();
        var lockBefore = store.LockStats;
        var commitsBefore = store.Commits;
        var writerCpuBefore = ProcFs.ThreadCpuSeconds(WriterThread);
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
        await WaitAsync(() => store.EventsApplied >= appliedBefore + events, TimeSpan.FromMinutes(10), "every event to be applied");
        var elapsed = Stopwatch.GetElapsedTime(started, store.LastEventCommitTicks).TotalSeconds;
        var writerBusy = (ProcFs.ThreadCpuSeconds(WriterThread) - writerCpuBefore) / elapsed;
        var processCores = (ProcFs.CpuSeconds(Environment.ProcessId) - processCpuBefore) / elapsed;
        var episodes = store.Commits - commitsBefore;
        var lockAfter = store.LockStats;
        var writerAfter = store.WriterStats();
        var (perTransaction, requestsPerTransaction) = writerBefore is { } b && writerAfter is { } a && a.Batches > b.Batches
            ? ((double)events / (a.Batches - b.Batches), (double)(a.Requests - b.Requests) / (a.Batches - b.Batches))
            : (double.NaN, double.NaN);
        Report.Progress($"events: {events} applied in {elapsed:0.00} s ({events / elapsed:0}/s); all raised after {raiseSeconds:0.00} s; {episodes} episodes; " +
            $"{perTransaction:0.0} events and {requestsPerTransaction:0.0} write requests per SQLite transaction; " +
            $"{lockAfter.Calls - lockBefore.Calls} dispatcher polls, {(lockAfter.Time - lockBefore.Time).TotalSeconds:0.00} s inside LockNextOrchestrationsAsync; " +
            $"writer thread on CPU {writerBusy:P0}, process {processCores:0.00} of {Environment.ProcessorCount} cores");
        return new Trial(events / elapsed, raiseSeconds, episodes, perTransaction, requestsPerTransaction, writerBusy, processCores);
    }

    private sealed record Trial(
        double EventsPerSecond, double RaiseSeconds, long Episodes, double EventsPerTransaction, double RequestsPerTransaction, double WriterBusy, double ProcessCores)
    {
        public int RawBatch { get; init; }
        public double RawPerSecond { get; init; }
        public double Raw256PerSecond { get; init; }
    }

    /// <summary>The store's writer thread, as Linux truncates its name ("JourneyOrchestrator SQLite writer").</summary>
    internal const string WriterThread = "JourneyOrchestr";

    internal static string InstanceId(int i) => $"ev-{i:D6}";

    /// <summary>
    /// Set-up of both events scenarios (not timed): starts <paramref name="instances"/> <c>ping-loop</c> instances
    /// (<see cref="InstanceId"/>), <paramref name="concurrency"/> calls in flight, and waits until every first episode is
    /// committed, i.e. every instance is parked in its wait.
    /// </summary>
    internal static async Task StartParkedAsync(BenchHost host, string scenario, int instances, int concurrency, TimeSpan timeout)
    {
        Report.Progress($"{scenario}: starting {instances} instances");
        var setup = Stopwatch.StartNew();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, instances),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, ct) => await host.Client.StartAsync(Orchestrations.PingLoop, 1_000_000, new() { InstanceId = InstanceId(i) }, ct));
        await WaitAsync(() => host.Store.Started >= instances, timeout, "instances to reach their wait");
        Report.Progress($"{scenario}: {instances} instances waiting after {setup.Elapsed.TotalSeconds:0.0} s ({instances / setup.Elapsed.TotalSeconds:0}/s started and parked)");
    }

    internal static async Task WaitAsync(Func<bool> done, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (!done())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up waiting for {what} after {timeout}.");
            }

            if (deadline.Elapsed - lastReport > TimeSpan.FromSeconds(10))
            {
                lastReport = deadline.Elapsed;
                Report.Progress($"  still waiting for {what} ({deadline.Elapsed.TotalSeconds:0} s)");
            }

            await Task.Delay(2);
        }
    }

    /// <summary>After the run (not timed): the history holds exactly one received event per raise and no message is left.</summary>
    private static bool Verify(string db, int events)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM history WHERE event LIKE '{\"type\":\"ExternalEventReceived\"%'";
        var received = (long)count.ExecuteScalar()!;
        count.CommandText = "SELECT COUNT(*) FROM messages";
        var left = (long)count.ExecuteScalar()!;
        if (received != events || left != 0)
        {
            Report.Progress($"events: VERIFY FAILED: {received} events in history (expected {events}), {left} messages left");
            return false;
        }

        return true;
    }
}

/// <summary>
/// The floor the runtime is compared against: per event, read the instance row, insert two history rows (the received
/// event and an episode marker) and one message row, update the instance row; one COMMIT per <c>batch</c> events;
/// one thread, prepared statements, same schema (created by the store itself), WAL and synchronous=FULL.
/// </summary>
internal static class RawSqliteBaseline
{
    public static async Task<double> RunAsync(string db, int instances, int events, int batch)
    {
        // The store creates its own schema and pragmas on the file; then it lets go of it.
        await using (var store = new SqliteJourneyStore(new SqliteStoreOptions { Path = db }))
        {
            await store.InitializeAsync();
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL");
        Execute(connection, "PRAGMA synchronous = FULL");

        var now = DateTimeOffset.UtcNow;
        var nextSeq = new long[instances];
        var executionIds = new string[instances];
        Execute(connection, "BEGIN IMMEDIATE");
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText =
                """
                INSERT INTO instances (instance_id, execution_id, name, status, input, created_at, updated_at)
                VALUES ($id, $executionId, 'ping-loop', 'Running', '1000000', $now, $now)
                """;
            var id = insert.Parameters.Add("$id", SqliteType.Text);
            var executionId = insert.Parameters.Add("$executionId", SqliteType.Text);
            insert.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
            using var history = connection.CreateCommand();
            history.CommandText = "INSERT INTO history (instance_id, seq, event) VALUES ($id, $seq, $event)";
            var hId = history.Parameters.Add("$id", SqliteType.Text);
            var hSeq = history.Parameters.Add("$seq", SqliteType.Integer);
            var hEvent = history.Parameters.Add("$event", SqliteType.Text);
            for (var i = 0; i < instances; i++)
            {
                executionIds[i] = Guid.NewGuid().ToString("N");
                id.Value = $"ev-{i:D6}";
                executionId.Value = executionIds[i];
                insert.ExecuteNonQuery();
                HistoryEvent[] start =
                [
                    new EpisodeStarted { Timestamp = now },
                    new JourneyStarted { Timestamp = now, Name = "ping-loop", ExecutionId = executionIds[i], Input = "1000000" },
                ];
                foreach (var e in start)
                {
                    hId.Value = id.Value;
                    hSeq.Value = ++nextSeq[i];
                    hEvent.Value = HistoryJson.Serialize(e);
                    history.ExecuteNonQuery();
                }
            }
        }

        Execute(connection, "COMMIT");
        Execute(connection, "PRAGMA wal_checkpoint(TRUNCATE)");

        using var read = connection.CreateCommand();
        read.CommandText =
            "SELECT execution_id, name, version, status, input, output, custom_status, failure, created_at, updated_at, completed_at, lock_token, etag FROM instances WHERE instance_id = $id";
        var readId = read.Parameters.Add("$id", SqliteType.Text);
        using var insertHistory = connection.CreateCommand();
        insertHistory.CommandText = "INSERT INTO history (instance_id, seq, event) VALUES ($id, $seq, $event)";
        var historyId = insertHistory.Parameters.Add("$id", SqliteType.Text);
        var historySeq = insertHistory.Parameters.Add("$seq", SqliteType.Integer);
        var historyEvent = insertHistory.Parameters.Add("$event", SqliteType.Text);
        using var insertMessage = connection.CreateCommand();
        insertMessage.CommandText =
            "INSERT INTO messages (instance_id, execution_id, is_control, timer_seq, visible_at, dedup_id, event) VALUES ($id, NULL, 0, NULL, $visibleAt, NULL, $event)";
        var messageId = insertMessage.Parameters.Add("$id", SqliteType.Text);
        var messageVisibleAt = insertMessage.Parameters.Add("$visibleAt", SqliteType.Integer);
        var messageEvent = insertMessage.Parameters.Add("$event", SqliteType.Text);
        using var update = connection.CreateCommand();
        update.CommandText = "UPDATE instances SET status = $status, updated_at = $now, etag = etag + 1 WHERE instance_id = $id";
        var updateStatus = update.Parameters.Add("$status", SqliteType.Text);
        var updateNow = update.Parameters.Add("$now", SqliteType.Integer);
        var updateId = update.Parameters.Add("$id", SqliteType.Text);
        read.Prepare();
        insertHistory.Prepare();
        insertMessage.Prepare();
        update.Prepare();

        Report.Progress($"raw: {events} events, one COMMIT per {batch}");
        var started = Stopwatch.GetTimestamp();
        Execute(connection, "BEGIN IMMEDIATE");
        for (var k = 0; k < events; k++)
        {
            var i = k % instances;
            var id = $"ev-{i:D6}";
            var at = DateTimeOffset.UtcNow;
            string status;
            readId.Value = id;
            using (var reader = read.ExecuteReader())
            {
                if (!reader.Read())
                {
                    throw new InvalidOperationException($"No instance {id}.");
                }

                status = reader.GetString(3);
            }

            var received = HistoryJson.Serialize(new ExternalEventReceived { Timestamp = at, Name = "ping", EventId = Guid.NewGuid().ToString("N"), Payload = "1" });
            foreach (var json in (ReadOnlySpan<string>)[HistoryJson.Serialize(new EpisodeStarted { Timestamp = at }), received])
            {
                historyId.Value = id;
                historySeq.Value = ++nextSeq[i];
                historyEvent.Value = json;
                insertHistory.ExecuteNonQuery();
            }

            messageId.Value = id;
            messageVisibleAt.Value = at.ToUnixTimeMilliseconds();
            messageEvent.Value = received;
            insertMessage.ExecuteNonQuery();

            updateStatus.Value = status;
            updateNow.Value = at.ToUnixTimeMilliseconds();
            updateId.Value = id;
            update.ExecuteNonQuery();

            if ((k + 1) % batch == 0)
            {
                Execute(connection, "COMMIT");
                Execute(connection, "BEGIN IMMEDIATE");
            }
        }

        Execute(connection, "COMMIT");
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Report.Progress($"raw: {events / seconds:0}/s ({seconds:0.00} s)");
        return events / seconds;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
#pragma warning disable CA2100 // Constant SQL.
        command.CommandText = sql;
#pragma warning restore CA2100
        command.ExecuteNonQuery();
    }
}
