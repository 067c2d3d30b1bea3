using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Sqlite;

namespace JourneyOrchestrator.Core.Tests;

/// <summary>The runtime's semantics on the embedded default store, one fresh database file per test.</summary>
public sealed class SqliteRuntimeSemanticsTests : RuntimeSemanticsTests, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("jo-runtime-").FullName;
    private int _count;

    protected override IJourneyStore CreateStore() =>
        new SqliteJourneyStore(new SqliteStoreOptions { Path = Path.Combine(_dir, $"store-{Interlocked.Increment(ref _count)}.db") });

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
