using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Conformance;

namespace JourneyOrchestrator.Storage.Sqlite.Tests;

public sealed class SqliteJourneyStoreConformanceTests : JourneyStoreConformanceTests
{
    private readonly SqliteTestDirectory _directory = new();

    protected override Task<IJourneyStore> CreateStoreAsync() =>
        Task.FromResult<IJourneyStore>(new SqliteJourneyStore(_directory.Options()));

    protected override async Task<IJourneyStore?> ReopenStoreAsync(IJourneyStore old)
    {
        await old.DisposeAsync();
        return new SqliteJourneyStore(_directory.Options());
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
