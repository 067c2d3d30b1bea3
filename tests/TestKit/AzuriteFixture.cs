using System.Reflection;
using JourneyOrchestrator.Testing;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>
/// Starts Azurite (blob, queue, table; in memory) on free 127.0.0.1 ports for the test collection and stops it at the end.
/// Azurite comes from <c>tests/Storage.AzureStorage.Tests/.azurite/node_modules</c>; when it is missing it is installed
/// there with npm (pinned version, bounded time), so <c>dotnet test</c> works on a fresh clone with node and npm.
/// <c>AZURITE_FOLDER</c> overrides the folder. The process handling is shared with the benchmarks (<see cref="AzuriteProcess"/>).
/// Each test assembly that uses it declares its own <c>AzuriteCollection</c> (xunit finds collection definitions only in the test assembly).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string Version = AzuriteProcess.Version;

    private AzuriteProcess? _azurite;

    public string ConnectionString => _azurite?.ConnectionString ?? string.Empty;

    /// <summary>The data stores' options on this Azurite, with their own name prefix.</summary>
    public AzureStorageOptions Options(string prefix) => new()
    {
        ConnectionString = ConnectionString,
        NamePrefix = prefix,
    };

    /// <summary>A fresh name prefix, so that every test has its own tables and container.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync() =>
        _azurite = await AzuriteProcess.StartAsync(AzuriteProcess.Folder(
            typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AzuriteFolder").Value!));

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}
