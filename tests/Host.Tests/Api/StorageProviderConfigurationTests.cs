using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>
/// <c>Journeys:Storage:Provider</c>: the engine is chosen and its settings bound, or the start is refused with a message
/// naming the setting (exit code 2 for the real process).
/// </summary>
public sealed class StorageProviderConfigurationTests
{
    private const string Azurite = "UseDevelopmentStorage=true";

    [Fact]
    public async Task AddProductDataStores_Sqlite_OneStoreIsTheDataStoreAndTheJourneyIndex()
    {
        var services = new ServiceCollection();
        services.AddProductDataStores(Resolve([]));
        await using var provider = services.BuildServiceProvider();

        var data = provider.GetRequiredService<IJourneyDataStore>();
        var index = provider.GetRequiredService<IJourneyIndex>();

        Assert.IsType<SqliteJourneyDataStore>(data);
        Assert.Same(data, index);
    }

    [Fact]
    public void Resolve_DurableTaskAzureStorage_BindsTheAccountTheDataPrefixAndTheEngineSettings()
    {
        var settings = Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "durabletaskazurestorage",
            ["Journeys:Storage:AzureStorage:ConnectionString"] = Azurite,
            ["Journeys:Storage:AzureStorage:NamePrefix"] = "acme",
            ["Journeys:Storage:DurableTaskAzureStorage:TaskHubName"] = "acmehub",
            ["Journeys:Storage:DurableTaskAzureStorage:PartitionCount"] = "8",
            ["Journeys:Storage:DurableTaskAzureStorage:MaxQueuePollingInterval"] = "00:00:05",
        });

        Assert.Equal(StorageProvider.DurableTaskAzureStorage, settings.Storage);
        Assert.Equal(Azurite, settings.AzureStorage!.ConnectionString);
        Assert.Equal("acme", settings.AzureStorage.NamePrefix);
        Assert.Equal(Azurite, settings.DurableTask!.ConnectionString); // one account for the engine and the data
        Assert.Equal("acmehub", settings.DurableTask.TaskHubName);
        Assert.Equal(8, settings.DurableTask.PartitionCount);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.DurableTask.MaxQueuePollingInterval);
    }

    [Fact]
    public void Resolve_DurableTaskAzureStorage_Defaults()
    {
        var settings = Resolve(new() { ["Journeys:Storage:Provider"] = "DurableTaskAzureStorage", ["Journeys:Storage:AzureStorage:ConnectionString"] = Azurite });

        Assert.Equal("journeys", settings.DurableTask!.TaskHubName);
        Assert.Equal(4, settings.DurableTask.PartitionCount);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.DurableTask.MaxQueuePollingInterval);
        Assert.Equal("journeys", settings.AzureStorage!.NamePrefix);
    }

    [Fact]
    public void Resolve_DurableTaskAzureStorageWithAccountName_ManagedIdentityReachesTheEngine()
    {
        var settings = Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "DurableTaskAzureStorage",
            ["Journeys:Storage:AzureStorage:AccountName"] = "stjourneys",
            ["Journeys:Storage:AzureStorage:ManagedIdentityClientId"] = "00000000-0000-0000-0000-000000000001",
        });

        Assert.Equal("stjourneys", settings.DurableTask!.AccountName);
        Assert.Equal("00000000-0000-0000-0000-000000000001", settings.DurableTask.ManagedIdentityClientId);
        Assert.Null(settings.DurableTask.ConnectionString);
    }

    [Fact]
    public void Resolve_DurableTaskAzureStorageInDevelopment_RunsOnTheWallClock()
    {
        var settings = Resolve(new() { ["Journeys:Storage:Provider"] = "DurableTaskAzureStorage", ["Journeys:Storage:AzureStorage:ConnectionString"] = Azurite });

        Assert.Equal(ClockMode.System, settings.Clock); // not the manual clock, the Development default of the embedded engine
    }

    [Fact]
    public void Resolve_DurableTaskAzureStorageWithTheManualClock_IsRefusedSayingWhy()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "DurableTaskAzureStorage",
            ["Journeys:Storage:AzureStorage:ConnectionString"] = Azurite,
            ["Journeys:Clock"] = "Manual",
        }));

        Assert.Contains("Journeys__Clock=Manual cannot run on Journeys__Storage__Provider=DurableTaskAzureStorage", error.Message, StringComparison.Ordinal);
        Assert.Contains("DateTime.UtcNow", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DefaultProvider_IsSqliteWithoutAzureOptions()
    {
        var settings = Resolve([]);

        Assert.Equal(StorageProvider.Sqlite, settings.Storage);
        Assert.Null(settings.AzureStorage);
        Assert.Null(settings.DurableTask);
    }

    [Theory]
    [InlineData("AzureStorage")]
    [InlineData("azurestorage")]
    public void Resolve_RetiredAzureStorageProvider_NamesItsReplacement(string provider)
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new()
        {
            ["Journeys:Storage:Provider"] = provider,
            ["Journeys:Storage:AzureStorage:ConnectionString"] = Azurite,
        }));

        Assert.Contains("Journeys__Storage__Provider=AzureStorage (the home-made Azure Storage runtime store) is retired", error.Message, StringComparison.Ordinal);
        Assert.Contains("Journeys__Storage__Provider=DurableTaskAzureStorage", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Oracle")]
    [InlineData("1")]
    [InlineData("Azure")]
    public void Resolve_UnknownProvider_NamesTheSettingAndTheChoices(string provider)
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new() { ["Journeys:Storage:Provider"] = provider }));

        Assert.Contains($"Journeys__Storage__Provider is '{provider}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'Sqlite'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'DurableTaskAzureStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_DurableTaskAzureStorageWithoutAnAccount_SaysWhichSettingsToSet()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new() { ["Journeys:Storage:Provider"] = "DurableTaskAzureStorage" }));

        Assert.Contains("Journeys__Storage__AzureStorage__ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("Journeys__Storage__AzureStorage__AccountName", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AccountSetInTheEngineSection_IsRefusedPointingAtTheSharedOne()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "DurableTaskAzureStorage",
            ["Journeys:Storage:DurableTaskAzureStorage:ConnectionString"] = Azurite,
        }));

        Assert.Contains("Journeys__Storage__DurableTaskAzureStorage__ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("Journeys__Storage__AzureStorage__*", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Journeys:Storage:DurableTaskAzureStorage:PartitionCount", "17", "Journeys__Storage__DurableTaskAzureStorage__PartitionCount")]
    [InlineData("Journeys:Storage:DurableTaskAzureStorage:TaskHubName", "my-hub", "Journeys__Storage__DurableTaskAzureStorage__TaskHubName")]
    [InlineData("Journeys:Storage:DurableTaskAzureStorage:MaxQueuePollingInterval", "00:05:00", "Journeys__Storage__DurableTaskAzureStorage__MaxQueuePollingInterval")]
    [InlineData("Journeys:Storage:DurableTaskAzureStorage:PartitionCount", "many", "Journeys__Storage__DurableTaskAzureStorage could not be read")]
    [InlineData("Journeys:Storage:AzureStorage:NamePrefix", "Bad_Prefix", "Journeys__Storage__AzureStorage__NamePrefix")]
    public void Resolve_DurableTaskAzureStorageBadSetting_NamesIt(string key, string value, string named)
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "DurableTaskAzureStorage",
            ["Journeys:Storage:AzureStorage:ConnectionString"] = Azurite,
            [key] = value,
        }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Oracle", null, "Journeys__Storage__Provider is 'Oracle'")]
    [InlineData("AzureStorage", null, "Use Journeys__Storage__Provider=DurableTaskAzureStorage")]
    [InlineData("DurableTaskAzureStorage", null, "Journeys__Storage__AzureStorage__ConnectionString")]
    [InlineData("DurableTaskAzureStorage", "Manual", "Journeys__Clock=Manual cannot run on Journeys__Storage__Provider=DurableTaskAzureStorage")]
    public async Task Process_BadStorageSetting_ExitsWithCode2AndTheMessage(string provider, string? clock, string expected)
    {
        var environment = new Dictionary<string, string> { ["Journeys__Storage__Provider"] = provider };
        if (clock is not null)
        {
            environment["Journeys__Clock"] = clock;
            environment["Journeys__Storage__AzureStorage__ConnectionString"] = Azurite;
        }

        var (exitCode, output) = await HostProcess.RunToExitAsync(environment);

        Assert.Equal(2, exitCode);
        Assert.Contains("JourneyOrchestrator cannot start; fix its configuration:", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    private static JourneyHostSettings Resolve(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return JourneyHostSettings.Resolve(configuration, new Microsoft.Extensions.Hosting.Internal.HostingEnvironment
        {
            EnvironmentName = "Development",
            ContentRootPath = Path.GetTempPath(),
        });
    }
}
