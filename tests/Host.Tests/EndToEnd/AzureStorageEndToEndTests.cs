using System.Net;
using Azure.Storage.Queues;
using JourneyOrchestrator.Host.Tests.Functions;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Storage.AzureStorage.Tests;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>The real host process on the Azure Storage runtime store (Azurite): as a plain process, and as a custom handler.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageEndToEndTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task AzureStorage_ManualClock_JourneyOverHttpWithEveryTouchpointAtItsTime()
    {
        var prefix = AzuriteFixture.NewPrefix();
        await using var host = await HostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Journeys__Storage__Provider"] = "AzureStorage",
            ["Journeys__Storage__AzureStorage__ConnectionString"] = azurite.ConnectionString,
            ["Journeys__Storage__AzureStorage__NamePrefix"] = prefix,
        });
        var anna = new JourneyDriver(host);

        Assert.Single(await anna.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true));
        await anna.UntilTouchpointsAsync(1);
        await anna.AdvanceAsync("P1D");
        Assert.Equal(2, (await anna.MailAsync()).Count);
        Assert.Empty(await anna.TasksAsync());
        await anna.AdvanceAsync("P2D");
        var call = Assert.Single(await anna.TasksAsync());
        Assert.Equal("call-testdrive-invite", call["type"]!.GetValue<string>());
        await anna.RaiseAsync("testdrive.booked", new { testDriveAt = "2026-01-10T10:00:00Z" });
        await anna.UntilJourneyAsync(j => j["phase"]?.GetValue<string>() == "choice", "choice phase");

        // The runtime's rows are in the account's tables, not in the data folder.
        var tables = new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString);
        var instances = tables.GetTableClient(prefix + "Instances");
        var rows = 0;
        await foreach (var _ in instances.QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == "$instance"))
        {
            rows++;
        }

        Assert.Equal(1, rows);
        Assert.False(File.Exists(Path.Combine(host.DataFolder, "journeys.db")), "the runtime store must not be SQLite");
        Assert.Equal(0, await host.StopAsync());
    }

    [Fact]
    public async Task CustomHandlerProcess_OnTheFunctionsPort_WorkRunsOnlyInInvocations()
    {
        var prefix = AzuriteFixture.NewPrefix();
        var environment = CustomHandlerHost.Settings(azurite.ConnectionString, prefix)
            .Where(s => s.Key != "FUNCTIONS_CUSTOMHANDLER_PORT")
            .ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value!);
        environment["Journeys__Clock"] = "System";
        await using var host = await HostProcess.StartAsync(environment, customHandler: true);
        var dealer = host.Client("dev-dealer-key");

        var started = await dealer.PostJsonAsync("/api/customers/anna/events", CustomerEvent("brochure.downloaded", "crm-1", customer: Customer("anna"), data: new { model = "Hybrid X" }));
        var journey = (await started.ReadJsonAsync(HttpStatusCode.Accepted))["journeyIds"]![0]!.GetValue<string>();
        await Task.Delay(TimeSpan.FromSeconds(1)); // real time on purpose: no worker may pick the work up on its own
        Assert.Empty((await dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={journey}"))["items"]!.AsArray());

        var queues = Enumerable.Range(0, 4).Select(i => new QueueClient(azurite.ConnectionString, $"{prefix}-control-{i:D2}", new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }));
        var (function, message) = await FirstDoorbellAsync(queues);
        var invoker = host.Client(null);
        invoker.DefaultRequestHeaders.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        var answer = await (await invoker.PostAsync(U("/" + function), Invocations.Queue(function, message, DateTimeOffset.UtcNow))).ReadJsonAsync(HttpStatusCode.OK);

        Assert.NotNull(answer["Logs"]);
        Assert.Single((await dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={journey}"))["items"]!.AsArray());
        Assert.Equal(0, await host.StopAsync());
    }

    private static async Task<(string Function, Azure.Storage.Queues.Models.QueueMessage Message)> FirstDoorbellAsync(IEnumerable<QueueClient> queues)
    {
        foreach (var queue in queues)
        {
            var messages = (await queue.ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value;
            if (messages.Length > 0)
            {
                return (queue.Name[(queue.Name.LastIndexOf("-control-", StringComparison.Ordinal) + 1)..], messages[0]);
            }
        }

        throw new InvalidOperationException("No doorbell was rung.");
    }
}
