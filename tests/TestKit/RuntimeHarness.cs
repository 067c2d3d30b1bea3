using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Core.Tests.Support;

/// <summary>
/// The runtime wired as a host wires it, on a <see cref="FakeTimeProvider"/>, driven step by step:
/// <see cref="RunUntilIdleAsync"/> processes everything that is due now, <see cref="AdvanceAsync"/> moves the clock.
/// </summary>
public sealed class RuntimeHarness : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly ServiceProvider _provider;

    public RuntimeHarness(IJourneyStore store, Action<JourneyOrchestratorBuilder> configure, Action<IServiceCollection>? services = null)
    {
        Store = store;
        Time = new FakeTimeProvider(Start);
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.AddProvider(Logs));
        collection.AddSingleton<TimeProvider>(Time);
        services?.Invoke(collection);
        var builder = collection.AddJourneyOrchestrator(o => o.RunWorkers = false).UseStore(_ => store);
        configure(builder);
        _provider = collection.BuildServiceProvider();
        Client = _provider.GetRequiredService<JourneyClient>();
        Dispatcher = _provider.GetRequiredService<OrchestrationDispatcher>();
        Activities = _provider.GetRequiredService<ActivityWorker>();
    }

    public IJourneyStore Store { get; }
    public FakeTimeProvider Time { get; }
    public JourneyClient Client { get; }
    public OrchestrationDispatcher Dispatcher { get; }
    public ActivityWorker Activities { get; }
    public CollectingLoggerProvider Logs { get; } = new();
    public IServiceProvider Services => _provider;

    /// <summary>Processes orchestrations and activities until nothing is due at the current (fake) time.</summary>
    public async Task<int> RunUntilIdleAsync()
    {
        var total = 0;
        for (var round = 0; round < 10_000; round++)
        {
            var done = await Dispatcher.ProcessBatchAsync() + await Activities.ProcessBatchAsync();
            if (done == 0)
            {
                return total;
            }

            total += done;
        }

        throw new InvalidOperationException("The runtime did not become idle in 10,000 rounds: a busy loop.");
    }

    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await RunUntilIdleAsync();
    }

    public async Task<InstanceRecord> StatusAsync(string instanceId) =>
        (await Client.GetStatusAsync(instanceId))?.Instance ?? throw new InvalidOperationException($"No instance {instanceId}.");

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        await Store.DisposeAsync();
    }
}

public sealed class CollectingLoggerProvider : ILoggerProvider
{
    private readonly List<string> _messages = [];

    public IReadOnlyList<string> Messages
    {
        get
        {
            lock (_messages)
            {
                return [.. _messages];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Collector(this);

    public void Dispose()
    {
    }

    private sealed class Collector(CollectingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._messages)
            {
                owner._messages.Add(formatter(state, exception));
            }
        }
    }
}
