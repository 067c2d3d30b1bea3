using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Tests;

/// <summary>What only the SQLite store promises: schema versioning, WAL, process ownership, crash recovery, group commit.</summary>
public sealed class SqliteJourneyStoreTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan LockDuration = TimeSpan.FromMinutes(5);
    private readonly SqliteTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task InitializeAsync_NewFile_RecordsSchemaVersion()
    {
        await using (var store = await OpenAsync())
        {
            Assert.Equal(1L, Scalar("SELECT version FROM schema_version"));
            Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM schema_version"));
        }

        await using (var again = await OpenAsync())
        {
            Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM schema_version"));
        }
    }

    [Fact]
    public async Task InitializeAsync_NewerSchemaVersion_IsRefusedAndLeavesTheFileAlone()
    {
        Execute("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (99);");
        var store = new SqliteJourneyStore(_directory.Options());

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync());

        Assert.Contains("99", exception.Message, StringComparison.Ordinal);
        Assert.Contains("newer", exception.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'instances'"));
        await store.DisposeAsync();
        // The failed start released the process lock.
        Execute("DROP TABLE schema_version;");
        await using var reopened = await OpenAsync();
    }

    [Fact]
    public async Task InitializeAsync_Always_PutsTheDatabaseInWalMode()
    {
        await using var store = await OpenAsync();

        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task InitializeAsync_SecondStoreOnTheSameFile_IsRefusedWhileTheFirstIsOpen()
    {
        var first = await OpenAsync();
        var second = new SqliteJourneyStore(_directory.Options());

        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => second.InitializeAsync());

        Assert.Contains(".lock", exception.Message, StringComparison.Ordinal);
        await first.DisposeAsync();
        await second.InitializeAsync();
        await second.DisposeAsync();
    }

    [Fact]
    public async Task InitializeAsync_AfterACrash_ClearsInstanceAndActivityLocksAtOnce()
    {
        await using (var crashed = await OpenAsync())
        {
            await CreateAsync(crashed, "journey-1");
            var item = Assert.Single(await crashed.LockNextOrchestrationsAsync(10, Start, LockDuration));
            await crashed.CommitOrchestrationAsync(item, Commit(item) with
            {
                NewActivities = [new ActivityWorkItem { InstanceId = "journey-1", ExecutionId = "exec-1", Sequence = 0, Name = "SendEmail", VisibleAt = Start }],
            });
            await crashed.EnqueueAsync(new InboxMessage
            {
                InstanceId = "journey-1",
                Event = new ExternalEventReceived { Timestamp = Start, Name = "quote", EventId = "e-1" },
                VisibleAt = Start,
            });
            Assert.Single(await crashed.LockNextOrchestrationsAsync(10, Start, LockDuration));
            Assert.Single(await crashed.LockNextActivitiesAsync(10, Start, LockDuration));
            // The process "dies" here: its locks stay in the file.
        }

        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM instances WHERE lock_token IS NOT NULL"));

        await using var recovered = await OpenAsync();

        var instance = Assert.Single(await recovered.LockNextOrchestrationsAsync(10, Start, LockDuration));
        Assert.Single(instance.Messages);
        var activity = Assert.Single(await recovered.LockNextActivitiesAsync(10, Start, LockDuration));
        Assert.Equal(2, activity.DequeueCount);
    }

    [Fact]
    public async Task GroupCommit_FailingRequestsInABatch_AreRolledBackAloneWhileTheOthersCommit()
    {
        await using var store = await OpenAsync();
        foreach (var id in new[] { "journey-1", "journey-2", "journey-3" })
        {
            await CreateAsync(store, id);
        }

        var items = (await store.LockNextOrchestrationsAsync(10, Start, LockDuration)).OrderBy(w => w.InstanceId, StringComparer.Ordinal).ToList();
        Assert.Equal(3, items.Count);

        // Park the writer so that the next requests queue up and run as one batch.
        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var hold = store.WriteAsync(_ =>
        {
            parked.SetResult();
            release.Wait(TimeSpan.FromSeconds(30));
            return 0;
        }, CancellationToken.None);
        await parked.Task;
        var batchesBefore = store.Writer.BatchCount;

        var first = store.CommitOrchestrationAsync(items[0], Commit(items[0]));
        var lockLost = store.CommitOrchestrationAsync(items[1] with { LockToken = "not-the-token" }, Commit(items[1]));
        var writesThenFails = store.WriteAsync<int>(session =>
        {
            session.Command("UPDATE instances SET custom_status = 'half-written' WHERE instance_id = 'journey-2'").ExecuteNonQuery();
            session.Command("DELETE FROM messages WHERE instance_id = 'journey-2'").ExecuteNonQuery();
            throw new InvalidOperationException("boom");
        }, CancellationToken.None);
        var third = store.CommitOrchestrationAsync(items[2], Commit(items[2]));
        release.Set();
        await hold;

        await first;
        await third;
        await Assert.ThrowsAsync<LockLostException>(() => lockLost);
        Assert.Equal("boom", (await Assert.ThrowsAsync<InvalidOperationException>(() => writesThenFails)).Message);
        Assert.Equal(2, store.Writer.BatchCount - batchesBefore);
        Assert.Equal(InstanceStatus.Running, (await store.GetInstanceAsync("journey-1"))!.Status);
        Assert.Equal(InstanceStatus.Running, (await store.GetInstanceAsync("journey-3"))!.Status);
        var untouched = await store.GetInstanceAsync("journey-2");
        Assert.Equal(InstanceStatus.Pending, untouched!.Status);
        Assert.Null(untouched.CustomStatus);
        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM messages WHERE instance_id = 'journey-2'"));
        // journey-2 is still locked by its real owner, whose commit lands.
        await store.CommitOrchestrationAsync(items[1], Commit(items[1]));
    }

    [Fact]
    public async Task GroupCommit_ConcurrentWrites_ShareTransactions()
    {
        await using var store = await OpenAsync();
        for (var i = 0; i < 50; i++)
        {
            await CreateAsync(store, $"journey-{i:D2}");
        }

        var items = await store.LockNextOrchestrationsAsync(50, Start, LockDuration);
        var batchesBefore = store.Writer.BatchCount;
        var requestsBefore = store.Writer.RequestCount;

        await Task.WhenAll(items.Select(item => store.CommitOrchestrationAsync(item, Commit(item))));

        Assert.Equal(50, store.Writer.RequestCount - requestsBefore);
        Assert.True(store.Writer.BatchCount - batchesBefore < 50, "Concurrent commits were not batched.");
    }

    [Fact]
    public async Task GroupCommit_MaxBatchSizeOne_CommitsEachRequestAlone()
    {
        var options = _directory.Options();
        options.MaxBatchSize = 1;
        await using var store = new SqliteJourneyStore(options);
        await store.InitializeAsync();
        for (var i = 0; i < 10; i++)
        {
            await CreateAsync(store, $"journey-{i}");
        }

        var items = await store.LockNextOrchestrationsAsync(10, Start, LockDuration);
        var batchesBefore = store.Writer.BatchCount;

        await Task.WhenAll(items.Select(item => store.CommitOrchestrationAsync(item, Commit(item))));

        Assert.Equal(10, store.Writer.BatchCount - batchesBefore);
    }

    [Fact]
    public async Task WriteAsync_CancelledBeforeTheWriterTakesIt_IsNotWritten()
    {
        await using var store = await OpenAsync();
        var parked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        var hold = store.WriteAsync(_ =>
        {
            parked.SetResult();
            release.Wait(TimeSpan.FromSeconds(30));
            return 0;
        }, CancellationToken.None);
        await parked.Task;
        using var cancellation = new CancellationTokenSource();
        var instance = Instance("journey-1");
        var create = store.CreateInstanceAsync(instance, StartMessage(instance), replaceIfFinished: false, cancellation.Token);

        await cancellation.CancelAsync();
        release.Set();
        await hold;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => create);
        Assert.Null(await store.GetInstanceAsync("journey-1"));
    }

    [Fact]
    public async Task SynchronousNormal_IsAcceptedAndWorks()
    {
        await using var store = new SqliteJourneyStore(_directory.Options(SqliteSynchronousMode.Normal));
        await store.InitializeAsync();

        await CreateAsync(store, "journey-1");

        Assert.NotNull(await store.GetInstanceAsync("journey-1"));
    }

    [Fact]
    public async Task AnyMethod_BeforeInitialize_ThrowsInvalidOperation()
    {
        await using var store = new SqliteJourneyStore(_directory.Options());

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.GetInstanceAsync("journey-1"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnqueueAsync(new InboxMessage
        {
            InstanceId = "journey-1",
            Event = new ExternalEventReceived { Timestamp = Start, Name = "x", EventId = "e" },
            VisibleAt = Start,
        }));
    }

    [Fact]
    public async Task AnyMethod_AfterDispose_ThrowsObjectDisposed()
    {
        var store = await OpenAsync();
        await store.DisposeAsync();
        await store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.GetInstanceAsync("journey-1"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.PurgeInstanceAsync("journey-1"));
    }

    [Theory]
    [InlineData("", 256)]
    [InlineData("x.db", 0)]
    [InlineData("x.db", 100_001)]
    public void Constructor_InvalidOptions_Throws(string path, int maxBatchSize)
    {
        var options = new SqliteStoreOptions { Path = path, MaxBatchSize = maxBatchSize };

        Assert.ThrowsAny<ArgumentException>(() => new SqliteJourneyStore(options));
    }

    [Fact]
    public async Task QueryInstancesAsync_ForeignContinuationToken_ThrowsArgumentException()
    {
        await using var store = await OpenAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.QueryInstancesAsync(new InstanceQuery { ContinuationToken = "not base64!" }));
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_ManyFutureTimers_FindsTheDueOneThroughTheIndex()
    {
        await using var store = await OpenAsync();
        await CreateAsync(store, "due");
        // 20,000 instances that each wait on a timer far in the future.
        await store.WriteAsync(session =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var id = $"waiting-{i:D5}";
                session.Command(
                    """
                    INSERT INTO instances (instance_id, execution_id, name, status, created_at, updated_at)
                    VALUES ($id, 'exec-1', 'welcome', 'Running', 0, 0)
                    """).Bind("$id", id).ExecuteNonQuery();
                session.Command(
                    """
                    INSERT INTO messages (instance_id, execution_id, is_control, timer_seq, visible_at, event)
                    VALUES ($id, 'exec-1', 0, 1, $at, '{}')
                    """).Bind("$id", id).Bind("$at", Start.AddYears(1).ToUnixTimeMilliseconds()).ExecuteNonQuery();
            }

            return 0;
        }, CancellationToken.None);

        var plan = string.Join(" | ", QueryPlan(
            "SELECT m.instance_id FROM messages AS m INDEXED BY ix_messages_visible_at JOIN instances AS i ON i.instance_id = m.instance_id " +
            "WHERE m.visible_at <= 0 AND (i.lock_until IS NULL OR i.lock_until <= 0) AND (i.status <> 'Suspended' OR m.is_control = 1) ORDER BY m.visible_at, m.id"));
        var item = Assert.Single(await store.LockNextOrchestrationsAsync(100, Start, LockDuration));

        Assert.Equal("due", item.InstanceId);
        Assert.Contains("ix_messages_visible_at (visible_at<?)", plan, StringComparison.Ordinal);
        Assert.DoesNotContain("SCAN i", plan, StringComparison.Ordinal);
        Assert.Equal(Start.AddYears(1), await store.GetNextWakeUpAsync(Start));
    }

    // ---- helpers ---------------------------------------------------------------------------

    private async Task<SqliteJourneyStore> OpenAsync()
    {
        var store = new SqliteJourneyStore(_directory.Options());
        await store.InitializeAsync();
        return store;
    }

    private static InstanceRecord Instance(string instanceId) => new()
    {
        InstanceId = instanceId,
        ExecutionId = "exec-1",
        Name = "welcome",
        Status = InstanceStatus.Pending,
        CreatedAt = Start,
        LastUpdatedAt = Start,
    };

    private static InboxMessage StartMessage(InstanceRecord instance) => new()
    {
        InstanceId = instance.InstanceId,
        ExecutionId = instance.ExecutionId,
        Event = new JourneyStarted { Timestamp = Start, Name = instance.Name, ExecutionId = instance.ExecutionId },
        VisibleAt = Start,
    };

    private static async Task CreateAsync(SqliteJourneyStore store, string instanceId)
    {
        var instance = Instance(instanceId);
        Assert.Equal(CreateResult.Created, await store.CreateInstanceAsync(instance, StartMessage(instance), replaceIfFinished: false));
    }

    private static OrchestrationCommit Commit(OrchestrationWorkItem item) => new()
    {
        Instance = item.Instance! with { Status = InstanceStatus.Running },
        NewHistory = [new EpisodeStarted { Timestamp = Start }, .. item.Messages.Select(m => m.Event)],
        ConsumedMessageIds = [.. item.Messages.Select(m => m.Id)],
    };

    private SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _directory.DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private object? Scalar(string sql)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private List<string> QueryPlan(string sql)
    {
        using var connection = OpenRaw();
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + sql;
        using var reader = command.ExecuteReader();
        var details = new List<string>();
        while (reader.Read())
        {
            details.Add(reader.GetString(3));
        }

        return details;
    }
}
