using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Storage.AzureStorage.Delivery;
using JourneyOrchestrator.Storage.Conformance.Data;
using JourneyOrchestrator.Storage.Conformance.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.Data;

/// <summary>The shared data-store suite against Azurite; durability = a new store object on the same account and prefix.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageJourneyDataStoreConformanceTests(AzuriteFixture azurite) : JourneyDataStoreConformanceTests
{
    private readonly string _prefix = AzuriteFixture.NewPrefix();

    protected override Task<IJourneyDataStore> CreateStoreAsync() =>
        Task.FromResult<IJourneyDataStore>(new AzureStorageJourneyDataStore(azurite.Options(_prefix)));

    protected override async Task<IJourneyDataStore?> ReopenStoreAsync(IJourneyDataStore old)
    {
        await old.DisposeAsync();
        return new AzureStorageJourneyDataStore(azurite.Options(_prefix));
    }
}

/// <summary>The shared delivery-store suite against Azurite; durability = a new store object on the same account and prefix.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageDeliveryStoreConformanceTests(AzuriteFixture azurite) : DeliveryStoreConformanceTests
{
    private readonly string _prefix = AzuriteFixture.NewPrefix();

    protected override Task<IDeliveryStore> CreateStoreAsync() =>
        Task.FromResult<IDeliveryStore>(new AzureStorageDeliveryStore(azurite.Options(_prefix)));

    protected override async Task<IDeliveryStore?> ReopenStoreAsync(IDeliveryStore old)
    {
        await ((AzureStorageDeliveryStore)old).DisposeAsync();
        return new AzureStorageDeliveryStore(azurite.Options(_prefix));
    }
}

/// <summary>The shared dead-letter suite against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageDeadLetterStoreConformanceTests(AzuriteFixture azurite) : DeadLetterStoreConformanceTests
{
    protected override Task<IDeadLetterStore> CreateStoreAsync() =>
        Task.FromResult<IDeadLetterStore>(new AzureStorageDeliveryStore(azurite.Options(AzuriteFixture.NewPrefix())));
}

/// <summary>The shared journey-index suite against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageJourneyIndexConformanceTests(AzuriteFixture azurite) : JourneyIndexConformanceTests
{
    protected override Task<IJourneyDataStore> CreateStoreAsync() =>
        Task.FromResult<IJourneyDataStore>(new AzureStorageJourneyDataStore(azurite.Options(AzuriteFixture.NewPrefix())));
}
