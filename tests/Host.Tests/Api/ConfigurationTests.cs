using System.Net;
using Microsoft.Extensions.Configuration;
using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>Start-up configuration: clock, keys, storage and the shipped templates.</summary>
public sealed class ConfigurationTests
{
    private static readonly Dictionary<string, string?> ProductionKey = new()
    {
        ["Journeys:ApiKeys:0:Key"] = "a-long-production-admin-key-0123456789",
        ["Journeys:ApiKeys:0:Role"] = "admin",
        ["Journeys:ApiKeys:0:DealerId"] = null,
        ["Journeys:Erasure:HashKey"] = ErasureKey,
    };

    /// <summary>A configured erasure key (base64 of 32 bytes): required outside Development.</summary>
    public const string ErasureKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    [Fact]
    public void Resolve_ManualClockOutsideDevelopment_IsRefusedWithAClearError()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve("Production", new(ProductionKey) { ["Journeys:Clock"] = "Manual" }));

        Assert.Contains("Journeys__Clock=Manual is allowed in Development only", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ProductionWithoutApiKeys_IsRefused()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve("Production", []));

        Assert.Contains("No API keys are configured", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ProductionWithADevelopmentKeyOrAShortKey_IsRefused()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve("Production", new()
        {
            ["Journeys:ApiKeys:0:Key"] = "dev-admin-key",
            ["Journeys:ApiKeys:0:Role"] = "admin",
        }));

        Assert.Contains("public development key", error.Message, StringComparison.Ordinal);
        Assert.Contains("shorter than 16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ProductionWithoutAnErasureKey_IsRefusedNamingTheSetting()
    {
        var settings = new Dictionary<string, string?>(ProductionKey);
        settings.Remove("Journeys:Erasure:HashKey");

        var error = Assert.Throws<HostConfigurationException>(() => Resolve("Production", settings));

        Assert.Contains("Journeys__Erasure__HashKey is not set", error.Message, StringComparison.Ordinal);
        Assert.Single(error.Problems);
        Assert.Null(Resolve("Development", []).ErasureHashKey); // Development keeps the built-in key
        Assert.Equal(32, Resolve("Production", ProductionKey).ErasureHashKey!.Length);
    }

    [Theory]
    [InlineData("Journeys:Clock", "Sundial", "Journeys__Clock")]
    [InlineData("Journeys:Storage:Provider", "Oracle", "Journeys__Storage__Provider")]
    [InlineData("Journeys:ManualClock:Start", "soon", "Journeys__ManualClock__Start")]
    [InlineData("Journeys:ApiKeys:0:Role", "boss", "Journeys__ApiKeys__0__Role")]
    [InlineData("Journeys:BusinessHours:TimeZone", "Atlantis/Capital", "Journeys__BusinessHours__TimeZone")]
    [InlineData("Journeys:BusinessHours:Opens", "nine", "Journeys__BusinessHours__Opens")]
    [InlineData("Journeys:Templates:Path", "/no/such/folder", "Journeys__Templates__Path")]
    [InlineData("Journeys:Erasure:HashKey", "c2hvcnQ=", "Journeys__Erasure__HashKey")]
    [InlineData("Journeys:Erasure:HashKey", "not base64!", "Journeys__Erasure__HashKey")]
    public void Resolve_InvalidSetting_IsRefusedNamingTheSetting(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { [key] = value };
        if (key.StartsWith("Journeys:ApiKeys:0", StringComparison.Ordinal))
        {
            settings["Journeys:ApiKeys:0:Key"] = "another-key";
        }

        var error = Assert.Throws<HostConfigurationException>(() => Resolve("Development", settings));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_Development_DevelopmentKeysAndDataFolderDefaults()
    {
        var settings = Resolve("Development", []);

        Assert.Equal(["dev-admin-key", "dev-marketing-key", "dev-dealer-key"], settings.ApiKeys.Select(k => k.Key));
        Assert.Equal("demo-dealer", settings.ApiKeys.Single(k => k.Role == "dealer").DealerId);
        Assert.Equal(Path.Combine(Path.GetTempPath(), "data", "journeys.db"), settings.RuntimeDatabasePath);
        Assert.Equal(Path.Combine(Path.GetTempPath(), "data", "journeys-data.db"), settings.DataDatabasePath);
        Assert.Equal(ClockMode.Manual, settings.Clock); // the Development default on the embedded engine
        Assert.True(File.Exists(Path.Combine(settings.TemplatesFolder, "new-car-purchase.yaml")));
    }

    [Fact]
    public void Start_InvalidConfiguration_HostDoesNotStart()
    {
        using var host = new HostFactory("Production", new Dictionary<string, string?>(ProductionKey) { ["Journeys:Clock"] = "Manual" });

        Assert.ThrowsAny<Exception>(() => host.Client(null));
    }

    private static JourneyHostSettings Resolve(string environment, Dictionary<string, string?> settings)
    {
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return JourneyHostSettings.Resolve(configuration, new Environment(environment));
    }

    private sealed class Environment(string name) : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "JourneyOrchestrator.Host";
        public string ContentRootPath { get; set; } = Path.GetTempPath();
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }

    [Fact]
    public async Task Production_ConfiguredKey_WorksAndDevelopmentKeysDoNot()
    {
        await using var host = new HostFactory("Production", ProductionKey);

        var withKey = await host.Client("a-long-production-admin-key-0123456789").GetAsync(U("/api/journeys"));
        var withDevKey = await host.Client(HostFactory.AdminKey).GetAsync(U("/api/journeys"));
        var clock = await host.Client("a-long-production-admin-key-0123456789").GetAsync(U("/api/dev/clock"));

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        await withDevKey.ProblemAsync(HttpStatusCode.Unauthorized);
        await clock.ProblemAsync(HttpStatusCode.NotFound); // the clock routes exist only with the manual clock
        Assert.Contains("System", await host.Client(null).GetStringAsync(U("/health")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_SystemClock_ClockRoutesDoNotExist()
    {
        await using var host = new HostFactory(settings: new Dictionary<string, string?> { ["Journeys:Clock"] = "System" });

        await (await host.Client(HostFactory.AdminKey).GetAsync(U("/api/dev/clock"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await host.Client(HostFactory.AdminKey).PostJsonAsync("/api/dev/clock/advance", new { by = "P1D" })).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Restart_SameDataFolder_ShippedTemplatesKeepTheirVersionAndJourneysSurvive()
    {
        using var data = new TestDirectory();
        string id;
        await using (var first = new HostFactory(dataPath: data.Path))
        {
            id = await first.Client(HostFactory.DealerKey).StartByBrochureAsync();
            await first.SettleAsync();
        }

        await using var second = new HostFactory(dataPath: data.Path);
        var templates = (await second.Client(HostFactory.MarketingKey).OkJsonAsync("/api/templates")).AsArray();

        Assert.All(templates, t => Assert.Equal(1, t!["latestVersion"]!.GetValue<int>()));
        Assert.Equal("Running", (await second.Client(HostFactory.DealerKey).OkJsonAsync($"/api/journeys/{id}"))["status"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(data.Path, "journeys.db")));
        Assert.True(File.Exists(Path.Combine(data.Path, "journeys-data.db")));
    }

    [Fact]
    public async Task StoragePath_DatabaseFile_DataFileGoesBesideIt()
    {
        using var data = new TestDirectory();
        var file = Path.Combine(data.Path, "nested", "runtime.db");
        await using (var host = new HostFactory(settings: new Dictionary<string, string?> { ["Journeys:Storage:Sqlite:Path"] = file }))
        {
            await host.Client(HostFactory.DealerKey).StartByBrochureAsync();
        }

        Assert.True(File.Exists(file));
        Assert.True(File.Exists(Path.Combine(data.Path, "nested", "journeys-data.db")));
    }
}
