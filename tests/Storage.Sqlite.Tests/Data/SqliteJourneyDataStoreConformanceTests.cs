using JourneyOrchestrator.Storage.Conformance.Data;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.Sqlite.Tests.Data;

/// <summary>The shared data-store suite against a fresh SQLite file; durability = a new store object on the same file.</summary>
public sealed class SqliteJourneyDataStoreConformanceTests : JourneyDataStoreConformanceTests
{
    private readonly SqliteTestDirectory _directory = new();

    private string DataPath => Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName);

    protected override Task<IJourneyDataStore> CreateStoreAsync() =>
        Task.FromResult<IJourneyDataStore>(new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath }));

    protected override async Task<IJourneyDataStore?> ReopenStoreAsync(IJourneyDataStore old)
    {
        await old.DisposeAsync();
        return new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The shared journey-index suite against a fresh SQLite data file.</summary>
public sealed class SqliteJourneyIndexConformanceTests : JourneyIndexConformanceTests
{
    private readonly SqliteTestDirectory _directory = new();

    protected override Task<IJourneyDataStore> CreateStoreAsync() =>
        Task.FromResult<IJourneyDataStore>(new SqliteJourneyDataStore(new SqliteStoreOptions { Path = Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName) }));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
