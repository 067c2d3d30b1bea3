using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.Sqlite.Tests.Data;

/// <summary>
/// Erasure in the SQLite data store beyond the shared suites (<c>JourneyDataStoreConformanceTests.Erasure.cs</c>,
/// <c>DeliveryStoreConformanceTests.Erasure.cs</c>): the audit records survive a reopen of the file.
/// </summary>
public sealed class SqliteErasureTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SaveErasureAsync_ThenReopen_RecordsAndTheirOrderSurvive()
    {
        await using (var store = await OpenDataAsync())
        {
            await store.SaveErasureAsync(Record("e-1", "d-1", "h-anna", T0));
            await store.SaveErasureAsync(Record("e-2", "d-2", "h-anna", T0.AddHours(1)));
            await store.SaveErasureAsync(Record("e-3", "d-1", "h-bert", T0.AddHours(2)));
            await store.SaveErasureAsync(Record("e-1", "d-1", "h-anna", T0) with { State = ErasureStates.Completed, CompletedAt = T0, Journeys = 3 });
        }

        await using var reopened = await OpenDataAsync();
        Assert.Equal(["e-3", "e-2", "e-1"], (await reopened.ListErasuresAsync(null, null, 10)).Select(e => e.Id));
        Assert.Equal(["e-3", "e-1"], (await reopened.ListErasuresAsync("d-1", null, 10)).Select(e => e.Id));
        var first = Assert.Single(await reopened.ListErasuresAsync("d-1", "h-anna", 10));
        Assert.Equal((ErasureStates.Completed, 3, T0), (first.State, first.Journeys, first.CompletedAt!.Value));
        Assert.Single(await reopened.ListErasuresAsync(null, null, 1));
    }

    private async Task<SqliteJourneyDataStore> OpenDataAsync()
    {
        var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName) });
        await store.InitializeAsync();
        return store;
    }

    private static ErasureRecord Record(string id, string dealer, string hash, DateTimeOffset at) => new()
    {
        Id = id, DealerId = dealer, CustomerHash = hash, State = ErasureStates.Started, Actor = "admin", RequestedAt = at,
    };
}
