using Azure.Data.Tables;
using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Storage.AzureStorage.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.Data;

/// <summary>
/// Erasure on Azure Tables is restartable steps, not one transaction: a crash before any write of it leaves a state a second
/// call finishes (profile deleted last, no row naming a deleted blob, no blob of the customer left), and the erased-address
/// marker is written first. Every record is large enough here (<see cref="AzureStorageOptions.InlinePayloadLimit"/> = 1,000)
/// to live in a blob.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageErasureTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly string Long = new('x', 2_000);
    private readonly List<IAsyncDisposable> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    [Fact]
    public async Task EraseCustomerAsync_CrashBeforeTheProfileDelete_ProfileStaysReadableAndTheSecondCallFinishes()
    {
        var (store, failures) = await DataStoreAsync();
        await SeedAsync(store);
        var kept = await BlobNamesAsync(store.Data);
        await SeedAsync(store, "anna");
        failures.FailWhen(r => r.Method == Azure.Core.RequestMethod.Delete && r.Uri.Path.Contains("Customers(", StringComparison.Ordinal));

        await Assert.ThrowsAsync<InjectedCrashException>(() => store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123"));

        // Everything but the profile is done, and the profile (by which the caller finds the unfinished erase) still reads.
        Assert.Equal("anna", (await store.GetCustomerAsync("d-1", "anna"))!.Id);
        await AssertErasedAsync(store, profileToo: false);
        Assert.NotEmpty(await JournalAsync(store));

        var second = await store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123");

        Assert.Equal(new CustomerErasure(true, 0, 0, 0), second);
        await AssertErasedAsync(store, profileToo: true);
        Assert.Equal(kept.Order(), (await BlobNamesAsync(store.Data)).Order());
        Assert.Empty(await JournalAsync(store));
    }

    [Fact]
    public async Task EraseCustomerAsync_CrashBeforeAnyOneWrite_SecondCallFinishes_ProfileDeletedLast_NoBlobLeft()
    {
        // How many writes a whole erase makes, then a crash before each one of them in turn.
        var (probe, probeFailures) = await DataStoreAsync();
        await SeedAsync(probe, "anna");
        probeFailures.CountWrites();
        Assert.Equal(new CustomerErasure(true, 2, 1, 2), await probe.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123"));
        var writes = probeFailures.Writes;
        Assert.True(writes > 10, $"An erase of this customer makes {writes} writes.");

        for (var n = 1; n <= writes; n++)
        {
            var (store, failures) = await DataStoreAsync();
            await SeedAsync(store);
            var kept = await BlobNamesAsync(store.Data);
            await SeedAsync(store, "anna");
            failures.FailWrite(n);

            await Assert.ThrowsAsync<InjectedCrashException>(() => store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123"));

            // Whatever is left reads (no row names a deleted blob); the profile goes only after everything else.
            var profile = await store.GetCustomerAsync("d-1", "anna");
            await store.ListMailAsync(null, null, 100);
            await store.ListTouchpointsAsync("j-d-1-anna");
            await store.ListTasksAsync("d-1", null);
            if (profile is null)
            {
                await AssertErasedAsync(store, profileToo: true);
            }

            var second = await store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123");

            Assert.Equal(profile is not null, second.Profile);
            await AssertErasedAsync(store, profileToo: true);
            Assert.Equal(kept.Order(), (await BlobNamesAsync(store.Data)).Order());
            Assert.Empty(await JournalAsync(store));
            Assert.Equal(new CustomerErasure(false, 0, 0, 0), await store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123"));
        }
    }

    [Fact]
    public async Task DeliveryEraseCustomerAsync_CrashBeforeAnyOneWrite_MarkerFirst_SecondCallFinishes()
    {
        var (probe, probeFailures) = await DeliveryStoreAsync();
        await SeedDeliveryAsync(probe);
        probeFailures.CountWrites();
        Assert.Equal(new DeliveryErasure(2, 2), await probe.EraseCustomerAsync("d-1", "anna", "Anna@example.com", "hash-1", T0));
        var writes = probeFailures.Writes;

        for (var n = 1; n <= writes; n++)
        {
            var (store, failures) = await DeliveryStoreAsync();
            await SeedDeliveryAsync(store);
            failures.FailWrite(n);

            await Assert.ThrowsAsync<InjectedCrashException>(() => store.EraseCustomerAsync("d-1", "anna", "Anna@example.com", "hash-1", T0));

            // The marker is the first write: from the second write on it is there, whatever else is left.
            Assert.Equal(n > 1 ? T0 : (DateTimeOffset?)null, await store.GetErasedAddressAsync("d-1", "hash-1"));
            await store.GetSendAsync("k-1"); // reads: no row names a deleted blob

            await store.EraseCustomerAsync("d-1", "anna", "Anna@example.com", "hash-1", T0);

            Assert.Equal(T0, await store.GetErasedAddressAsync("d-1", "hash-1"));
            Assert.Null(await store.GetSendAsync("k-1"));
            Assert.Null(await store.GetSendAsync("k-2"));
            Assert.Empty(await store.FindSuppressionsAsync("d-1", "anna", "anna@example.com"));
            Assert.Empty(await store.FindSuppressionsAsync("d-1", "old-id", null));
            Assert.NotNull(await store.GetSendAsync("k-bert"));
            Assert.Empty(await DeliveryBlobNamesAsync(store)); // bert's send is small
            Assert.Equal(new DeliveryErasure(0, 0), await store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "hash-1", T0));
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    private static async Task SeedAsync(AzureStorageJourneyDataStore store, string? customer = null)
    {
        if (customer is null)
        {
            // Others: another customer of the dealer, the same customer id at another dealer.
            foreach (var (dealer, other) in new[] { ("d-1", "bert"), ("d-2", "anna") })
            {
                await store.UpsertCustomerAsync(Profile(dealer, other));
                await store.CreateTaskAsync(NewTask(dealer, other, "1"));
                await store.AddTouchpointAsync(Touchpoint(dealer, other));
                await store.AddMailAsync(Mail(dealer, other, $"{other}@example.com"));
            }

            return;
        }

        await store.UpsertCustomerAsync(Profile("d-1", customer));
        await store.CreateTaskAsync(NewTask("d-1", customer, "1"));
        await store.CreateTaskAsync(NewTask("d-1", customer, "2"));
        await store.CompleteTaskAsync($"task-d-1-{customer}-2", "done", Long, T0.AddHours(1));
        await store.AddTouchpointAsync(Touchpoint("d-1", customer));
        await store.AddMailAsync(Mail("d-1", customer, $"{customer}@example.com"));
        await store.AddMailAsync(Mail("d-1", "old-id", $"{customer.ToUpperInvariant()}@example.com"));
    }

    private static async Task AssertErasedAsync(AzureStorageJourneyDataStore store, bool profileToo)
    {
        if (profileToo)
        {
            Assert.Null(await store.GetCustomerAsync("d-1", "anna"));
        }

        Assert.Null(await store.GetTaskAsync("task-d-1-anna-1"));
        Assert.Null(await store.GetTaskAsync("task-d-1-anna-2"));
        Assert.Equal(["task-d-1-bert-1"], (await store.ListTasksAsync("d-1", null)).Select(t => t.Id));
        Assert.Equal(["bert@example.com"], (await store.ListMailAsync(null, null, 100)).Where(m => m.DealerId == "d-1").Select(m => m.To));
        Assert.Equal(Touchpoint("d-1", "anna") with { CustomerId = "erased-0123", Detail = null }, Assert.Single(await store.ListTouchpointsAsync("j-d-1-anna")));
        Assert.Equal(Profile("d-2", "anna"), await store.GetCustomerAsync("d-2", "anna"));
        Assert.Equal(Touchpoint("d-2", "anna"), Assert.Single(await store.ListTouchpointsAsync("j-d-2-anna")));
        Assert.Single(await store.ListMailAsync("anna@example.com", null, 100));
        Assert.DoesNotContain(await RowsAsync(store.TasksTable), r => (r.PartitionKey + r.RowKey).Contains("task-d-1-anna", StringComparison.Ordinal)); // id rows too
    }

    private static async Task SeedDeliveryAsync(AzureStorageDeliveryStore store)
    {
        foreach (var key in new[] { "k-1", "k-2" })
        {
            Assert.True((await store.ClaimSendAsync(Send("anna", key))).Claimed);
            await store.UpdateSendAsync(key, SendStates.Failed, Long, T0); // a detail long enough for a blob
        }

        await store.ClaimSendAsync(Send("bert", "k-bert"));
        await store.AddSuppressionAsync(new Suppression { DealerId = "d-1", CustomerId = "anna", Email = "anna@example.com", Scope = SuppressionScopes.Marketing, Reason = "unsubscribe", CreatedAt = T0 });
        await store.AddSuppressionAsync(new Suppression { DealerId = "d-1", CustomerId = "old-id", Email = "anna@example.com", Scope = SuppressionScopes.All, Reason = "bounce", CreatedAt = T0 });
    }

    private async Task<(AzureStorageJourneyDataStore Store, FailingRequests Failures)> DataStoreAsync()
    {
        var failures = new FailingRequests();
        var options = azurite.Options(AzuriteFixture.NewPrefix());
        options.InlinePayloadLimit = 1_000;
        options.RequestPolicyForTests = failures;
        var store = new AzureStorageJourneyDataStore(options);
        _stores.Add(store);
        await store.InitializeAsync();
        return (store, failures);
    }

    private async Task<(AzureStorageDeliveryStore Store, FailingRequests Failures)> DeliveryStoreAsync()
    {
        var failures = new FailingRequests();
        var options = azurite.Options(AzuriteFixture.NewPrefix());
        options.InlinePayloadLimit = 1_000;
        options.RequestPolicyForTests = failures;
        var store = new AzureStorageDeliveryStore(options);
        _stores.Add(store);
        await store.InitializeAsync();
        return (store, failures);
    }

    private static async Task<List<TableEntity>> JournalAsync(AzureStorageJourneyDataStore store) =>
        [.. (await RowsAsync(store.ErasuresTable)).Where(r => r.PartitionKey.StartsWith("j|", StringComparison.Ordinal))];

    private static async Task<List<TableEntity>> RowsAsync(TableClient table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<List<string>> BlobNamesAsync(DataTables data)
    {
        var names = new List<string>();
        await foreach (var blob in data.Container.GetBlobsAsync())
        {
            names.Add(blob.Name);
        }

        return names;
    }

    private static Task<List<string>> DeliveryBlobNamesAsync(AzureStorageDeliveryStore store) => BlobNamesAsync(store.Data);

    private static CustomerProfile Profile(string dealer, string customer) => new()
    {
        Id = customer, DealerId = dealer, Email = $"{customer}@example.com", FirstName = customer, LastName = Long, Consent = new ConsentSettings { Email = true }, UpdatedAt = T0,
    };

    private static SalesTask NewTask(string dealer, string customer, string n) => new()
    {
        Id = $"task-{dealer}-{customer}-{n}", DealerId = dealer, JourneyId = $"j-{dealer}-{customer}", CustomerId = customer, StepId = "call", Type = "call",
        Title = $"Call {customer}", Status = TaskStatuses.Open, CreatedAt = T0, DueAt = T0.AddDays(1), Notes = Long,
    };

    private static Touchpoint Touchpoint(string dealer, string customer) => new()
    {
        Id = $"tp-{dealer}-{customer}", JourneyId = $"j-{dealer}-{customer}", DealerId = dealer, CustomerId = customer, StepId = "welcome",
        Channel = "email", Name = "welcome", Status = "failed", Detail = Long, Cause = new TouchpointCause("start"), OccurredAt = T0,
    };

    private static MailboxMessage Mail(string dealer, string customer, string to) => new()
    {
        Id = $"m-{dealer}-{customer}-{to}", JourneyId = $"j-{dealer}-{customer}", DealerId = dealer, CustomerId = customer, To = to,
        Subject = "Hello", Body = Long, EmailTemplate = "welcome", Category = "marketing", SentAt = T0,
    };

    private static OutboundSend Send(string customer, string key) => new()
    {
        Key = key, Channel = "email", DealerId = "d-1", CustomerId = customer, JourneyId = "j", StepId = "s", Category = "marketing",
        State = SendStates.Pending, CreatedAt = T0, UpdatedAt = T0,
    };
}
