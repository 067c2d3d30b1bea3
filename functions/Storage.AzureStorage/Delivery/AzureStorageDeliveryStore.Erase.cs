using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.AzureStorage.Delivery;

// PLACEHOLDER during the merge of the erase branch: implemented on the azure-erase branch.
public sealed partial class AzureStorageDeliveryStore
{
    public Task<DeliveryErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string? addressHash, DateTimeOffset now, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("Erasure is not implemented on the Azure Tables delivery store yet.");

    public Task<DateTimeOffset?> GetErasedAddressAsync(string dealerId, string addressHash, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("Erasure is not implemented on the Azure Tables delivery store yet.");
}
