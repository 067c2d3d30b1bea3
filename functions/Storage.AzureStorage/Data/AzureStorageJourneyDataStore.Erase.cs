using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.AzureStorage.Data;

// PLACEHOLDER during the merge of the erase branch: implemented on the azure-erase branch.
public sealed partial class AzureStorageJourneyDataStore
{
    public Task<CustomerErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string pseudonym, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("Erasure is not implemented on the Azure Tables data store yet.");

    public Task SaveErasureAsync(ErasureRecord record, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("Erasure is not implemented on the Azure Tables data store yet.");

    public Task<IReadOnlyList<ErasureRecord>> ListErasuresAsync(string? dealerId, string? customerHash, int limit, CancellationToken cancellationToken = default)
        => throw new NotSupportedException("Erasure is not implemented on the Azure Tables data store yet.");
}
