using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.Conformance.Data;

/// <summary>Erasure (GDPR): what goes, what is anonymised, what stays (other customers, other dealers); the audit records.</summary>
public abstract partial class JourneyDataStoreConformanceTests
{
    [Fact]
    public async Task EraseCustomerAsync_DeletesProfileTasksMailAndAnonymisesTouchpoints_OnlyForThatDealersCustomer()
    {
        foreach (var (dealer, customer) in new[] { ("d-1", "anna"), ("d-1", "bert"), ("d-2", "anna") })
        {
            await Store.UpsertCustomerAsync(ErasableProfile(dealer, customer));
            await Store.CreateTaskAsync(ErasableTask(dealer, customer, "1"));
            await Store.AddTouchpointAsync(ErasableTouchpoint(dealer, customer));
            await Store.AddMailAsync(ErasableMail(dealer, customer, $"{customer}@example.com"));
        }

        await Store.CreateTaskAsync(ErasableTask("d-1", "anna", "2"));
        await Store.CompleteTaskAsync("task-d-1-anna-2", "done", "called back, wants a red one", T0.AddHours(1));
        await Store.AddMailAsync(ErasableMail("d-1", "old-id", "ANNA@example.com")); // the same address under an earlier id

        var erased = await Store.EraseCustomerAsync("d-1", "anna", "Anna@Example.com", "erased-0123");

        Assert.Equal(new CustomerErasure(Profile: true, Tasks: 2, Touchpoints: 1, MailboxMessages: 2), erased);
        Assert.Null(await Store.GetCustomerAsync("d-1", "anna"));
        Assert.Null(await Store.GetTaskAsync("task-d-1-anna-1"));
        Assert.Null(await Store.GetTaskAsync("task-d-1-anna-2"));
        var touchpoint = Assert.Single(await Store.ListTouchpointsAsync("j-d-1-anna"));
        Assert.Equal(("erased-0123", null, "welcome"), (touchpoint.CustomerId, touchpoint.Detail, touchpoint.StepId));
        Assert.DoesNotContain(await Store.ListMailAsync("anna@example.com", null, 10), m => m.DealerId == "d-1");
        Assert.Empty(await Store.ListMailAsync("ANNA@example.com", null, 10));
        Assert.Empty(await Store.ListMailAsync(null, "j-d-1-anna", 10));
        Assert.DoesNotContain(await Store.ListMailAsync(null, null, 10), m => m.DealerId == "d-1" && m.To.Equals("anna@example.com", StringComparison.OrdinalIgnoreCase));

        // Untouched: another customer of the dealer, and the same customer id at another dealer.
        Assert.NotNull(await Store.GetCustomerAsync("d-1", "bert"));
        Assert.NotNull(await Store.GetCustomerAsync("d-2", "anna"));
        Assert.NotNull(await Store.GetTaskAsync("task-d-2-anna-1"));
        Assert.NotNull(await Store.GetTaskAsync("task-d-1-bert-1"));
        Assert.Equal("anna", Assert.Single(await Store.ListTouchpointsAsync("j-d-2-anna")).CustomerId);
        Assert.Equal("bert", Assert.Single(await Store.ListTouchpointsAsync("j-d-1-bert")).CustomerId);
        Assert.Single(await Store.ListMailAsync("anna@example.com", "j-d-2-anna", 10));
        Assert.Single(await Store.ListMailAsync("bert@example.com", null, 10));
        Assert.Equal(2, (await Store.ListTasksAsync("d-1", null)).Count + (await Store.ListTasksAsync("d-2", null)).Count);
    }

    [Fact]
    public async Task EraseCustomerAsync_Twice_SecondFindsNothing()
    {
        await Store.UpsertCustomerAsync(ErasableProfile("d-1", "anna"));
        await Store.CreateTaskAsync(ErasableTask("d-1", "anna", "1"));
        await Store.AddTouchpointAsync(ErasableTouchpoint("d-1", "anna"));
        await Store.AddMailAsync(ErasableMail("d-1", "anna", "anna@example.com"));
        Assert.Equal(new CustomerErasure(true, 1, 1, 1), await Store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123"));

        var again = await Store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123");

        Assert.Equal(new CustomerErasure(false, 0, 0, 0), again);
        Assert.Equal("erased-0123", Assert.Single(await Store.ListTouchpointsAsync("j-d-1-anna")).CustomerId);
        Assert.Equal(new CustomerErasure(false, 0, 0, 0), await Store.EraseCustomerAsync("d-9", "nobody", null, "erased-4567"));
    }

    [Fact]
    public async Task EraseCustomerAsync_NoAddress_KeepsMailToTheAddressUnderAnotherCustomerId()
    {
        await Store.AddMailAsync(ErasableMail("d-1", "anna", "anna@example.com"));
        await Store.AddMailAsync(ErasableMail("d-1", "old-id", "anna@example.com"));

        var erased = await Store.EraseCustomerAsync("d-1", "anna", null, "erased-0123");

        Assert.Equal(new CustomerErasure(false, 0, 0, 1), erased);
        Assert.Equal("old-id", Assert.Single(await Store.ListMailAsync("anna@example.com", null, 10)).CustomerId);
    }

    [Fact]
    public async Task EraseCustomerAsync_LargeRecords_AreErasedAndTheTouchpointKeptSmall()
    {
        var large = new string('x', 300_000);
        await Store.UpsertCustomerAsync(ErasableProfile("d-1", "anna") with { LastName = large });
        await Store.CreateTaskAsync(ErasableTask("d-1", "anna", "1") with { Notes = large });
        await Store.AddTouchpointAsync(ErasableTouchpoint("d-1", "anna") with { Detail = large });
        await Store.AddMailAsync(ErasableMail("d-1", "anna", "anna@example.com") with { Body = large });

        var erased = await Store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "erased-0123");

        Assert.Equal(new CustomerErasure(true, 1, 1, 1), erased);
        Assert.Null(await Store.GetCustomerAsync("d-1", "anna"));
        Assert.Null(await Store.GetTaskAsync("task-d-1-anna-1"));
        Assert.Empty(await Store.ListMailAsync(null, null, 10));
        var touchpoint = Assert.Single(await Store.ListTouchpointsAsync("j-d-1-anna"));
        Assert.Equal(ErasableTouchpoint("d-1", "anna") with { CustomerId = "erased-0123", Detail = null }, touchpoint);
    }

