using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace JourneyOrchestrator.Host.Tests.Support;

/// <summary>
/// The host in memory (<see cref="WebApplicationFactory{TEntryPoint}"/>), in Development with the manual clock starting on
/// Monday 5 January 2026, 09:00 UTC, on a fresh data folder, with a second dealer's key configured. Extra settings override
/// the defaults.
/// </summary>
public sealed class HostFactory : WebApplicationFactory<Program>
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    public const string AdminKey = "dev-admin-key";
    public const string MarketingKey = "dev-marketing-key";
    public const string DealerKey = "dev-dealer-key";
    public const string Dealer = "demo-dealer";
    /// <summary>A second dealer's key, configured for every test host.</summary>
    public const string OtherDealerKey = "other-dealer-key";
    public const string OtherDealer = "other-dealer";

    private readonly TestDirectory? _directory;
    private readonly Dictionary<string, string?> _settings;
    private readonly string _environment;

    /// <param name="environment">The hosting environment.</param>
    /// <param name="settings">Configuration over the defaults (keys like <c>Journeys:Clock</c>; null removes a default).</param>
    /// <param name="dataPath">A data folder to use (and keep); a fresh temporary one when null.</param>
    public HostFactory(string environment = "Development", IReadOnlyDictionary<string, string?>? settings = null, string? dataPath = null)
    {
        _environment = environment;
        _directory = dataPath is null ? new TestDirectory() : null;
        DataPath = dataPath ?? _directory!.Path;
        _settings = new Dictionary<string, string?>
        {
            ["Journeys:Clock"] = environment == "Development" ? "Manual" : "System",
            ["Journeys:ManualClock:Start"] = Start.ToString("O"),
            ["Journeys:Storage:Sqlite:Path"] = DataPath,
            ["Journeys:ApiKeys:0:Key"] = OtherDealerKey,
            ["Journeys:ApiKeys:0:Role"] = "dealer",
            ["Journeys:ApiKeys:0:DealerId"] = OtherDealer,
            // In memory every request comes from the same (unknown) client address: no lockout after failed keys here
            // (AuthTests alone sends dozens). The lockout is tested through the real process (SecurityEndToEndTests).
            ["Journeys:RateLimits:FailedKeyLimit"] = "100000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }
    }

    public string DataPath { get; }

    public HttpClient Client(string? apiKey)
    {
        var client = CreateClient();
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment(_environment);
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <remarks>
    /// Disposing the factory stops the host twice at once: the factory stops it, and so does the entry point's own
    /// <c>app.RunAsync()</c>, which then disposes it. The second stop can reach a hosted service the first already disposed
    /// (the runtime's worker service then throws <see cref="ObjectDisposedException"/>); the host has stopped cleanly by then.
    /// </remarks>
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await base.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
            // See remarks: the entry point stopped and disposed the host.
        }

        await WaitForStoresClosedAsync();
        _directory?.Dispose();
    }

    /// <summary>
    /// Waits (at most 10 s) until the stores' lock files are free: the entry point disposes the host on its own thread,
    /// so the factory's dispose may return a moment before the SQLite files are closed.
    /// </summary>
    private async Task WaitForStoresClosedAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        foreach (var name in new[] { "journeys.db.lock", "journeys-data.db.lock" })
        {
            var path = Path.Combine(DataPath, name);
            while (File.Exists(path) && DateTime.UtcNow < deadline)
            {
                try
                {
                    await using (new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
                    {
                    }

                    break;
                }
                catch (IOException)
                {
                    await Task.Delay(20);
                }
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        try
        {
            base.Dispose(disposing);
        }
        catch (ObjectDisposedException)
        {
            // See DisposeAsync.
        }

        if (disposing)
        {
            _directory?.Dispose();
        }
    }
}
