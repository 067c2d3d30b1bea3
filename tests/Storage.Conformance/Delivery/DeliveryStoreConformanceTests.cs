using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.Conformance.Delivery;

/// <summary>
/// The behaviour every <see cref="IDeliveryStore"/> must have: the never-twice ledger (claim once, re-claim only a retry),
/// sent times per customer and category, case-insensitive suppressions per dealer, webhook event ids recorded once.
/// A provider's test project subclasses it and returns a fresh, empty store from <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract partial class DeliveryStoreConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private IDeliveryStore? _store;

    /// <summary>The store under test, initialized.</summary>
    protected IDeliveryStore Store => _store ?? throw new InvalidOperationException("The store is not created yet.");

    /// <summary>A fresh, empty store (not necessarily initialized: delivery stores initialize on first use).</summary>
    protected abstract Task<IDeliveryStore> CreateStoreAsync();

    /// <summary>Disposes <paramref name="old"/> and opens the same storage again; null skips the durability test.</summary>
    protected virtual Task<IDeliveryStore?> ReopenStoreAsync(IDeliveryStore old) => Task.FromResult<IDeliveryStore?>(null);

    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.InitializeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        _store = null;
    }

    // ---- the ledger ----------------------------------------------------------------------------

    [Fact]
    public async Task ClaimSendAsync_NewKey_InsertsPendingWithOneAttemptAndClaims()
    {
        var claim = await Store.ClaimSendAsync(Send("k1"));

        Assert.True(claim.Claimed);
        var expected = Send("k1") with { State = SendStates.Pending, Attempts = 1, UpdatedAt = T0 };
        Assert.Equal(expected, claim.Send);
        Assert.Equal(expected, await Store.GetSendAsync("k1"));
        Assert.Null(await Store.GetSendAsync("unknown"));
    }

    [Fact]
    public async Task ClaimSendAsync_PendingSentFailedOrUnknown_IsNotClaimedAgain()
    {
        foreach (var state in new[] { SendStates.Pending, SendStates.Sent, SendStates.Failed, SendStates.Unknown })
        {
            var key = "k-" + state;
            await Store.ClaimSendAsync(Send(key));
            if (state != SendStates.Pending)
            {
                await Store.UpdateSendAsync(key, state, "detail", T0.AddMinutes(1));
            }

            var again = await Store.ClaimSendAsync(Send(key) with { CreatedAt = T0.AddMinutes(2) });

            Assert.False(again.Claimed);
            Assert.Equal((state, 1), (again.Send.State, again.Send.Attempts));
            Assert.Equal(await Store.GetSendAsync(key), again.Send);
        }
    }

    [Fact]
    public async Task ClaimSendAsync_Retry_IsClaimedAgainCountingAnAttempt()
    {
        await Store.ClaimSendAsync(Send("k1"));
        await Store.UpdateSendAsync("k1", SendStates.Retry, "429", T0.AddMinutes(1));

        var second = await Store.ClaimSendAsync(Send("k1") with { CreatedAt = T0.AddMinutes(5) });
        var third = await Store.ClaimSendAsync(Send("k1") with { CreatedAt = T0.AddMinutes(6) });

        Assert.True(second.Claimed);
        Assert.Equal((SendStates.Pending, 2, T0.AddMinutes(5), T0), (second.Send.State, second.Send.Attempts, second.Send.UpdatedAt, second.Send.CreatedAt));
        Assert.False(third.Claimed);
        Assert.Equal(2, third.Send.Attempts);
    }

    [Fact]
    public async Task ClaimSendAsync_Concurrently_ExactlyOneClaims()
    {
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.ClaimSendAsync(Send("k1"))));

        Assert.Single(claims, c => c.Claimed);
        Assert.All(claims, c => Assert.Equal(1, c.Send.Attempts));

        await Store.UpdateSendAsync("k1", SendStates.Retry, null, T0.AddMinutes(1));
        var retries = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.ClaimSendAsync(Send("k1"))));

        Assert.Single(retries, c => c.Claimed);
        Assert.Equal(2, (await Store.GetSendAsync("k1"))!.Attempts);
    }

    [Fact]
    public async Task UpdateSendAsync_Sent_SetsSentAt_LaterStatesKeepIt()
    {
        await Store.ClaimSendAsync(Send("k1"));

        await Store.UpdateSendAsync("k1", SendStates.Sent, "202", T0.AddSeconds(3));
        var sent = await Store.GetSendAsync("k1");
        await Store.UpdateSendAsync("k1", SendStates.Failed, "bounced", T0.AddHours(1));
        var failed = await Store.GetSendAsync("k1");

        Assert.Equal((SendStates.Sent, "202", T0.AddSeconds(3), T0.AddSeconds(3)), (sent!.State, sent.Detail, sent.SentAt, sent.UpdatedAt));
        Assert.Equal((SendStates.Failed, "bounced", T0.AddSeconds(3), T0.AddHours(1)), (failed!.State, failed.Detail, failed.SentAt, failed.UpdatedAt));
        await Store.UpdateSendAsync("unknown", SendStates.Sent, null, T0); // no row: nothing happens
        Assert.Null(await Store.GetSendAsync("unknown"));
    }

    [Fact]
    public async Task ListSentAtAsync_OnlyTheCustomersAcceptedSendsOfTheCategorySince_OldestFirst()
    {
        await SentAsync(Send("a3"), T0.AddHours(3));
        await SentAsync(Send("a1"), T0.AddHours(1));
        await SentAsync(Send("a0"), T0.AddHours(-1));
        await SentAsync(Send("other-category") with { Category = "transactional" }, T0.AddHours(2));
        await SentAsync(Send("other-customer") with { CustomerId = "c2" }, T0.AddHours(2));
        await SentAsync(Send("other-dealer") with { DealerId = "dealer-b" }, T0.AddHours(2));
        await Store.ClaimSendAsync(Send("pending"));
        await Store.ClaimSendAsync(Send("retry"));
        await Store.UpdateSendAsync("retry", SendStates.Retry, null, T0.AddHours(2));

        var times = await Store.ListSentAtAsync("dealer-a", "c1", "marketing", T0);

        Assert.Equal([T0.AddHours(1), T0.AddHours(3)], times);
        Assert.Equal([T0.AddHours(3)], await Store.ListSentAtAsync("dealer-a", "c1", "marketing", T0.AddHours(3)));
        Assert.Empty(await Store.ListSentAtAsync("dealer-a", "c1", "marketing", T0.AddHours(3).AddTicks(1)));
        Assert.Equal([T0.AddHours(2)], await Store.ListSentAtAsync("dealer-b", "c1", "marketing", T0));
        Assert.Empty(await Store.ListSentAtAsync("dealer-a", "nobody", "marketing", T0));
    }

    // ---- suppressions --------------------------------------------------------------------------

    [Fact]
    public async Task AddSuppressionAsync_SameDealerCustomerAddressAndScope_IsAddedOnce()
    {
        Assert.True(await Store.AddSuppressionAsync(Suppression("c1", "Anna@Example.com", SuppressionScopes.Marketing)));
        Assert.False(await Store.AddSuppressionAsync(Suppression("c1", "anna@example.com", SuppressionScopes.Marketing) with { Reason = "spamreport" }));
        Assert.True(await Store.AddSuppressionAsync(Suppression("c1", "anna@example.com", SuppressionScopes.All)));
        Assert.True(await Store.AddSuppressionAsync(Suppression(null, "anna@example.com", SuppressionScopes.Marketing)));
        Assert.True(await Store.AddSuppressionAsync(Suppression("c1", null, SuppressionScopes.Marketing)));
        Assert.False(await Store.AddSuppressionAsync(Suppression("c1", null, SuppressionScopes.Marketing)));
        Assert.True(await Store.AddSuppressionAsync(Suppression("c1", "anna@example.com", SuppressionScopes.Marketing) with { DealerId = "dealer-b" }));

        var found = await Store.FindSuppressionsAsync("dealer-a", "c1", "anna@example.com");

        Assert.Equal(4, found.Count);
        Assert.All(found, s => Assert.True(s.Email is null or "anna@example.com"));
        Assert.Equal("unsubscribe", found.Single(s => s.CustomerId == "c1" && s.Email is not null && s.Scope == SuppressionScopes.Marketing).Reason);
    }

    [Fact]
    public async Task FindSuppressionsAsync_MatchesCustomerOrAddressCaseInsensitively_WithinTheDealer_OldestFirst()
    {
        await Store.AddSuppressionAsync(Suppression("c1", null, SuppressionScopes.Marketing) with { CreatedAt = T0.AddMinutes(2) });
        await Store.AddSuppressionAsync(Suppression(null, "ANNA@example.com", SuppressionScopes.All) with { Reason = "bounce", CreatedAt = T0.AddMinutes(1) });
        await Store.AddSuppressionAsync(Suppression("c2", "bob@example.com", SuppressionScopes.Marketing));
        await Store.AddSuppressionAsync(Suppression("c1", "anna@example.com", SuppressionScopes.Marketing) with { DealerId = "dealer-b" });

        var both = await Store.FindSuppressionsAsync("dealer-a", "c1", "Anna@Example.COM");
        var byAddress = await Store.FindSuppressionsAsync("dealer-a", null, "anna@example.com");
        var byCustomer = await Store.FindSuppressionsAsync("dealer-a", "c1", null);
        var byOtherCustomersAddress = await Store.FindSuppressionsAsync("dealer-a", "c9", "bob@example.com");

        Assert.Equal([(null, "anna@example.com", "bounce"), ("c1", null, "unsubscribe")], both.Select(s => (s.CustomerId, s.Email, s.Reason)));
        Assert.Equal(T0.AddMinutes(1), both[0].CreatedAt);
        Assert.Equal("dealer-a", both[0].DealerId);
        Assert.Equal([SuppressionScopes.All], byAddress.Select(s => s.Scope));
        Assert.Equal([SuppressionScopes.Marketing], byCustomer.Select(s => s.Scope));
        Assert.Equal(["c2"], byOtherCustomersAddress.Select(s => s.CustomerId));
        Assert.Empty(await Store.FindSuppressionsAsync("dealer-a", "c3", "carl@example.com"));
        Assert.Empty(await Store.FindSuppressionsAsync("dealer-a", null, null));
        Assert.Empty(await Store.FindSuppressionsAsync("dealer-c", "c1", "anna@example.com"));
    }

    // ---- webhook events ------------------------------------------------------------------------

    [Fact]
    public async Task TryRecordWebhookEventAsync_SameIdTwice_RecordedOncePerProvider()
    {
        Assert.False(await Store.HasWebhookEventAsync("sendgrid", "ev-1"));

        Assert.True(await Store.TryRecordWebhookEventAsync("sendgrid", "ev-1", T0));
        Assert.False(await Store.TryRecordWebhookEventAsync("sendgrid", "ev-1", T0.AddMinutes(1)));
        Assert.True(await Store.TryRecordWebhookEventAsync("other", "ev-1", T0));

        Assert.True(await Store.HasWebhookEventAsync("sendgrid", "ev-1"));
        Assert.False(await Store.HasWebhookEventAsync("sendgrid", "ev-2"));
    }

    [Fact]
    public async Task TryRecordWebhookEventAsync_Concurrently_ExactlyOneRecords()
    {
        var recorded = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Store.TryRecordWebhookEventAsync("sendgrid", "ev-1", T0)));

        Assert.Single(recorded, r => r);
    }

    // ---- durability ----------------------------------------------------------------------------

    [Fact]
    public async Task ReopenStoreAsync_LedgerSuppressionsAndEventsSurvive()
    {
        await SentAsync(Send("k1"), T0.AddMinutes(1));
        await Store.AddSuppressionAsync(Suppression("c1", "anna@example.com", SuppressionScopes.Marketing));
        await Store.TryRecordWebhookEventAsync("sendgrid", "ev-1", T0);

        var reopened = await ReopenStoreAsync(Store);
        if (reopened is null)
        {
            return; // not durable
        }

        _store = reopened;
        Assert.False((await reopened.ClaimSendAsync(Send("k1"))).Claimed);
        Assert.Equal([T0.AddMinutes(1)], await reopened.ListSentAtAsync("dealer-a", "c1", "marketing", T0));
        Assert.Single(await reopened.FindSuppressionsAsync("dealer-a", "c1", null));
        Assert.True(await reopened.HasWebhookEventAsync("sendgrid", "ev-1"));
    }

    // ---- builders ------------------------------------------------------------------------------

    protected async Task SentAsync(OutboundSend send, DateTimeOffset at)
    {
        Assert.True((await Store.ClaimSendAsync(send)).Claimed);
        await Store.UpdateSendAsync(send.Key, SendStates.Sent, null, at);
    }

    protected static OutboundSend Send(string key) => new()
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

    protected static Suppression Suppression(string? customerId, string? email, string scope) => new()
    {
        DealerId = "dealer-a",
        CustomerId = customerId,
        Email = email,
        Scope = scope,
        Reason = "unsubscribe",
        CreatedAt = T0,
    };
}
