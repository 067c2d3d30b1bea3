using System.Collections.Concurrent;
using System.Diagnostics;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace JourneyOrchestrator.Core.Tests;

/// <summary>
/// Runs the runtime in a child process (tests/CrashHost) on SQLite, kills it with SIGKILL in the middle of a load of
/// events, timers and activities, kills the recovery once more, and then proves from the store that nothing accepted
/// was lost and nothing was applied twice.
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private const int Instances = 80;
    private const int Events = 6;
    private readonly string _dir = Directory.CreateTempSubdirectory("jo-crash-").FullName;

    [Fact]
    public async Task SigkillDuringLoad_ThenRecovery_EveryAcceptedEventAppliedOnce_TimersFired_NoEffectTwice()
    {
        var db = Path.Combine(_dir, "journeys.db");
        var effects = Path.Combine(_dir, "effects.db");
        var total = Instances * Events;

        // 1. Load, killed once half the events are accepted (activities and timers are in flight then).
        var load = ChildProcess.Start("load", db, effects, Instances, Events);
        await load.WaitForLinesAsync(lines => lines.Count(l => l.StartsWith("ACCEPTED ", StringComparison.Ordinal)) >= total / 3, TimeSpan.FromMinutes(2));
        await Task.Delay(Random.Shared.Next(0, 100)); // not a timing assertion: a random kill point
        load.Kill();
        var acceptedBeforeKill = load.EventIds("ACCEPTED");
        output.WriteLine($"first kill after {acceptedBeforeKill.Count} accepted events");

        // 2. Recovery, killed again shortly after it re-raised everything.
        var firstRecovery = ChildProcess.Start("recover", db, effects, Instances, Events);
        await firstRecovery.WaitForLinesAsync(lines => lines.Contains("LOADED"), TimeSpan.FromMinutes(2));
        await Task.Delay(Random.Shared.Next(100, 400));
        firstRecovery.Kill();
        Assert.Subset(firstRecovery.EventIds("DUPLICATE"), acceptedBeforeKill);
        var acceptedSoFar = acceptedBeforeKill.Union(firstRecovery.EventIds("ACCEPTED")).ToHashSet();

        // 3. Final recovery runs to the end.
        var finalRecovery = ChildProcess.Start("recover", db, effects, Instances, Events);
        Assert.Equal(0, await finalRecovery.WaitForExitAsync(TimeSpan.FromMinutes(4)));
        Assert.Contains("DONE", finalRecovery.Lines);
        var duplicates = finalRecovery.EventIds("DUPLICATE");
        Assert.Subset(duplicates, acceptedSoFar); // nothing accepted before a kill was lost

        // 4. The store's account.
        await using var store = new SqliteJourneyStore(new SqliteStoreOptions { Path = db });
        await store.InitializeAsync();
        var scheduledKeys = new HashSet<string>();
        for (var k = 0; k < Instances; k++)
        {
            var id = $"i-{k}";
            var instance = await store.GetInstanceAsync(id);
            Assert.NotNull(instance);
            Assert.Equal(InstanceStatus.Completed, instance.Status);
            Assert.Equal((Events * (Events + 1) / 2).ToString(System.Globalization.CultureInfo.InvariantCulture), instance.Output);

            var history = await store.GetHistoryAsync(id);
            var eventIds = history.OfType<ExternalEventReceived>().Select(e => e.EventId).ToList();
            Assert.Equal(Enumerable.Range(0, Events).Select(e => $"{id}-e-{e}").Order(), eventIds.Order()); // each exactly once
            var scheduled = history.OfType<ActivityScheduled>().ToList();
            Assert.Equal(Events, scheduled.Count);
            Assert.Equal(Events, history.OfType<ActivityCompleted>().Count());
            Assert.Equal(scheduled.Select(s => s.Sequence).Order(), history.OfType<ActivityCompleted>().Select(c => c.ScheduledSequence).Order());
            Assert.Equal(Events, history.OfType<TimerScheduled>().Count());
            Assert.Equal(Events, history.OfType<TimerFired>().Count()); // every due timer fired, once
            scheduledKeys.UnionWith(scheduled.Select(s => System.Text.Json.JsonDocument.Parse(s.Input!).RootElement.GetProperty("key").GetString()!));
        }

        var (runs, effectKeys) = ReadEffects(effects);
        Assert.Equal(total, effectKeys.Count);
        Assert.True(scheduledKeys.SetEquals(effectKeys), "every effect belongs to exactly one scheduled activity");
        output.WriteLine($"activity runs {runs} for {effectKeys.Count} effects ({runs - effectKeys.Count} re-runs after kills, deduplicated by idempotency key)");
    }

    private static (int Runs, HashSet<string> Keys) ReadEffects(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var runs = connection.CreateCommand();
        runs.CommandText = "SELECT COUNT(*) FROM runs";
        var runCount = Convert.ToInt32(runs.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        using var keys = connection.CreateCommand();
        keys.CommandText = "SELECT key FROM effects";
        using var reader = keys.ExecuteReader();
        var set = new HashSet<string>();
        while (reader.Read())
        {
            set.Add(reader.GetString(0));
        }

        return (runCount, set);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still hold a file for a moment; the temp folder is cleaned by the OS.
        }
    }

    private sealed class ChildProcess
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly ConcurrentQueue<string> _errors = new();

        private ChildProcess(Process process)
        {
            _process = process;
        }

        public IReadOnlyCollection<string> Lines => _lines;

        public static ChildProcess Start(string mode, string db, string effects, int instances, int events)
        {
            var testDir = AppContext.BaseDirectory; // tests/Core.Tests/bin/<Configuration>/net10.0/
            var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(testDir)).Parent!.Name;
            var dll = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", "..", "CrashHost", "bin", configuration, "net10.0", "JourneyOrchestrator.CrashHost.dll"));
            Assert.True(File.Exists(dll), $"The crash host was not built: {dll}");
            var info = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { dll, mode, "--db", db, "--effects", effects, "--instances", $"{instances}", "--events", $"{events}" })
            {
                info.ArgumentList.Add(arg);
            }

            var process = new Process { StartInfo = info };
            var child = new ChildProcess(process);
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    child._lines.Enqueue(e.Data);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    child._errors.Enqueue(e.Data);
                }
            };
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return child;
        }

        public async Task WaitForLinesAsync(Func<IReadOnlyCollection<string>, bool> condition, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!condition(_lines))
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The child exited early ({_process.ExitCode}): {string.Join('\n', _errors)}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    _process.Kill();
                    throw new TimeoutException($"The child did not get there in {timeout}. Last lines: {string.Join('\n', _lines.TakeLast(5))} {string.Join('\n', _errors)}");
                }

                await Task.Delay(20);
            }
        }

        public async Task<int> WaitForExitAsync(TimeSpan timeout)
        {
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
                throw new TimeoutException($"The child did not finish in {timeout}. Last lines: {string.Join('\n', _lines.TakeLast(5))} {string.Join('\n', _errors)}");
            }

            _process.WaitForExit(); // flush the output readers
            return _process.ExitCode;
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public HashSet<string> EventIds(string verdict) =>
            _lines.Where(l => l.StartsWith(verdict + " ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToHashSet();
    }
}
