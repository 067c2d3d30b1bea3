using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.FunctionApp.Configuration;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace JourneyOrchestrator.FunctionApp.Tests.Support;

/// <summary>
/// The app's own DI (<see cref="FunctionAppServiceCollectionExtensions.AddJourneyFunctionApp"/>, as Program.cs calls it)
/// with the Azure Tables stores replaced by in-memory ones and a <see cref="FakeTimeProvider"/>, plus a Moq
/// <see cref="FunctionContext"/> whose <c>InstanceServices</c> is a scope of it, as the worker gives each invocation.
/// </summary>
internal sealed class AppServices : IDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero); // a Monday, 10:00 in Amsterdam

    private readonly ServiceProvider _provider;
    private readonly List<IServiceScope> _scopes = [];

    public AppServices(IDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Journeys:Storage:AzureStorage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Journeys:Templates:Path"] = Repo.TemplatesFolder,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(Logs));
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton(Environment(Environments.Development)); // the worker's host has one
        services.AddJourneyFunctionApp(configuration, FunctionAppSettings.Resolve(configuration, Environment(Environments.Development)));
        services.Replace(ServiceDescriptor.Singleton<IJourneyDataStore>(Data));
        services.Replace(ServiceDescriptor.Singleton<IDeliveryStore>(Delivery));
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(DeadLetters));
        services.Replace(ServiceDescriptor.Singleton<IJourneyIndex>(Index));
        services.Replace(ServiceDescriptor.Singleton<IEmailContentStore>(Data));
        _provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    public FakeTimeProvider Time { get; } = new(Now);
    public CapturingLoggerProvider Logs { get; } = new();
    public InMemoryJourneyDataStore Data { get; } = new();
    public InMemoryDeliveryStore Delivery { get; } = new();
    public InMemoryDeadLetterStore DeadLetters { get; } = new();
    public InMemoryJourneyIndex Index { get; } = new();
    public IServiceProvider Services => _provider;
    public JourneyRegistry Registry => _provider.GetRequiredService<JourneyRegistry>();

    /// <summary>A function invocation's context: its own DI scope, as the worker makes one per invocation.</summary>
    public FunctionContext Invocation()
    {
        var scope = _provider.CreateScope();
        _scopes.Add(scope);
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.InstanceServices).Returns(scope.ServiceProvider);
        return context.Object;
    }

    public static IHostEnvironment Environment(string name)
    {
        var environment = new Mock<IHostEnvironment>();
        environment.SetupGet(e => e.EnvironmentName).Returns(name);
        return environment.Object;
    }

    public void Dispose()
    {
        foreach (var scope in _scopes)
        {
            scope.Dispose();
        }

        // Some singletons (the Durable client's, Service Bus') are only IAsyncDisposable, as in the worker, which disposes async.
        _provider.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}

/// <summary>An <see cref="ILogger{T}"/> that keeps what was logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, EventId EventId, string Message, Exception? Exception)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Add((logLevel, eventId, formatter(state, exception), exception));
}

/// <summary>Keeps every log entry of every category (a test shows them when the app answered 500).</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    public System.Collections.Concurrent.ConcurrentQueue<string> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
            }
        }
    }
}
