using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Conformance;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>The shared suite against Azurite; every test has its own name prefix (tables, queues, container).</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageConformanceTests(AzuriteFixture azurite) : JourneyStoreConformanceTests
{
    private readonly string _prefix = AzuriteFixture.NewPrefix();

    protected override Task<IJourneyStore> CreateStoreAsync() =>
        Task.FromResult<IJourneyStore>(new AzureStorageJourneyStore(azurite.Options(_prefix)));

    /// <summary>Durability: a new store object on the same account and prefix.</summary>
    protected override async Task<IJourneyStore?> ReopenStoreAsync(IJourneyStore old)
    {
        await old.DisposeAsync();
        return new AzureStorageJourneyStore(azurite.Options(_prefix));
    }
}
