using System.Diagnostics;
using System.Reflection;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Testing;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// Diagnostics for <c>events-azurite</c> (hidden scenario <c>probe-azurite</c>): what one request of each kind the store
/// sends costs Azurite, in Azurite CPU and latency, one request at a time, against an instances table of
/// <c>--entities</c> rows (10 rows per partition, like an instance with its counter and a short history).
/// </summary>
internal static class AzuriteProbeScenario
{
    public static async Task RunAsync(BenchOptions options)
    {
        var rounds = options.Int("rounds", 500);
        var folder = AzuriteProcess.Folder(typeof(AzuriteProbeScenario).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AzuriteFolder").Value!);
        await using var azurite = await AzuriteProcess.StartAsync(folder);
        var tables = new TableServiceClient(azurite.ConnectionString);
        var queue = new QueueServiceClient(azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 }).GetQueueClient("probe-control-00");
        await queue.CreateIfNotExistsAsync();
        var schedule = tables.GetTableClient("probeSchedule");
        await schedule.CreateIfNotExistsAsync();

        var results = new List<(string Key, object Value)> { ("rounds", rounds) };
        foreach (var size in new[] { options.Int("entities", 5000) / 10, 50 })
        {
            var table = tables.GetTableClient($"probe{size}Instances");
            await table.CreateIfNotExistsAsync();
            await Parallel.ForEachAsync(Enumerable.Range(0, size), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (p, ct) =>
            {
                var pk = $"ev-{p:D6}";
                var rows = new List<TableTransactionAction>
                {
                    new(TableTransactionActionType.Add, new TableEntity(pk, Keys.InstanceRow) { ["Status"] = "Running", ["HistoryCount"] = 8L }),
                    new(TableTransactionActionType.Add, new TableEntity(pk, Keys.CounterRow) { ["Value"] = 0L }),
                };
                rows.AddRange(Enumerable.Range(0, 8).Select(h => new TableTransactionAction(TableTransactionActionType.Add,
                    new TableEntity(pk, Keys.History(0, h)) { ["Event"] = new string('x', 200) })));
                await table.SubmitTransactionAsync(rows, ct);
            });

            var entities = size * 10;
            string Pk(int i) => $"ev-{i % size:D6}";
            var suffix = size == 50 ? "_500" : string.Empty;
            results.Add(($"query{suffix}", await MeasureAsync(azurite, rounds, $"partition query ({entities} entities in the table)", async i =>
            {
                var pk = Pk(i);
                await foreach (var _ in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter(
                    $"PartitionKey eq {pk} and (RowKey eq {Keys.InstanceRow} or RowKey eq {Keys.CounterRow} or (RowKey ge {Keys.MessagePrefix} and RowKey lt {Keys.After(Keys.MessagePrefix)}))")))
                {
                }
            })));
            results.Add(($"point_read{suffix}", await MeasureAsync(azurite, rounds, $"point read ({entities} entities)", async i =>
                await table.GetEntityAsync<TableEntity>(Pk(i), Keys.InstanceRow))));
            results.Add(($"transaction{suffix}", await MeasureAsync(azurite, rounds, $"transaction of 2 ({entities} entities)", async i =>
                await table.SubmitTransactionAsync(
                [
                    new(TableTransactionActionType.UpsertReplace, new TableEntity(Pk(i), Keys.CounterRow) { ["Value"] = (long)i }),
                    new(TableTransactionActionType.UpsertReplace, new TableEntity(Pk(i), Keys.Message(1)) { ["Event"] = new string('y', 200) }),
                ]))));
        }

        results.Add(("schedule_upsert", await MeasureAsync(azurite, rounds, "schedule transaction of 1", async i =>
            await schedule.SubmitTransactionAsync([new(TableTransactionActionType.UpsertReplace, new TableEntity("o00", Keys.Time(i)) { ["InstanceId"] = "x", ["Target"] = "m" })]))));
        var receipts = new System.Collections.Concurrent.ConcurrentQueue<SendReceipt>();
        results.Add(("queue_send", await MeasureAsync(azurite, rounds, "queue send", async i =>
            receipts.Enqueue((await queue.SendMessageAsync("123|ev", TimeSpan.Zero, TimeSpan.FromSeconds(-1))).Value))));
        results.Add(("queue_delete", await MeasureAsync(azurite, rounds, "queue delete", async i =>
        {
            if (receipts.TryDequeue(out var receipt))
            {
                await queue.DeleteMessageAsync(receipt.MessageId, receipt.PopReceipt);
            }
        })));
        results.Add(("queue_receive", await MeasureAsync(azurite, rounds, "queue receive (empty queue)", async i =>
            await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(30)))));
        Report.Line("probe-azurite", [.. results]);
    }

    /// <summary>Runs <paramref name="rounds"/> requests one at a time; returns "azurite CPU ms/latency ms" per request.</summary>
    private static async Task<string> MeasureAsync(AzuriteProcess azurite, int rounds, string what, Func<int, Task> request)
    {
        await request(0); // warm-up
        var cpuBefore = ProcFs.CpuSeconds(azurite.ProcessId);
        var started = Stopwatch.GetTimestamp();
        for (var i = 1; i <= rounds; i++)
        {
            await request(i);
        }

        var latency = Stopwatch.GetElapsedTime(started).TotalMilliseconds / rounds;
        var cpu = (ProcFs.CpuSeconds(azurite.ProcessId) - cpuBefore) * 1000 / rounds;
        Report.Progress($"probe-azurite: {what}: Azurite CPU {cpu:0.00} ms, latency {latency:0.00} ms per request");
        return $"{cpu:0.00}/{latency:0.00}";
    }
}
