using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Host.Functions;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Host.Tests.Functions;

/// <summary><c>Journeys:Storage:Provider</c> and the custom handler's settings: chosen, bound, and refused with a clear message (exit code 2).</summary>
public sealed class StorageProviderConfigurationTests
{
    [Fact]
    public void Resolve_AzureStorageWithConnectionString_BindsTheStoreOptions()
    {
        var settings = Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "azurestorage",
            ["Journeys:Storage:AzureStorage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Journeys:Storage:AzureStorage:NamePrefix"] = "acme",
            ["Journeys:Storage:AzureStorage:PartitionCount"] = "8",
            ["Journeys:Storage:AzureStorage:MaxPollingInterval"] = "00:00:10",
        });

        Assert.Equal(StorageProvider.AzureStorage, settings.Storage);
        Assert.Equal("UseDevelopmentStorage=true", settings.AzureStorage!.ConnectionString);
        Assert.Equal("acme", settings.AzureStorage.NamePrefix);
        Assert.Equal(8, settings.AzureStorage.PartitionCount);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.AzureStorage.MaxPollingInterval);
        Assert.False(settings.IsCustomHandler);
    }

    [Fact]
    public void Resolve_AzureStorageWithAccountName_ManagedIdentity()
    {
        var settings = Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "AzureStorage",
            ["Journeys:Storage:AzureStorage:AccountName"] = "stjourneys",
            ["Journeys:Storage:AzureStorage:ManagedIdentityClientId"] = "00000000-0000-0000-0000-000000000001",
        });

        Assert.Equal("stjourneys", settings.AzureStorage!.AccountName);
        Assert.Equal("00000000-0000-0000-0000-000000000001", settings.AzureStorage.ManagedIdentityClientId);
    }

    [Fact]
    public void Resolve_DefaultProvider_IsSqliteWithoutAzureOptions()
    {
        var settings = Resolve([]);

        Assert.Equal(StorageProvider.Sqlite, settings.Storage);
        Assert.Null(settings.AzureStorage);
    }

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

    [Theory]
    [InlineData("Oracle")]
    [InlineData("1")]
    [InlineData("Azure")]
    public void Resolve_UnknownProvider_NamesTheSettingAndTheChoices(string provider)
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new() { ["Journeys:Storage:Provider"] = provider }));

        Assert.Contains($"Journeys__Storage__Provider is '{provider}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'AzureStorage'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_AzureStorageWithoutAnAccount_SaysWhichSettingsToSet()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new() { ["Journeys:Storage:Provider"] = "AzureStorage" }));

        Assert.Contains("Journeys__Storage__AzureStorage__ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("Journeys__Storage__AzureStorage__AccountName", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PartitionCount", "99", "Journeys__Storage__AzureStorage__PartitionCount")]
    [InlineData("NamePrefix", "Bad_Prefix", "Journeys__Storage__AzureStorage__NamePrefix")]
    [InlineData("PartitionCount", "many", "Journeys__Storage__AzureStorage could not be read")]
    public void Resolve_AzureStorageBadOption_NamesIt(string key, string value, string named)
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new()
        {
            ["Journeys:Storage:Provider"] = "AzureStorage",
            ["Journeys:Storage:AzureStorage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["Journeys:Storage:AzureStorage:" + key] = value,
        }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("FUNCTIONS_CUSTOMHANDLER_PORT", "eighty", "FUNCTIONS_CUSTOMHANDLER_PORT is 'eighty'")]
    [InlineData("FUNCTIONS_CUSTOMHANDLER_PORT", "70000", "FUNCTIONS_CUSTOMHANDLER_PORT is '70000'")]
    [InlineData("Journeys:Functions:InvocationBudget", "02:00:00", "Journeys__Functions__InvocationBudget")]
    public void Resolve_BadCustomHandlerSetting_NamesIt(string key, string value, string named)
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new() { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_CustomHandlerPort_IsTheFunctionsHostsPort()
    {
        var settings = Resolve(new() { ["FUNCTIONS_CUSTOMHANDLER_PORT"] = "41234", ["Journeys:Functions:InvocationBudget"] = "00:01:30" });

        Assert.True(settings.IsCustomHandler);
        Assert.Equal(41234, settings.CustomHandlerPort);
        Assert.Equal(TimeSpan.FromSeconds(90), settings.InvocationBudget);
    }

    [Fact]
    public void Host_CustomHandlerOnAzureStorageWithoutTheQueueSettings_RefusesToStartNamingThem()
    {
        var settings = CustomHandlerHost.Settings("UseDevelopmentStorage=true", "acme");
        settings["JOURNEYS_CONTROL_QUEUE_01"] = null;

        var error = StartFails(settings);

        Assert.Contains("JOURNEYS_CONTROL_QUEUE_01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_CustomHandlerWithMorePartitionsThanQueueFunctions_RefusesToStart()
    {
        var settings = CustomHandlerHost.Settings("UseDevelopmentStorage=true", "acme");
        settings["Journeys:Storage:AzureStorage:PartitionCount"] = "6";

        var error = StartFails(settings);

        Assert.Contains("No queue-triggered function listens on the doorbell queue 'acme-control-04'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'acme-control-05'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Host_CustomHandlerQueueSettingForAnotherPrefix_RefusesToStart()
    {
        var settings = CustomHandlerHost.Settings("UseDevelopmentStorage=true", "acme");
        settings["JOURNEYS_WORKITEM_QUEUE"] = "journeys-workitems";

        var error = StartFails(settings);

        Assert.Contains("Function 'workitems' listens on queue 'journeys-workitems'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Oracle", null, "Journeys__Storage__Provider is 'Oracle'")]
    [InlineData("AzureStorage", null, "Journeys__Storage__AzureStorage__ConnectionString")]
    [InlineData("AzureStorage", "eighty", "FUNCTIONS_CUSTOMHANDLER_PORT is 'eighty'")]
    public async Task Process_BadStorageOrHandlerSetting_ExitsWithCode2AndTheMessage(string provider, string? port, string expected)
    {
        var environment = new Dictionary<string, string> { ["Journeys__Storage__Provider"] = provider };
        if (port is not null)
        {
            environment["FUNCTIONS_CUSTOMHANDLER_PORT"] = port;
            environment["Journeys__Storage__AzureStorage__ConnectionString"] = "UseDevelopmentStorage=true";
        }

        var (exitCode, output) = await HostProcess.RunToExitAsync(environment);

        Assert.Equal(2, exitCode);
        Assert.Contains("JourneyOrchestrator cannot start; fix its configuration:", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    /// <summary>The start-up check of the function folders beside the host (the test output holds them, as the publish folder does).</summary>
    private static HostConfigurationException StartFails(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var problems = new List<string>();
        FunctionAppLayout.Load(AppContext.BaseDirectory, configuration, Resolve(values), problems);
        Assert.NotEmpty(problems);
        return new HostConfigurationException(problems);
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
