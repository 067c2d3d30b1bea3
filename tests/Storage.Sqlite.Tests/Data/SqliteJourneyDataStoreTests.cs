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
    public async Task ReassignTaskAsync_OpenTask_KeepsTheAssigneeAcrossReopen_CompletedTaskUnchanged()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateTaskAsync(NewTask("t1", "dealer-a"));
            await store.CreateTaskAsync(NewTask("t2", "dealer-a"));
            await store.CompleteTaskAsync("t2", "booked", null, T0.AddHours(1));

            var reassigned = await store.ReassignTaskAsync("t1", "sales-manager");
            var completed = await store.ReassignTaskAsync("t2", "sales-manager");

            Assert.Equal(("sales-manager", TaskStatuses.Open), (reassigned!.Assignee, reassigned.Status));
            Assert.Null(completed!.Assignee);
            Assert.Equal(TaskStatuses.Completed, completed.Status);
            Assert.Null(await store.ReassignTaskAsync("unknown", "sales-manager"));
        }

        await using var reopened = await OpenAsync();
        Assert.Equal("sales-manager", (await reopened.GetTaskAsync("t1"))!.Assignee);
        Assert.Equal(["sales-manager"], (await reopened.ListTasksAsync("dealer-a", TaskStatuses.Open)).Select(t => t.Assignee));
    }

    [Fact]
    public async Task GetTaskAsync_RowWrittenBeforeAssigneesExisted_ReadsWithoutAssignee_AndCanBeReassigned()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateTaskAsync(NewTask("t1", "dealer-a"));
        }

        // A record as an older version wrote it: no "assignee" key at all.
        Execute("""
            UPDATE tasks SET record = '{"id":"t1","dealerId":"dealer-a","journeyId":"j1","customerId":"cust-1","stepId":"call","type":"call-testdrive-invite","title":"Call Anna","status":"open","createdAt":"2026-01-05T09:00:00+00:00","dueAt":"2026-01-05T13:00:00+00:00"}'
            WHERE task_id = 't1'
            """);

        await using var reopened = await OpenAsync();
        var old = await reopened.GetTaskAsync("t1");
        Assert.Equal(("Call Anna", null), (old!.Title, old.Assignee));
        Assert.Equal("sales-manager", (await reopened.ReassignTaskAsync("t1", "sales-manager"))!.Assignee);
        Assert.Equal(T0.AddHours(4), (await reopened.GetTaskAsync("t1"))!.DueAt);
    }

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
        Assert.Equal(4L, Scalar("SELECT version FROM schema_version"));
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
