using Azure.Data.Tables;
using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Storage.AzureStorage.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Model;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.Data;

/// <summary>
/// What the Azure data stores do beyond the shared suites: several store objects (as several host processes) on one account
/// and prefix racing for template versions, send claims, task completion and mail; large records in blobs; repairs after a
/// crash between two writes; the DI registration.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageDataStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly string _prefix = AzuriteFixture.NewPrefix();
    private readonly List<IAsyncDisposable> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    // ---- several processes ---------------------------------------------------------------------

    [Fact]
    public async Task PublishTemplateAsync_TwoStoresAtOnce_GetDistinctConsecutiveVersionsAndLoseNone()
    {
        var (a, b) = (await DataStoreAsync(), await DataStoreAsync());

        var publishes = Enumerable.Range(0, 10).SelectMany(i => new[]
        {
            (Name: $"a{i}", Task: a.PublishTemplateAsync(Template($"a{i}"), $"source a{i}", "application/yaml", T0)),
            (Name: $"b{i}", Task: b.PublishTemplateAsync(Template($"b{i}"), $"source b{i}", "application/yaml", T0)),
        }).ToList();
        var versions = await Task.WhenAll(publishes.Select(p => p.Task));

        Assert.Equal(Enumerable.Range(1, 20), versions.Order());
        Assert.Equal(Enumerable.Range(1, 20), await b.ListTemplateVersionsAsync("welcome"));
        foreach (var (name, version) in publishes.Select((p, i) => (p.Name, versions[i])))
        {
            var stored = await a.GetTemplateAsync("welcome", version);
            Assert.Equal((name, "source " + name, version), (stored!.Template.Name, stored.Source, stored.Template.Version));
        }

        Assert.Equal(20, (await a.GetTemplateAsync("welcome"))!.Template.Version);
        Assert.Equal(20, (await b.ListTemplatesAsync()).Single().LatestVersion);
    }

    [Fact]
    public async Task PublishTemplateAsync_LargeTemplatesRacing_RowsNameBlobsAndLosersLeaveNone()
    {
        var (a, b) = (await DataStoreAsync(), await DataStoreAsync());
        var source = new string('s', 200_000);
        var template = Template("Large") with { Description = new string('d', 100_000) };

        var versions = await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(_ => new[]
        {
            a.PublishTemplateAsync(template, source, "application/yaml", T0),
            b.PublishTemplateAsync(template, source, "application/yaml", T0),
        }));

        Assert.Equal(Enumerable.Range(1, 8), versions.Order());
        var rows = await Rows(a.TemplatesTable);
        Assert.Equal(8, rows.Count);
        Assert.All(rows, r => Assert.Equal((false, false, true, true), (r.ContainsKey("Record"), r.ContainsKey("Source"), r.ContainsKey("RecordBlob"), r.ContainsKey("SourceBlob"))));
        var blobs = await BlobNames(a.Data);
        Assert.Equal(rows.SelectMany(r => new[] { r.GetString("RecordBlob"), r.GetString("SourceBlob") }).Order(), blobs.Order());
        Assert.Equal(source, (await b.GetTemplateAsync("welcome", 5))!.Source);
    }

    [Fact]
    public async Task ClaimSendAsync_TwoStoresAtOnce_ExactlyOneWinsEveryKey()
    {
        var (a, b) = (await DeliveryStoreAsync(), await DeliveryStoreAsync());

        for (var key = 0; key < 10; key++)
        {
            var send = Send($"k{key}");
            var claims = await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(_ => new[] { a.ClaimSendAsync(send), b.ClaimSendAsync(send) }));
            Assert.Single(claims, c => c.Claimed);
            Assert.All(claims, c => Assert.Equal((SendStates.Pending, 1), (c.Send.State, c.Send.Attempts)));

            await a.UpdateSendAsync(send.Key, SendStates.Retry, "429", T0.AddMinutes(1));
            var retries = await Task.WhenAll(Enumerable.Range(0, 3).SelectMany(_ => new[] { b.ClaimSendAsync(send), a.ClaimSendAsync(send) }));
            Assert.Single(retries, c => c.Claimed);
            Assert.Equal((SendStates.Pending, 2), ((await b.GetSendAsync(send.Key))!.State, (await a.GetSendAsync(send.Key))!.Attempts));
        }
    }

    [Fact]
    public async Task CompleteTaskAsync_TwoStoresAtOnce_OneOutcomeForEveryCaller()
    {
        var (a, b) = (await DataStoreAsync(), await DataStoreAsync());
        Assert.True(await a.CreateTaskAsync(NewTask("t1")));
        Assert.False(await b.CreateTaskAsync(NewTask("t1")));

        var results = await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(i => new[]
        {
            a.CompleteTaskAsync("t1", $"a{i}", null, T0.AddMinutes(i)),
            b.CompleteTaskAsync("t1", $"b{i}", null, T0.AddMinutes(i)),
        }));

        var stored = await b.GetTaskAsync("t1");
        Assert.Equal(TaskStatuses.Completed, stored!.Status);
        Assert.All(results, r => Assert.Equal(stored, r));
    }

    [Fact]
    public async Task AddMailAsync_TwoStoresAtOnce_OneInsertionOrderForAll()
    {
        var (a, b) = (await DataStoreAsync(), await DataStoreAsync());

        var added = await Task.WhenAll(Enumerable.Range(0, 10).SelectMany(i => new[]
        {
            a.AddMailAsync(Mail($"a{i}", "anna@example.com")),
            b.AddMailAsync(Mail($"b{i}", "bob@example.com")),
            b.AddMailAsync(Mail($"a{i}", "anna@example.com")),
        }));

        Assert.Equal(20, added.Count(x => x));
        var all = await a.ListMailAsync(null, null, 100);
        Assert.Equal(20, all.Select(m => m.Id).Distinct().Count());
        // Every listing is the same order: the counter's, newest first.
        var sequences = (await Rows(a.MailboxTable)).Where(r => r.PartitionKey == "a").Select(r => r.GetInt64("Sequence")!.Value).ToList();
        Assert.Equal(sequences.OrderDescending(), sequences);
        Assert.Equal(all.Where(m => m.To == "anna@example.com").Select(m => m.Id), (await b.ListMailAsync("anna@example.com", null, 100)).Select(m => m.Id));
        Assert.Equal(all.Where(m => m.To == "bob@example.com").Select(m => m.Id), (await b.ListMailAsync(null, "j-bob@example.com", 100)).Select(m => m.Id));
    }

    [Fact]
    public async Task TryRecordWebhookEventAsync_TwoStoresAtOnce_ExactlyOneRecords()
    {
        var (a, b) = (await DeliveryStoreAsync(), await DeliveryStoreAsync());

        var recorded = await Task.WhenAll(Enumerable.Range(0, 4).SelectMany(_ => new[]
        {
            a.TryRecordWebhookEventAsync("sendgrid", "ev-1", T0),
            b.TryRecordWebhookEventAsync("sendgrid", "ev-1", T0),
        }));

        Assert.Single(recorded, r => r);
    }

    // ---- limits --------------------------------------------------------------------------------

    [Fact]
    public async Task AddMailAsync_LargeBody_GoesToOneBlobSharedByTheListings()
    {
        var store = await DataStoreAsync();
        var body = new string('b', 500_000);

        await store.AddMailAsync(Mail("m1", "anna@example.com") with { Body = body });

        var rows = (await Rows(store.MailboxTable)).Where(r => r.PartitionKey != "$seq").ToList();
        Assert.Equal(4, rows.Count); // the message and its copies under a, j-…, t-…
        Assert.Single(rows.Select(r => r.GetString("RecordBlob")).Distinct());
        Assert.All(rows, r => Assert.False(r.ContainsKey("Record")));
        Assert.Single(await BlobNames(store.Data));
        Assert.Equal(body, (await store.ListMailAsync("anna@example.com", null, 1)).Single().Body);
    }

    [Fact]
    public async Task UpsertCustomerAsync_LargeProfileReplaced_OldBlobDeleted()
    {
        var store = await DataStoreAsync();
        var customer = new CustomerProfile { Id = "c1", DealerId = "d1", Email = "anna@example.com", FirstName = new string('a', 40_000), Consent = new() { Email = true } };

        await store.UpsertCustomerAsync(customer);
        var first = await BlobNames(store.Data);
        await store.UpsertCustomerAsync(customer with { LastName = "de Vries" });
        var second = await BlobNames(store.Data);

        Assert.Single(first);
        Assert.Single(second);
        Assert.NotEqual(first, second);
        Assert.Equal("de Vries", (await store.GetCustomerAsync("d1", "c1"))!.LastName);
    }

    // ---- crash repairs -------------------------------------------------------------------------

    [Fact]
    public async Task AddMailAsync_CopiesLostInACrash_AreWrittenAgainByTheRetry()
    {
        var store = await DataStoreAsync();
        await store.AddMailAsync(Mail("m1", "anna@example.com"));
        foreach (var copy in (await Rows(store.MailboxTable)).Where(r => r.PartitionKey is "a" || r.PartitionKey.StartsWith("j-", StringComparison.Ordinal) || r.PartitionKey.StartsWith("t-", StringComparison.Ordinal)))
        {
            await store.MailboxTable.DeleteEntityAsync(copy.PartitionKey, copy.RowKey);
        }

        Assert.Empty(await store.ListMailAsync(null, null, 10));

        Assert.False(await store.AddMailAsync(Mail("m1", "anna@example.com") with { Subject = "retry" }));
        Assert.Equal(["Hello"], (await store.ListMailAsync("anna@example.com", "j-anna@example.com", 10)).Select(m => m.Subject));
        Assert.Single(await store.ListMailAsync(null, null, 10));
    }

    [Fact]
    public async Task CreateTaskAsync_CrashAfterTheIdRow_TheRetryCreatesTheTask()
    {
        var store = await DataStoreAsync();
        await store.TasksTable.AddEntityAsync(new TableEntity("i-t1", "$") { ["DealerId"] = "dealer-a" });

        Assert.Null(await store.GetTaskAsync("t1"));
        Assert.True(await store.CreateTaskAsync(NewTask("t1")));
        Assert.Equal(NewTask("t1"), await store.GetTaskAsync("t1"));
        Assert.False(await store.CreateTaskAsync(NewTask("t1") with { DealerId = "dealer-b" }));
        Assert.Empty(await store.ListTasksAsync("dealer-b", null));
    }

    [Fact]
    public async Task GetSendAsync_CrashAfterThePartitionRow_SendIsUnknownAndTheRetryClaimsIt()
    {
        var store = await DeliveryStoreAsync();
        await store.InitializeAsync();
        await store.SendsTable.AddEntityAsync(new TableEntity("k-k1", "$") { ["Partition"] = "c-dealer-a|c1" });

        Assert.Null(await store.GetSendAsync("k1"));
        await store.UpdateSendAsync("k1", SendStates.Sent, null, T0); // nothing to update
        Assert.True((await store.ClaimSendAsync(Send("k1"))).Claimed);
        Assert.Equal(SendStates.Pending, (await store.GetSendAsync("k1"))!.State);
    }

    // ---- registration --------------------------------------------------------------------------

    [Fact]
    public async Task AddAzureStorageDataStores_ReplacesEarlierStores_OneDeliveryStoreForBothPorts_OneDataStoreForDataAndIndex()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IDeliveryStore, InMemoryDeliveryStore>();
        services.AddSingleton<IDeadLetterStore, InMemoryDeadLetterStore>();

        services.AddAzureStorageDataStores(azurite.Options(_prefix));
        await using var provider = services.BuildServiceProvider();

        var data = provider.GetRequiredService<IJourneyDataStore>();
        Assert.IsType<AzureStorageJourneyDataStore>(data);
        Assert.Same(provider.GetRequiredService<IDeliveryStore>(), provider.GetRequiredService<IDeadLetterStore>());
        Assert.IsType<AzureStorageDeliveryStore>(provider.GetRequiredService<IDeliveryStore>());
        Assert.Same(data, provider.GetRequiredService<IJourneyDataStore>());
        Assert.Same(data, provider.GetRequiredService<IJourneyIndex>());
        Assert.Single(services, d => d.ServiceType == typeof(IDeliveryStore));
        await data.InitializeAsync();
        await data.UpsertCustomerAsync(new CustomerProfile { Id = "c1", DealerId = "d1", Email = "a@example.com", Consent = new() });
        Assert.NotNull(await data.GetCustomerAsync("d1", "c1"));
    }

    [Fact]
    public void AddAzureStorageDataStores_InvalidOptions_Throws()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddAzureStorageDataStores(o => (o.ConnectionString, o.NamePrefix) = (azurite.ConnectionString, "Bad-Prefix")));

        Assert.Contains("NamePrefix", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionString", Assert.Throws<ArgumentException>(() => services.AddAzureStorageDataStores(new AzureStorageOptions())).Message, StringComparison.Ordinal);
        Assert.Empty(services);
    }

    // ---- helpers -------------------------------------------------------------------------------

    private async Task<AzureStorageJourneyDataStore> DataStoreAsync()
    {
        var store = new AzureStorageJourneyDataStore(azurite.Options(_prefix));
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }

    private Task<AzureStorageDeliveryStore> DeliveryStoreAsync()
    {
        var store = new AzureStorageDeliveryStore(azurite.Options(_prefix));
        _stores.Add(store);
        return Task.FromResult(store);
    }

    private static async Task<List<TableEntity>> Rows(TableClient table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<List<string>> BlobNames(DataTables data)
    {
        var names = new List<string>();
        await foreach (var blob in data.Container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    private static JourneyTemplate Template(string name) => new()
    {
        Id = "welcome",
        Name = name,
        Events = ["brochure.downloaded"],
        Entry = new EntrySpec { Events = ["brochure.downloaded"] },
        Start = "end",
        Steps = [new StepSpec { Id = "end", Kind = StepKinds.End }],
    };

    private static SalesTask NewTask(string id) => new()
    {
        Id = id,
        DealerId = "dealer-a",
        JourneyId = "j1",
        CustomerId = "c1",
        StepId = "call",
        Type = "call-testdrive-invite",
        Title = "Call Anna",
        Status = TaskStatuses.Open,
        CreatedAt = T0,
        DueAt = T0.AddHours(4),
    };

    private static MailboxMessage Mail(string id, string to) => new()
    {
        Id = id,
        JourneyId = "j-" + to,
        DealerId = "dealer-a",
        CustomerId = "c1",
        To = to,
        Subject = "Hello",
        Body = "<p>Hi</p>",
        EmailTemplate = "brochure-follow-up",
        Category = "marketing",
        SentAt = T0,
    };

    private static OutboundSend Send(string key) => new()
    {
        Key = key,
        Channel = "email",
        DealerId = "dealer-a",
        CustomerId = "c1",
        JourneyId = "j1",
        StepId = "invite",
        Category = "marketing",
        State = SendStates.Pending,
        CreatedAt = T0,
        UpdatedAt = T0,
    };
}
