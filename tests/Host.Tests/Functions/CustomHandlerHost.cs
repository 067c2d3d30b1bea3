using Azure.Storage.Queues;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Storage.AzureStorage.Tests;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Host.Tests.Functions;

/// <summary>
/// The host in memory as an Azure Functions custom handler (<c>FUNCTIONS_CUSTOMHANDLER_PORT</c> set) on the Azure Storage
/// runtime store in Azurite, with the wall clock replaced by a <see cref="FakeTimeProvider"/> that starts at the real time
/// (queue delays stay sensible). No worker loop runs: work is processed only by the trigger invocations a test posts,
/// exactly as under the Functions host.
/// </summary>
public sealed class CustomHandlerHost : IAsyncDisposable
{
    private readonly HostFactory _factory;
    private readonly WebApplicationFactoryWithServices _host;

    public CustomHandlerHost(AzuriteFixture azurite, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        Prefix = AzuriteFixture.NewPrefix();
        Azurite = azurite;
        Time = new FakeTimeProvider(TruncateToSecond(TimeProvider.System.GetUtcNow()));
        var all = new Dictionary<string, string?>(Settings(azurite.ConnectionString, Prefix)) { ["Journeys:Clock"] = "System" };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        _factory = new HostFactory(settings: all);
        _host = new WebApplicationFactoryWithServices(_factory, services => services.AddSingleton<TimeProvider>(Time));
    }

    public AzuriteFixture Azurite { get; }
    public string Prefix { get; }
    public FakeTimeProvider Time { get; }

    /// <summary>The settings of a custom-handler host on the Azure store with <paramref name="prefix"/>, as the Bicep sets them.</summary>
    public static Dictionary<string, string?> Settings(string connectionString, string prefix) => new()
    {
        ["FUNCTIONS_CUSTOMHANDLER_PORT"] = "7199",
        ["Journeys:Storage:Provider"] = "AzureStorage",
        ["Journeys:Storage:AzureStorage:ConnectionString"] = connectionString,
        ["Journeys:Storage:AzureStorage:NamePrefix"] = prefix,
        ["JOURNEYS_CONTROL_QUEUE_00"] = prefix + "-control-00",
        ["JOURNEYS_CONTROL_QUEUE_01"] = prefix + "-control-01",
        ["JOURNEYS_CONTROL_QUEUE_02"] = prefix + "-control-02",
        ["JOURNEYS_CONTROL_QUEUE_03"] = prefix + "-control-03",
        ["JOURNEYS_WORKITEM_QUEUE"] = prefix + "-workitems",
    };

    public HttpClient Client(string? apiKey) => _host.Client(apiKey);

    /// <summary>A client as the Functions host: every request carries <c>X-Azure-Functions-InvocationId</c>.</summary>
    public HttpClient FunctionsHost()
    {
        var client = _host.Client(null);
        client.DefaultRequestHeaders.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        client.DefaultRequestHeaders.Add("X-Azure-Functions-HostVersion", "4.1040.300.0");
        client.DefaultRequestHeaders.UserAgent.ParseAdd("Azure-Functions-Host/4.1040.300.0");
        return client;
    }

    public QueueClient Queue(string name) => new(Azurite.ConnectionString, name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _factory.DisposeAsync();
    }

    private static DateTimeOffset TruncateToSecond(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);

    /// <summary>The factory with test services added after the host's own (they win).</summary>
    private sealed class WebApplicationFactoryWithServices(HostFactory factory, Action<IServiceCollection> services) : IAsyncDisposable
    {
        private readonly Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> _inner =
            factory.WithWebHostBuilder(b => b.ConfigureTestServices(services));

        public HttpClient Client(string? apiKey)
        {
            var client = _inner.CreateClient();
            if (apiKey is not null)
            {
                client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
            }

            return client;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await _inner.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
                // See HostFactory.DisposeAsync.
            }
        }
    }
}
