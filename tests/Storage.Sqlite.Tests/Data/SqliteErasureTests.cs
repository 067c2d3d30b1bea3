using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.Sqlite.Tests.Data;

/// <summary>Erasure in the SQLite data and delivery stores: what goes, what is anonymised, what stays (other customers, other dealers).</summary>
public sealed class SqliteErasureTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task EraseCustomerAsync_DeletesProfileTasksMailAndAnonymisesTouchpoints_OnlyForThatDealersCustomer()
    {
        await using var store = await OpenDataAsync();
        foreach (var (dealer, customer) in new[] { ("d-1", "anna"), ("d-1", "bert"), ("d-2", "anna") })
        {
            await store.UpsertCustomerAsync(Profile(dealer, customer));
            await store.CreateTaskAsync(Task(dealer, customer));
            await store.AddTouchpointAsync(Touchpoint(dealer, customer));
            await store.AddMailAsync(Mail(dealer, customer, $"{customer}@example.com"));
        }

        await store.AddMailAsync(Mail("d-1", "old-id", "ANNA@example.com")); // the same address under an earlier id

        var erased = await store.EraseCustomerAsync("d-1", "anna", "Anna@Example.com", "erased-0123");

        Assert.Equal(new CustomerErasure(Profile: true, Tasks: 1, Touchpoints: 1, MailboxMessages: 2), erased);
        Assert.Null(await store.GetCustomerAsync("d-1", "anna"));
        Assert.Null(await store.GetTaskAsync("task-d-1-anna"));
        var touchpoint = Assert.Single(await store.ListTouchpointsAsync("j-d-1-anna"));
        Assert.Equal(("erased-0123", null), (touchpoint.CustomerId, touchpoint.Detail));
        Assert.DoesNotContain(await store.ListMailAsync("anna@example.com", null, 10), m => m.DealerId == "d-1");
        Assert.Empty(await store.ListMailAsync("ANNA@example.com", null, 10));

        // Untouched: another customer of the dealer, and the same customer id at another dealer.
        Assert.NotNull(await store.GetCustomerAsync("d-1", "bert"));
        Assert.NotNull(await store.GetCustomerAsync("d-2", "anna"));
        Assert.NotNull(await store.GetTaskAsync("task-d-2-anna"));
        Assert.Equal("anna", Assert.Single(await store.ListTouchpointsAsync("j-d-2-anna")).CustomerId);
        Assert.Single(await store.ListMailAsync("anna@example.com", "j-d-2-anna", 10));
        Assert.Equal(2, (await store.ListTasksAsync("d-1", null)).Count + (await store.ListTasksAsync("d-2", null)).Count);
    }

    [Fact]
    public async Task EraseCustomerAsync_Twice_SecondFindsNothing()
    {
        await using var store = await OpenDataAsync();
        await store.UpsertCustomerAsync(Profile("d-1", "anna"));
        await store.AddTouchpointAsync(Touchpoint("d-1", "anna"));
        await store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123");

        var again = await store.EraseCustomerAsync("d-1", "anna", null, "erased-0123");

        Assert.Equal(new CustomerErasure(false, 0, 0, 0), again);
        Assert.Equal("erased-0123", Assert.Single(await store.ListTouchpointsAsync("j-d-1-anna")).CustomerId);
    }

    [Fact]
    public async Task SaveErasureAsync_UpsertsById_ListedNewestFirstByDealerAndCustomerHash_AndSurvivesAReopen()
    {
        await using (var store = await OpenDataAsync())
        {
            await store.SaveErasureAsync(Record("e-1", "d-1", "h-anna", T0));
            await store.SaveErasureAsync(Record("e-2", "d-2", "h-anna", T0.AddHours(1)));
            await store.SaveErasureAsync(Record("e-3", "d-1", "h-bert", T0.AddHours(2)));
            await store.SaveErasureAsync(Record("e-1", "d-1", "h-anna", T0) with { State = ErasureStates.Completed, CompletedAt = T0, Journeys = 3 });
        }

        await using var reopened = await OpenDataAsync();
        Assert.Equal(["e-3", "e-2", "e-1"], (await reopened.ListErasuresAsync(null, null, 10)).Select(e => e.Id));
        Assert.Equal(["e-3", "e-1"], (await reopened.ListErasuresAsync("d-1", null, 10)).Select(e => e.Id));
        var first = Assert.Single(await reopened.ListErasuresAsync("d-1", "h-anna", 10));
        Assert.Equal((ErasureStates.Completed, 3, T0), (first.State, first.Journeys, first.CompletedAt!.Value));
        Assert.Single(await reopened.ListErasuresAsync(null, null, 1));
    }

    [Fact]
    public async Task DeliveryEraseCustomerAsync_RecordsTheMarkerOnceDeletesLedgerAndSuppressions_OnlyForThatDealer()
    {
        await using var delivery = new SqliteDeliveryStore(Path.Combine(_directory.Path, SqliteDeliveryStore.DefaultFileName));
        foreach (var dealer in new[] { "d-1", "d-2" })
        {
            await delivery.ClaimSendAsync(Send(dealer, "anna", "k-" + dealer));
            await delivery.AddSuppressionAsync(new Suppression { DealerId = dealer, CustomerId = "anna", Scope = SuppressionScopes.Marketing, Reason = "unsubscribe", CreatedAt = T0 });
            await delivery.AddSuppressionAsync(new Suppression { DealerId = dealer, Email = "anna@example.com", Scope = SuppressionScopes.All, Reason = "bounce", CreatedAt = T0 });
        }

        await delivery.ClaimSendAsync(Send("d-1", "bert", "k-bert"));

        var erased = await delivery.EraseCustomerAsync("d-1", "anna", "ANNA@example.com", "hash-1", T0);
        var again = await delivery.EraseCustomerAsync("d-1", "anna", "anna@example.com", "hash-1", T0.AddDays(1));
        await delivery.EraseCustomerAsync("d-1", "anna", null, "hash-1", T0.AddHours(1)); // an older time never moves it back

        Assert.Equal(new DeliveryErasure(1, 2), erased);
        Assert.Equal(new DeliveryErasure(0, 0), again);
        Assert.Equal(T0.AddDays(1), await delivery.GetErasedAddressAsync("d-1", "hash-1")); // the latest erase's time
        Assert.Null(await delivery.GetErasedAddressAsync("d-2", "hash-1"));
        Assert.Null(await delivery.GetSendAsync("k-d-1"));
        Assert.NotNull(await delivery.GetSendAsync("k-bert"));
        Assert.NotNull(await delivery.GetSendAsync("k-d-2"));
        Assert.Empty(await delivery.FindSuppressionsAsync("d-1", "anna", "anna@example.com"));
        Assert.Equal(2, (await delivery.FindSuppressionsAsync("d-2", "anna", "anna@example.com")).Count);
    }

    private async Task<SqliteJourneyDataStore> OpenDataAsync()
    {
        var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName) });
        await store.InitializeAsync();
        return store;
    }

    private static CustomerProfile Profile(string dealer, string customer) => new()
    {
        Id = customer, DealerId = dealer, Email = $"{customer}@example.com", FirstName = customer, Consent = new ConsentSettings { Email = true }, UpdatedAt = T0,
    };

    private static SalesTask Task(string dealer, string customer) => new()
    {
        Id = $"task-{dealer}-{customer}", DealerId = dealer, JourneyId = $"j-{dealer}-{customer}", CustomerId = customer, StepId = "call", Type = "call",
        Title = $"Call {customer}", Status = TaskStatuses.Open, CreatedAt = T0, DueAt = T0.AddDays(1), Notes = "likes red cars",
    };

    private static Touchpoint Touchpoint(string dealer, string customer) => new()
    {
        Id = $"tp-{dealer}-{customer}", JourneyId = $"j-{dealer}-{customer}", DealerId = dealer, CustomerId = customer, StepId = "welcome",
        Channel = "email", Name = "welcome", Status = "failed", Detail = $"mailbox {customer}@example.com full", Cause = new TouchpointCause("start"), OccurredAt = T0,
    };

    private static MailboxMessage Mail(string dealer, string customer, string to) => new()
    {
        Id = $"m-{dealer}-{customer}-{to}", JourneyId = $"j-{dealer}-{customer}", DealerId = dealer, CustomerId = customer, To = to,
        Subject = "Hello", Body = "Dear " + customer, EmailTemplate = "welcome", Category = "marketing", SentAt = T0,
    };

    private static ErasureRecord Record(string id, string dealer, string hash, DateTimeOffset at) => new()
    {
        Id = id, DealerId = dealer, CustomerHash = hash, State = ErasureStates.Started, Actor = "admin", RequestedAt = at,
    };

    private static OutboundSend Send(string dealer, string customer, string key) => new()
    {
        Key = key, Channel = "email", DealerId = dealer, CustomerId = customer, JourneyId = "j", StepId = "s", Category = "marketing",
        State = SendStates.Pending, CreatedAt = T0, UpdatedAt = T0,
    };
}
