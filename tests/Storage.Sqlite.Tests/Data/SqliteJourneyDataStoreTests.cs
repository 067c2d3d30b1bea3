using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Tests.Data;

/// <summary>What only the SQLite data store does: its schema version and one owning process. The port's behaviour: <see cref="SqliteJourneyDataStoreConformanceTests"/>.</summary>
public sealed class SqliteJourneyDataStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDirectory _directory = new();

    private string DataPath => Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task InitializeAsync_Reopened_DataSurvivesAndSchemaVersionIsRecordedOnce()
    {
        await using (var store = await OpenAsync())
        {
            await store.PublishTemplateAsync(Template("Welcome"), "src", "application/yaml", T0);
            await store.CreateTaskAsync(NewTask("t1", "dealer-a"));
        }

        await using (var again = await OpenAsync())
        {
            Assert.Equal(1, (await again.GetTemplateAsync("welcome"))!.Template.Version);
            Assert.NotNull(await again.GetTaskAsync("t1"));
        }

        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(1L, Scalar("SELECT version FROM schema_version"));
        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task InitializeAsync_NewerSchemaVersion_IsRefused()
    {
        Execute("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (42);");
        await using var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync());

        Assert.Contains("42", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_FileOwnedByAnotherStore_IsRefused()
    {
        await using var owner = await OpenAsync();
        await using var second = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.InitializeAsync());

        Assert.Contains("already open", error.Message, StringComparison.Ordinal);
    }

    private async Task<SqliteJourneyDataStore> OpenAsync()
    {
        var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });
        await store.InitializeAsync();
        return store;
    }

    private static JourneyTemplate Template(string name) => new()
    {
        Id = "welcome",
        Name = name,
        Events = ["brochure.downloaded"],
        Entry = new EntrySpec { Events = ["brochure.downloaded"] },
        Start = "end",
        Steps = [new StepSpec { Id = "end", Kind = StepKinds.End }],
    };

    private static SalesTask NewTask(string id, string dealer) => new()
    {
        Id = id,
        DealerId = dealer,
        JourneyId = "j1",
        CustomerId = "cust-1",
        StepId = "call",
        Type = "call-testdrive-invite",
        Title = "Call Anna",
        Status = TaskStatuses.Open,
        CreatedAt = T0,
        DueAt = T0.AddHours(4),
    };

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DataPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DataPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
