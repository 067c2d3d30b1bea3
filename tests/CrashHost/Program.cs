// The crash test's child process. It runs the real runtime (worker service, SQLite store with
// synchronous=FULL, system clock) and prints one line per durable fact so the test, which kills it
// with SIGKILL, knows what was accepted before the kill.
//
//   load    --db D --effects E --instances N --events K   start N journeys, raise K events to each, keep running
//   recover --db D --effects E --instances N --events K   re-raise every event (a dealer's retries), run until all finished
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var mode = args[0];
var options = ParseOptions(args[1..]);
var db = options["db"];
var effects = options["effects"];
var instances = int.Parse(options["instances"], System.Globalization.CultureInfo.InvariantCulture);
var events = int.Parse(options["events"], System.Globalization.CultureInfo.InvariantCulture);

EffectsDb.Initialize(effects);
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSingleton(new EffectsDb(effects));
builder.Services
    .AddJourneyOrchestrator(o =>
    {
        o.MaxPollInterval = TimeSpan.FromMilliseconds(500);
        o.ActivityLockDuration = TimeSpan.FromSeconds(2);
    })
    .UseSqliteStorage(o => o.Path = db)
    .AddActivity<EffectActivity>("effect")
    .AddOrchestrator<CrashJourney>("crash-journey");
using var host = builder.Build();
await host.StartAsync();
var client = host.Services.GetRequiredService<JourneyClient>();
var output = Console.Out;
var gate = new Lock();

void Say(string line)
{
    lock (gate)
    {
        output.WriteLine(line);
        output.Flush();
    }
}

for (var k = 0; k < instances; k++)
{
    try
    {
        await client.StartAsync("crash-journey", events, new StartOptions { InstanceId = $"i-{k}" });
        Say($"STARTED i-{k}");
    }
    catch (InstanceAlreadyExistsException)
    {
        Say($"EXISTS i-{k}");
    }
}

for (var round = 0; round < events; round++)
{
    var raises = Enumerable.Range(0, instances).Select(async k =>
    {
        var eventId = $"i-{k}-e-{round}";
        var result = await client.RaiseEventAsync($"i-{k}", "ping", round + 1, eventId);
        Say($"{result.ToString().ToUpperInvariant()} i-{k} {eventId}");
    });
    await Task.WhenAll(raises);
    await Task.Delay(150); // paced, so that a kill lands in the middle of the load
}

Say("LOADED");
if (mode == "load")
{
    await Task.Delay(Timeout.Infinite); // until killed
}

var deadline = DateTime.UtcNow.AddMinutes(3);
while (DateTime.UtcNow < deadline)
{
    var open = await client.QueryAsync(new InstanceQuery { Statuses = [InstanceStatus.Pending, InstanceStatus.Running], PageSize = 1 });
    if (open.Instances.Count == 0)
    {
        break;
    }

    await Task.Delay(200);
}

await host.StopAsync();
Say("DONE");
return 0;

static Dictionary<string, string> ParseOptions(string[] args)
{
    var result = new Dictionary<string, string>();
    for (var i = 0; i + 1 < args.Length; i += 2)
    {
        result[args[i].TrimStart('-')] = args[i + 1];
    }

    return result;
}

/// <summary>Per step: wait for an event, run an effect, sleep on a durable timer.</summary>
internal sealed class CrashJourney : TaskOrchestrator<int, int>
{
    private static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromMilliseconds(100)));

    public override async Task<int> RunAsync(TaskOrchestrationContext context, int input)
    {
        var total = 0;
        for (var step = 0; step < input; step++)
        {
            total += await context.WaitForExternalEvent<int>("ping");
            // The idempotency key is the orchestrator's to make (the SDK's activity context has none): one per step.
            await context.CallActivityAsync<int>("effect", new EffectRequest(step, $"{context.InstanceId}:{step}"), Retry);
            await context.CreateTimer(TimeSpan.FromMilliseconds(100 + (step * 37 % 200)), CancellationToken.None);
        }

        return total;
    }
}

internal sealed record EffectRequest(int Step, string Key);

/// <summary>
/// An effect that a channel would make once per idempotency key (an e-mail): every run is logged in
/// <c>runs</c>, the effect itself in <c>effects</c> keyed by the idempotency key.
/// </summary>
internal sealed class EffectActivity(EffectsDb db) : TaskActivity<EffectRequest, int>
{
    public override async Task<int> RunAsync(TaskActivityContext context, EffectRequest input)
    {
        db.Record(input.Key);
        await Task.Delay(Random.Shared.Next(0, 15)); // widen the window between effect and commit
        return input.Step;
    }
}

internal sealed class EffectsDb(string path)
{
    public static void Initialize(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS runs(key TEXT NOT NULL); CREATE TABLE IF NOT EXISTS effects(key TEXT PRIMARY KEY);";
        command.ExecuteNonQuery();
    }

    public void Record(string key)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE; INSERT INTO runs(key) VALUES ($key); INSERT OR IGNORE INTO effects(key) VALUES ($key); COMMIT;";
        command.Parameters.AddWithValue("$key", key);
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, DefaultTimeout = 30, Pooling = false }.ToString());
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;";
        pragma.ExecuteNonQuery();
        return connection;
    }
}
