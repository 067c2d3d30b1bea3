using System.Diagnostics;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// The footprint of a host over a store full of parked instances: start-up time, resident memory, and CPU used while idle.
/// </summary>
/// <remarks>
/// Seeding is set-up: one template instance is started by the real runtime until it waits (on an event and a 30-day timer),
/// then its rows (instance, history, timer message) are copied N-1 times with SQL in the store's own schema, each copy with
/// its own instance id and execution id. The host is then a fresh child process (this program, <c>idle-host &lt;db&gt;</c>).
/// </remarks>
internal static class IdleScenario
{
    private const string TemplateId = "idle-0000000";

    public static async Task RunAsync(BenchOptions options)
    {
        var count = options.Int("idle-instances", 1_000_000);
        var idleSeconds = options.Int("idle-seconds", 60);
        using var folder = new TempFolder("jo-bench-idle", options.Flag("keep"));
        var db = folder.File("idle.db");

        var seeding = Stopwatch.StartNew();
        await using (var host = new BenchHost(db))
        {
            await host.StartAsync();
            await host.Client.StartAsync(Orchestrations.Idle, null, new() { InstanceId = TemplateId });
            await EventsScenario.WaitAsync(() => host.Store.Started >= 1, TimeSpan.FromMinutes(1), "the template instance to wait");
        }

        Seed(db, count);
        var dbMegabytes = new FileInfo(db).Length / 1024.0 / 1024.0;
        Report.Progress($"idle: {count} waiting instances seeded in {seeding.Elapsed.TotalSeconds:0.0} s ({dbMegabytes:0} MB)");

        var start = new ProcessStartInfo(Environment.ProcessPath ?? throw new InvalidOperationException("No process path."))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (string.Equals(Path.GetFileNameWithoutExtension(start.FileName), "dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(IdleScenario).Assembly.Location);
        }

        start.ArgumentList.Add("idle-host");
        start.ArgumentList.Add(db);

        var clock = Stopwatch.StartNew();
        using var child = Process.Start(start) ?? throw new InvalidOperationException("The idle host did not start.");
        string? ready;
        while ((ready = await child.StandardOutput.ReadLineAsync()) is not null && !ready.StartsWith("READY", StringComparison.Ordinal))
        {
            Report.Progress($"idle-host: {ready}");
        }

        if (ready is null)
        {
            throw new InvalidOperationException("The idle host exited before it was ready.");
        }

        var startSeconds = clock.Elapsed.TotalSeconds;
        var rssStart = ProcFs.StatusMegabytes(child.Id, "VmRSS");
        var cpuStart = ProcFs.CpuSeconds(child.Id);
        Report.Progress($"idle: host ready after {startSeconds:0.000} s ({ready}), RSS {rssStart:0} MB, {cpuStart:0.00} CPU-s so far; idling {idleSeconds} s");
        await Task.Delay(TimeSpan.FromSeconds(idleSeconds));
        var cpuIdle = ProcFs.CpuSeconds(child.Id) - cpuStart;
        var rssEnd = ProcFs.StatusMegabytes(child.Id, "VmRSS");
        var rssPeak = ProcFs.StatusMegabytes(child.Id, "VmHWM");

        child.StandardInput.Close(); // asks the host to stop gracefully
        using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                await child.WaitForExitAsync(exit.Token);
            }
            catch (OperationCanceledException)
            {
                child.Kill();
            }
        }

