using JourneyOrchestrator.Storage.Conformance.Delivery;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.Sqlite.Tests.Delivery;

/// <summary>The shared delivery-store suite against a fresh SQLite file; durability = a new store object on the same file.</summary>
public sealed class SqliteDeliveryStoreConformanceTests : DeliveryStoreConformanceTests
{
    private readonly SqliteTestDirectory _directory = new();

    private string DataPath => Path.Combine(_directory.Path, SqliteDeliveryStore.DefaultFileName);

    protected override Task<IDeliveryStore> CreateStoreAsync() => Task.FromResult<IDeliveryStore>(new SqliteDeliveryStore(DataPath));

    protected override async Task<IDeliveryStore?> ReopenStoreAsync(IDeliveryStore old)
    {
        await ((SqliteDeliveryStore)old).DisposeAsync();
        return new SqliteDeliveryStore(DataPath);
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The shared dead-letter suite against a fresh SQLite delivery file.</summary>
public sealed class SqliteDeadLetterStoreConformanceTests : DeadLetterStoreConformanceTests
{
    private readonly SqliteTestDirectory _directory = new();

    protected override Task<IDeadLetterStore> CreateStoreAsync() =>
        Task.FromResult<IDeadLetterStore>(new SqliteDeliveryStore(Path.Combine(_directory.Path, SqliteDeliveryStore.DefaultFileName)));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
