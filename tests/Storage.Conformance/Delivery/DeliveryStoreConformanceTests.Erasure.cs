using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.Conformance.Delivery;

/// <summary>Erasure (GDPR): the erased-address marker, the customer's ledger rows and suppressions, never another dealer's.</summary>
public abstract partial class DeliveryStoreConformanceTests
{
    [Fact]
    public async Task EraseCustomerAsync_RecordsTheMarkerDeletesLedgerAndSuppressions_OnlyForThatDealer()
    {
        foreach (var dealer in new[] { "d-1", "d-2" })
        {
            await Store.ClaimSendAsync(ErasableSend(dealer, "anna", "k-" + dealer));
            await Store.AddSuppressionAsync(Suppression("anna", null, SuppressionScopes.Marketing) with { DealerId = dealer });
            await Store.AddSuppressionAsync(Suppression(null, "anna@example.com", SuppressionScopes.All) with { DealerId = dealer, Reason = "bounce" });
        }

        await Store.ClaimSendAsync(ErasableSend("d-1", "anna", "k-d-1-second"));
        await Store.UpdateSendAsync("k-d-1-second", SendStates.Sent, null, T0.AddMinutes(1));
        await Store.ClaimSendAsync(ErasableSend("d-1", "bert", "k-bert"));
        await Store.AddSuppressionAsync(Suppression("bert", "bert@example.com", SuppressionScopes.Marketing) with { DealerId = "d-1" });

        var erased = await Store.EraseCustomerAsync("d-1", "anna", "ANNA@example.com", "hash-1", T0);

        Assert.Equal(new DeliveryErasure(2, 2), erased);
        Assert.Equal(T0, await Store.GetErasedAddressAsync("d-1", "hash-1"));
        Assert.Null(await Store.GetErasedAddressAsync("d-2", "hash-1"));
        Assert.Null(await Store.GetErasedAddressAsync("d-1", "hash-2"));
        Assert.Null(await Store.GetSendAsync("k-d-1"));
        Assert.Null(await Store.GetSendAsync("k-d-1-second"));
        Assert.Empty(await Store.ListSentAtAsync("d-1", "anna", "marketing", T0.AddDays(-1)));
        Assert.NotNull(await Store.GetSendAsync("k-bert"));
        Assert.NotNull(await Store.GetSendAsync("k-d-2"));
        Assert.Empty(await Store.FindSuppressionsAsync("d-1", "anna", "anna@example.com"));
        Assert.Single(await Store.FindSuppressionsAsync("d-1", "bert", "bert@example.com"));
        Assert.Equal(2, (await Store.FindSuppressionsAsync("d-2", "anna", "anna@example.com")).Count);
    }

    [Fact]
    public async Task EraseCustomerAsync_Repeated_DeletesNothingAndMovesTheMarkerOnlyForward()
    {
        await Store.ClaimSendAsync(ErasableSend("d-1", "anna", "k-1"));
        await Store.AddSuppressionAsync(Suppression("anna", "anna@example.com", SuppressionScopes.All) with { DealerId = "d-1" });
        Assert.Equal(new DeliveryErasure(1, 1), await Store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "hash-1", T0));

        var again = await Store.EraseCustomerAsync("d-1", "anna", "anna@example.com", "hash-1", T0.AddDays(1));
        await Store.EraseCustomerAsync("d-1", "anna", null, "hash-1", T0.AddHours(1)); // an older time never moves it back

        Assert.Equal(new DeliveryErasure(0, 0), again);
        Assert.Equal(T0.AddDays(1), await Store.GetErasedAddressAsync("d-1", "hash-1")); // the latest erase's time
    }

    [Fact]
    public async Task EraseCustomerAsync_AddressSuppressionUnderAnotherCustomerId_IsDeletedBothWays()
    {
        await Store.AddSuppressionAsync(Suppression("old-id", "anna@example.com", SuppressionScopes.Marketing) with { DealerId = "d-1" });

        var erased = await Store.EraseCustomerAsync("d-1", "anna", "Anna@Example.com", "hash-1", T0);

        Assert.Equal(new DeliveryErasure(0, 1), erased);
        Assert.Empty(await Store.FindSuppressionsAsync("d-1", "old-id", null));
        Assert.Empty(await Store.FindSuppressionsAsync("d-1", null, "anna@example.com"));
    }

    [Fact]
    public async Task EraseCustomerAsync_NoAddress_WritesNoMarkerAndKeepsTheAddressSuppressionsOfOthers()
    {
        await Store.ClaimSendAsync(ErasableSend("d-1", "anna", "k-1"));
        await Store.AddSuppressionAsync(Suppression("anna", "anna@example.com", SuppressionScopes.Marketing) with { DealerId = "d-1" });
        await Store.AddSuppressionAsync(Suppression(null, "anna@example.com", SuppressionScopes.All) with { DealerId = "d-1" });

        var erased = await Store.EraseCustomerAsync("d-1", "anna", null, null, T0);

        Assert.Equal(new DeliveryErasure(1, 1), erased);
        var left = Assert.Single(await Store.FindSuppressionsAsync("d-1", "anna", "anna@example.com"));
        Assert.Equal((null, SuppressionScopes.All), (left.CustomerId, left.Scope));
        Assert.Null(await Store.GetErasedAddressAsync("d-1", "hash-1"));
    }

    protected static OutboundSend ErasableSend(string dealer, string customer, string key) =>
        Send(key) with { DealerId = dealer, CustomerId = customer };
}
