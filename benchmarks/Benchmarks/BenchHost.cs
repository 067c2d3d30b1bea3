using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// The runtime wired as an application wires it: a generic host, <c>AddJourneyOrchestrator().UseSqliteStorage()</c>
/// (here through <see cref="CountingStore"/> around the real <see cref="SqliteJourneyStore"/>), the real
/// <see cref="JourneyWorkerService"/>, <see cref="TimeProvider.System"/>, synchronous=FULL. Logs (warnings and up) go to stderr.
/// </summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private readonly IHost _host;

    public BenchHost(string databasePath, Action<JourneyRuntimeOptions>? configure = null)
    {
        Store = new CountingStore(new SqliteJourneyStore(new SqliteStoreOptions { Path = databasePath, Synchronous = SqliteSynchronousMode.Full }));
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
        var store = Store;
        builder.Services.AddJourneyOrchestrator(configure)
            .UseStore(_ => store)
            .AddOrchestrator<int, long>(Orchestrations.PingLoop, Orchestrations.PingLoopAsync)
            .AddOrchestrator<DateTime, DateTime>(Orchestrations.Timer, Orchestrations.TimerAsync)
            .AddOrchestrator<object?, string>(Orchestrations.Idle, Orchestrations.IdleAsync);
        _host = builder.Build();
        Client = _host.Services.GetRequiredService<JourneyClient>();
    }

    public CountingStore Store { get; }

    /// <summary>
    /// The runtime's defaults, unless <c>--orchestration-batch N</c> is given (for experiments only; the reported figures
    /// use the defaults): then <see cref="JourneyRuntimeOptions.OrchestrationBatchSize"/> is N and
    /// <see cref="JourneyRuntimeOptions.MaxConcurrentOrchestrations"/> at least N.
    /// </summary>
    public static BenchHost Create(string databasePath, BenchOptions options) =>
        new(databasePath, Tuning(options)) { ExtraDispatchLoops = options.Int("extra-dispatch-loops", 0) };

    public static Action<JourneyRuntimeOptions> Tuning(BenchOptions options)
    {
        var batch = options.Int("orchestration-batch", 0);
        return o =>
        {
            if (batch > 0)
            {
                o.OrchestrationBatchSize = batch;
                o.MaxConcurrentOrchestrations = Math.Max(o.MaxConcurrentOrchestrations, batch);
            }
        };
    }

    public JourneyClient Client { get; }

    public IServiceProvider Services => _host.Services;

    public async Task StartAsync()
    {
        await _host.StartAsync();
        for (var i = 0; i < ExtraDispatchLoops; i++)
        {
            _extraLoops.Add(Task.Run(ExtraDispatchLoopAsync));
        }
    }

    /// <summary>
    /// Experiment only (<c>--extra-dispatch-loops N</c>): N more loops calling <see cref="OrchestrationDispatcher.ProcessBatchAsync"/>
    /// beside the worker service's own, so that several batches are in flight at once (the store's instance locks keep them apart).
    /// It approximates a dispatcher that locks the next batch while the previous one executes and commits.
    /// </summary>
    public int ExtraDispatchLoops { get; init; }

    private readonly List<Task> _extraLoops = [];
    private readonly CancellationTokenSource _stopping = new();

    private async Task ExtraDispatchLoopAsync()
    {
        var dispatcher = _host.Services.GetRequiredService<OrchestrationDispatcher>();
        var signal = _host.Services.GetRequiredService<WorkSignal>();
        while (!_stopping.IsCancellationRequested)
        {
            var woken = signal.NextWork;
            if (await dispatcher.ProcessBatchAsync(_stopping.Token) == 0)
            {
                await Task.WhenAny(woken, Task.Delay(20, _stopping.Token));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_extraLoops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopping.Dispose();
        await _host.StopAsync();
        _host.Dispose(); // disposes the store (created by the container's factory)
    }
}

/// <summary>The orchestrations the scenarios run.</summary>
internal static class Orchestrations
{
    public const string PingLoop = "ping-loop";
    public const string Timer = "timer";
    public const string Idle = "idle";

    /// <summary>Waits for "ping" <c>input</c> times and returns the sum: with a large input it stays running.</summary>
    public static async Task<long> PingLoopAsync(TaskOrchestrationContext context, int count)
    {
        ArgumentNullException.ThrowIfNull(context);
        var total = 0L;
        for (var i = 0; i < count; i++)
        {
            total += await context.WaitForExternalEvent<int>("ping");
        }

        return total;
    }

    /// <summary>Sleeps on one durable timer due at the input time; returns the time the timer was seen to fire.</summary>
    public static async Task<DateTime> TimerAsync(TaskOrchestrationContext context, DateTime due)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.CreateTimer(due, CancellationToken.None);
        return context.CurrentUtcDateTime;
    }

    /// <summary>Waits for an event or a 30-day timer, whichever comes first: a typical parked journey.</summary>
    public static async Task<string> IdleAsync(TaskOrchestrationContext context, object? input)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await context.WaitForExternalEvent<int>("ping", TimeSpan.FromDays(30));
            return "pinged";
        }
        catch (TaskCanceledException)
        {
            return "timed out";
        }
    }
}
