using System.Text.Json.Nodes;
using Azure.Data.Tables;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Storage.AzureStorage.Tests;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// The real host process with <c>Journeys__Storage__Provider=DurableTaskAzureStorage</c> on Azurite: it starts, creates the
/// task hub, publishes the shipped templates into the Azure Tables data store and answers <c>/health</c> naming the engine.
/// (Journeys through the API on this engine: the engine suite, <see cref="Engines.DurableTaskEngineScenarios"/>.)
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DurableTaskAzureStorageEndToEndTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Process_OnDurableTaskAzureStorage_StartsOnTheWallClockAndAnswersHealthNamingTheEngine()
    {
        var prefix = AzuriteFixture.NewPrefix();
        var hub = "hub" + prefix;
        await using var host = await HostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Journeys__Storage__Provider"] = "DurableTaskAzureStorage",
            ["Journeys__Storage__AzureStorage__ConnectionString"] = azurite.ConnectionString,
            ["Journeys__Storage__AzureStorage__NamePrefix"] = prefix,
            ["Journeys__Storage__DurableTaskAzureStorage__TaskHubName"] = hub,
            ["Journeys__Storage__DurableTaskAzureStorage__PartitionCount"] = "2",
            ["Journeys__Clock"] = "", // unset: on this engine the default is the wall clock
        });

        var health = JsonNode.Parse(await host.Client(null).GetStringAsync(U("/health")))!;
        Assert.Equal("Healthy", health["status"]!.GetValue<string>());
        Assert.Equal("DurableTaskAzureStorage", health["engine"]!.GetValue<string>());
        Assert.Equal(hub, health["taskHub"]!.GetValue<string>());
        Assert.Equal("System", health["clock"]!.GetValue<string>());
        Assert.InRange(health["now"]!.GetValue<DateTimeOffset>(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));

        // The engine's task hub and the product data are on the account; nothing of either is in the data folder.
        var tables = new List<string>();
        await foreach (var table in new TableServiceClient(azurite.ConnectionString).QueryAsync())
        {
            tables.Add(table.Name);
        }

        Assert.Contains(hub + "Instances", tables);
        Assert.Contains(hub + "History", tables);
        Assert.Contains(prefix + "Templates", tables);
        var templates = new TableServiceClient(azurite.ConnectionString).GetTableClient(prefix + "Templates");
        var rows = 0;
        await foreach (var _ in templates.QueryAsync<TableEntity>(maxPerPage: 100))
        {
            rows++;
        }

        Assert.True(rows > 0, "the shipped templates were not published into the Azure Tables data store");
        Assert.False(File.Exists(Path.Combine(host.DataFolder, "journeys.db")), "the embedded engine's SQLite file must not be created");
        Assert.False(File.Exists(Path.Combine(host.DataFolder, "journeys-data.db")), "the product data must not be in SQLite");
        Assert.Equal(0, await host.StopAsync());
    }
}