        Report.Line(
            "idle",
            ("instances", count),
            ("db_mb", dbMegabytes),
            ("start_s", startSeconds),
            ("rss_mb", rssStart),
            ("rss_end_mb", rssEnd),
            ("rss_peak_mb", rssPeak),
            ("cpu_s_per_60s", cpuIdle * 60 / idleSeconds),
            ("start_cpu_s", cpuStart));
    }

    /// <summary>The child: open the store, run the worker service, say READY once both loops polled, stop when stdin closes.</summary>
    public static async Task<int> HostAsync(string db)
    {
        await using (var host = new BenchHost(db))
        {
            await host.StartAsync();
            await EventsScenario.WaitAsync(() => host.Store.WakeUpPolls >= 2, TimeSpan.FromMinutes(5), "both worker loops to poll");
            var sinceProcessStart = DateTime.Now - Process.GetCurrentProcess().StartTime;
            await Console.Out.WriteLineAsync(
                $"READY since_process_start_ms={sinceProcessStart.TotalMilliseconds:0} store_initialize_ms={host.Store.InitializeTime.TotalMilliseconds:0}");
            await Console.Out.FlushAsync();
            await Console.In.ReadToEndAsync();
        }

        return 0;
    }

    /// <summary>Copies the template's rows into <paramref name="count"/> - 1 more instances, in one transaction, synchronous=OFF (set-up only).</summary>
    private static void Seed(string db, int count)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString());
        connection.Open();
        string executionId;
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "SELECT execution_id, status FROM instances WHERE instance_id = $id";
            check.Parameters.AddWithValue("$id", TemplateId);
            using var reader = check.ExecuteReader();
            if (!reader.Read() || reader.GetString(1) != nameof(InstanceStatus.Running))
            {
                throw new InvalidOperationException("The template instance is not running.");
            }

            executionId = reader.GetString(0);
        }

        using var seed = connection.CreateCommand();
        seed.CommandTimeout = 0;
        seed.CommandText =
            """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = OFF;
            PRAGMA cache_size = -262144;
            BEGIN IMMEDIATE;
            CREATE TEMP TABLE n (i INTEGER PRIMARY KEY, id TEXT NOT NULL, execution_id TEXT NOT NULL);
            WITH RECURSIVE c (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < $count - 1)
            INSERT INTO n SELECT i, printf('idle-%07d', i), substr($exec, 1, 24) || printf('%08x', i) FROM c;
            INSERT INTO instances (instance_id, execution_id, name, version, status, input, output, custom_status, failure,
                created_at, updated_at, completed_at, lock_token, lock_until, etag)
            SELECT n.id, n.execution_id, t.name, t.version, t.status, t.input, t.output, t.custom_status, t.failure,
                t.created_at, t.updated_at, t.completed_at, NULL, NULL, t.etag
            FROM n CROSS JOIN (SELECT * FROM instances WHERE instance_id = $template) AS t ORDER BY n.i;
            INSERT INTO history (instance_id, seq, event)
            SELECT n.id, h.seq, replace(h.event, $exec, n.execution_id)
            FROM n CROSS JOIN (SELECT * FROM history WHERE instance_id = $template) AS h ORDER BY n.i, h.seq;
            INSERT INTO messages (instance_id, execution_id, is_control, timer_seq, visible_at, dedup_id, event)
            SELECT n.id, n.execution_id, m.is_control, m.timer_seq, m.visible_at, m.dedup_id, m.event
            FROM n CROSS JOIN (SELECT * FROM messages WHERE instance_id = $template) AS m ORDER BY n.i, m.id;
            DROP TABLE n;
            COMMIT;
            PRAGMA wal_checkpoint(TRUNCATE);
            """;
        seed.Parameters.AddWithValue("$count", count);
        seed.Parameters.AddWithValue("$exec", executionId);
        seed.Parameters.AddWithValue("$template", TemplateId);
        seed.ExecuteNonQuery();

        using var verify = connection.CreateCommand();
        verify.CommandText = "SELECT (SELECT COUNT(*) FROM instances WHERE status = 'Running'), (SELECT COUNT(*) FROM messages WHERE timer_seq IS NOT NULL)";
        using var result = verify.ExecuteReader();
        result.Read();
        if (result.GetInt64(0) != count || result.GetInt64(1) != count)
        {
            throw new InvalidOperationException($"Seeding left {result.GetInt64(0)} running instances and {result.GetInt64(1)} timers, expected {count}.");
        }
    }
}