    [Fact]
    public async Task SaveErasureAsync_UpsertsById_ListedNewestFirstByDealerAndCustomerHash()
    {
        await Store.SaveErasureAsync(ErasureRecordAt("e-1", "d-1", "h-anna", T0));
        await Store.SaveErasureAsync(ErasureRecordAt("e-2", "d-2", "h-anna", T0.AddHours(1)));
        await Store.SaveErasureAsync(ErasureRecordAt("e-3", "d-1", "h-bert", T0.AddHours(2)));
        var completed = ErasureRecordAt("e-1", "d-1", "h-anna", T0) with { State = ErasureStates.Completed, CompletedAt = T0.AddMinutes(5), Journeys = 3, Touchpoints = 2 };
        await Store.SaveErasureAsync(completed);

        Assert.Equal(["e-3", "e-2", "e-1"], (await Store.ListErasuresAsync(null, null, 10)).Select(e => e.Id));
        Assert.Equal(["e-3", "e-1"], (await Store.ListErasuresAsync("d-1", null, 10)).Select(e => e.Id));
        Assert.Equal(["e-2", "e-1"], (await Store.ListErasuresAsync(null, "h-anna", 10)).Select(e => e.Id));
        Assert.Equal(completed, Assert.Single(await Store.ListErasuresAsync("d-1", "h-anna", 10)));
        Assert.Equal("e-3", Assert.Single(await Store.ListErasuresAsync(null, null, 1)).Id);
        Assert.Empty(await Store.ListErasuresAsync("d-9", null, 10));
    }

    [Fact]
    public async Task ListErasuresAsync_SameRequestedAt_NewestSavedFirst_AndLimitBelowOneThrows()
    {
        foreach (var id in new[] { "e-b", "e-c", "e-a" })
        {
            await Store.SaveErasureAsync(ErasureRecordAt(id, "d-1", "h-" + id, T0));
        }

        await Store.SaveErasureAsync(ErasureRecordAt("e-b", "d-1", "h-e-b", T0) with { State = ErasureStates.Completed }); // a replace keeps its place

        Assert.Equal(["e-a", "e-c", "e-b"], (await Store.ListErasuresAsync("d-1", null, 10)).Select(e => e.Id));
        Assert.Equal(["e-a", "e-c"], (await Store.ListErasuresAsync("d-1", null, 2)).Select(e => e.Id));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ListErasuresAsync(null, null, 0));
    }

    [Fact]
    public async Task SaveErasureAsync_ManyAtOnce_EachListedOnceWithItsLastState()
    {
        var ids = Enumerable.Range(0, 12).Select(i => $"e-{i:D2}").ToList();

        await Task.WhenAll(ids.Select(id => Store.SaveErasureAsync(ErasureRecordAt(id, "d-1", "h-" + id, T0))));
        await Task.WhenAll(ids.Select(id => Store.SaveErasureAsync(ErasureRecordAt(id, "d-1", "h-" + id, T0) with { State = ErasureStates.Completed })));

        var listed = await Store.ListErasuresAsync("d-1", null, 100);
        Assert.Equal(ids, listed.Select(e => e.Id).Order(StringComparer.Ordinal));
        Assert.All(listed, e => Assert.Equal(ErasureStates.Completed, e.State));
    }

    // ---- builders ------------------------------------------------------------------------------

    protected static CustomerProfile ErasableProfile(string dealer, string customer) => new()
    {
        Id = customer, DealerId = dealer, Email = $"{customer}@example.com", FirstName = customer, Consent = new ConsentSettings { Email = true }, UpdatedAt = T0,
    };

    protected static SalesTask ErasableTask(string dealer, string customer, string n) => new()
    {
        Id = $"task-{dealer}-{customer}-{n}", DealerId = dealer, JourneyId = $"j-{dealer}-{customer}", CustomerId = customer, StepId = "call", Type = "call",
        Title = $"Call {customer}", Status = TaskStatuses.Open, CreatedAt = T0, DueAt = T0.AddDays(1), Notes = "likes red cars",
    };

    protected static Touchpoint ErasableTouchpoint(string dealer, string customer) => new()
    {
        Id = $"tp-{dealer}-{customer}", JourneyId = $"j-{dealer}-{customer}", DealerId = dealer, CustomerId = customer, StepId = "welcome",
        Channel = "email", Name = "welcome", Status = "failed", Detail = $"mailbox {customer}@example.com full", Cause = new TouchpointCause("start"), OccurredAt = T0,
    };

    protected static MailboxMessage ErasableMail(string dealer, string customer, string to) => new()
    {
        Id = $"m-{dealer}-{customer}-{to}", JourneyId = $"j-{dealer}-{customer}", DealerId = dealer, CustomerId = customer, To = to,
        Subject = "Hello", Body = "Dear " + customer, EmailTemplate = "welcome", Category = "marketing", SentAt = T0,
    };

    protected static ErasureRecord ErasureRecordAt(string id, string dealer, string hash, DateTimeOffset at) => new()
    {
        Id = id, DealerId = dealer, CustomerHash = hash, State = ErasureStates.Started, Actor = "admin", RequestedAt = at,
    };
}
