using System.Collections.Concurrent;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>What only the Azure Storage store has: transaction limits, blobs, doorbells, the sweep, several workers, idle cost.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageJourneyStoreTests(AzuriteFixture azurite, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan LockDuration = TimeSpan.FromMinutes(1);
    private readonly string _prefix = AzuriteFixture.NewPrefix();
    private readonly List<AzureStorageJourneyStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>Opens a store (a "worker") on this test's tables, queues and container.</summary>
    private async Task<AzureStorageJourneyStore> OpenAsync(Action<AzureStorageOptions>? configure = null)
    {
        var options = azurite.Options(_prefix);
        configure?.Invoke(options);
        var store = new AzureStorageJourneyStore(options);
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }

    private static InstanceRecord NewInstance(string id, DateTimeOffset now, string? input = "{}") => new()
    {
        InstanceId = id,
        ExecutionId = id + "-exec1",
        Name = "welcome-journey",
        Status = InstanceStatus.Pending,
        Input = input,
        CreatedAt = now,
        LastUpdatedAt = now,
    };

    private static InboxMessage StartMessage(InstanceRecord instance, DateTimeOffset now) => new()
    {
        InstanceId = instance.InstanceId,
        ExecutionId = instance.ExecutionId,
        Event = new JourneyStarted { Timestamp = now, Name = instance.Name, ExecutionId = instance.ExecutionId, Input = instance.Input },
        VisibleAt = now,
    };

    private static async Task CreateAsync(AzureStorageJourneyStore store, string id, DateTimeOffset now, string? input = "{}")
    {
        var instance = NewInstance(id, now, input);
        Assert.Equal(CreateResult.Created, await store.CreateInstanceAsync(instance, StartMessage(instance, now), replaceIfFinished: false));
    }

    private static async Task<OrchestrationWorkItem> CreateAndLockAsync(AzureStorageJourneyStore store, string id, DateTimeOffset now, string? input = "{}")
    {
        await CreateAsync(store, id, now, input);
        var item = Assert.Single(await store.LockNextOrchestrationsAsync(10, now, LockDuration));
        Assert.Equal(id, item.InstanceId);
        return item;
    }

    private static OrchestrationCommit Episode(OrchestrationWorkItem item, DateTimeOffset now, IReadOnlyList<HistoryEvent>? history = null, InstanceStatus status = InstanceStatus.Running) => new()
    {
        Instance = item.Instance! with { Status = status, LastUpdatedAt = now, CompletedAt = status.IsFinished() ? now : null },
        NewHistory = history ?? [new EpisodeStarted { Timestamp = now }, .. item.Messages.Select(m => m.Event)],
        ConsumedMessageIds = [.. item.Messages.Select(m => m.Id)],
    };

    private static InboxMessage ExternalEvent(string instanceId, string eventId, DateTimeOffset now, int payloadChars = 10) => new()
    {
        InstanceId = instanceId,
        Event = new ExternalEventReceived { Timestamp = now, Name = "brochure-downloaded", EventId = eventId, Payload = JsonString(payloadChars) },
        VisibleAt = now,
    };

    private static string JsonString(int characters) => "\"" + new string('x', characters) + "\"";

    private static async Task DeleteAllScheduleEntriesAsync(AzureStorageJourneyStore store)
    {
        await foreach (var entry in store.ScheduleTable.QueryAsync<TableEntity>())
        {
            await store.ScheduleTable.DeleteEntityAsync(entry.PartitionKey, entry.RowKey);
        }
    }

    // ---- transaction limits ----------------------------------------------------------------

    [Fact]
    public async Task CommitOrchestrationAsync_HistoryOf300EventsOver4MB_IsWrittenInSeveralTransactionsAndReadsBackWhole()
    {
        var requests = new RequestLog();
        var store = await OpenAsync(o => o.RequestPolicyForTests = requests);
        var item = await CreateAndLockAsync(store, "journey-1", Start);
        // 300 rows (the limit is 100 per transaction) of about 15,000 characters each: 4.5 MB (the limit is 4 MB).
        var history = Enumerable.Range(0, 300)
            .Select(i => (HistoryEvent)new ExternalEventReceived { Timestamp = Start, Name = "note", EventId = $"e-{i}", Payload = JsonString(15_000) })
            .ToList();
        requests.Clear();

        await store.CommitOrchestrationAsync(item, Episode(item, Start, history));

        Assert.True(requests.Requests.Count(r => r == "table transaction") >= 4, requests.Summary());
        Assert.Equal(history, await store.GetHistoryAsync("journey-1"));
        var rows = store.InstancesTable.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {"journey-1"} and RowKey ge {"h-"} and RowKey lt {"h."}"));
        var inline = 0;
        await foreach (var row in rows)
        {
            Assert.Null(row.GetString("EventBlob"));
            inline++;
        }

        Assert.Equal(300, inline);
        await store.EnqueueAsync(ExternalEvent("journey-1", "next", Start));
        var next = Assert.Single(await store.LockNextOrchestrationsAsync(10, Start, LockDuration));
        Assert.Equal(history, next.History);
    }

    [Fact]
    public async Task GetHistoryAsync_RowsBeyondTheRecordedLength_AreInvisibleAndOverwrittenByTheNextAppend()
    {
        var store = await OpenAsync();
        var item = await CreateAndLockAsync(store, "journey-1", Start);
        await store.CommitOrchestrationAsync(item, Episode(item, Start));
        var committed = await store.GetHistoryAsync("journey-1");
        Assert.Equal(2, committed.Count);
        // What a commit that crashed after its first chunk leaves behind: rows past the instance row's history length.
        var junk = new ExternalEventReceived { Timestamp = Start, Name = "junk", EventId = "junk" };
        foreach (var position in new[] { "0000000002", "0000000003" })
        {
            await store.InstancesTable.UpsertEntityAsync(new TableEntity("journey-1", "h-000000-" + position) { ["Event"] = HistoryJson.Serialize(junk) });
        }

        Assert.Equal(committed, await store.GetHistoryAsync("journey-1"));
        await store.EnqueueAsync(ExternalEvent("journey-1", "e-1", Start));
        var next = Assert.Single(await store.LockNextOrchestrationsAsync(10, Start, LockDuration));
        Assert.Equal(committed, next.History);
        await store.CommitOrchestrationAsync(next, Episode(next, Start));

        var history = await store.GetHistoryAsync("journey-1");
        Assert.Equal(4, history.Count);
        Assert.DoesNotContain(junk, history);
        Assert.Equal("e-1", Assert.IsType<ExternalEventReceived>(history[3]).EventId);
    }

    // ---- large payloads --------------------------------------------------------------------

    [Fact]
    public async Task LargePayloads_GoToBlobsReadBackWholeAndArePurgedWithTheInstance()
    {
        var store = await OpenAsync();
        var input = JsonString(100_000);
        var item = await CreateAndLockAsync(store, "dealer-a/journey-1", Start, input);
        Assert.Equal(input, item.Instance!.Input);
        var instanceRow = (await store.InstancesTable.GetEntityAsync<TableEntity>("dealer-a%2Fjourney-1", "$instance")).Value;
        Assert.Null(instanceRow.GetString("Input"));
        Assert.NotNull(instanceRow.GetString("InputBlob"));

        var customStatus = JsonString(40_000);
        var activityInput = JsonString(50_000);
        await store.CommitOrchestrationAsync(item, Episode(item, Start) with
        {
            Instance = item.Instance with { Status = InstanceStatus.Running, CustomStatus = customStatus },
            NewActivities = [new ActivityWorkItem { InstanceId = item.InstanceId, ExecutionId = item.Instance.ExecutionId, Sequence = 0, Name = "SendEmail", Input = activityInput, VisibleAt = Start }],
        });
        var big = ExternalEvent(item.InstanceId, "e-big", Start, 200_000);
        Assert.Equal(EnqueueResult.Accepted, await store.EnqueueAsync(big));

        Assert.Equal(customStatus, (await store.GetInstanceAsync(item.InstanceId))!.CustomStatus);
        Assert.Equal(input, Assert.IsType<JourneyStarted>((await store.GetHistoryAsync(item.InstanceId))[1]).Input);
        var activity = Assert.Single(await store.LockNextActivitiesAsync(10, Start, LockDuration));
        Assert.Equal(activityInput, activity.Input);
        var next = Assert.Single(await store.LockNextOrchestrationsAsync(10, Start, LockDuration));
        Assert.Equal(big.Event, Assert.Single(next.Messages).Event);
        var blobs = await CountBlobsAsync(store);
        Assert.True(blobs >= 6, $"{blobs} blobs");

        await store.CommitOrchestrationAsync(next, Episode(next, Start, status: InstanceStatus.Completed));
        Assert.Equal(PurgeResult.Purged, await store.PurgeInstanceAsync(item.InstanceId));
        Assert.Equal(0, await CountBlobsAsync(store));
    }

    private static async Task<int> CountBlobsAsync(AzureStorageJourneyStore store)
    {
        var count = 0;
        await foreach (var blob in store.PayloadContainer.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix: null, CancellationToken.None))
        {
            count++;
        }

        return count;
    }

    // ---- doorbells -------------------------------------------------------------------------

    [Fact]
    public async Task CommitOrchestrationAsync_TimerDueIn30Days_DoorbellWaitsSevenDaysAndIsChainedForTheRest()
    {
        var store = await OpenAsync();
        var sent = new ConcurrentQueue<DoorbellSent>();
        store.DoorbellSentForTests += sent.Enqueue;
        // Here the runtime's clock is the real one, as in production, so that the queue's delays mean something.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var item = await CreateAndLockAsync(store, "journey-1", now);
        var fireAt = now.AddDays(30);

        await store.CommitOrchestrationAsync(item, Episode(item, now) with
        {
            NewMessages = [new InboxMessage { InstanceId = "journey-1", ExecutionId = item.Instance!.ExecutionId, Event = new TimerFired { Timestamp = fireAt, TimerSequence = 1, FireAt = fireAt }, VisibleAt = fireAt }],
        });

        var doorbell = Assert.Single(sent, d => d.Due == fireAt);
        Assert.Equal(TimeSpan.FromDays(7), doorbell.Delay);
        Assert.InRange(doorbell.TimeNextVisible - doorbell.InsertedOn, TimeSpan.FromDays(7) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        var queue = store.ControlQueues.Single(q => q.Name == doorbell.Queue);
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // Seven days later the first link is visible with 23 days to go: receiving it sends the next link.
        var link = new QueueClient(azurite.ConnectionString, queue.Name, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await link.SendMessageAsync($"{fireAt.ToUnixTimeMilliseconds()}|journey-1");
        sent.Clear();
        Assert.Empty(await store.LockNextOrchestrationsAsync(10, now, LockDuration));

        var chained = Assert.Single(sent);
        Assert.Equal(fireAt, chained.Due);
        Assert.Equal(TimeSpan.FromDays(7), chained.Delay);
        Assert.Empty((await queue.PeekMessagesAsync(32)).Value);
        Assert.Equal(2, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // The table decides: the timer is delivered at its due time, whatever the queue holds.
        var due = Assert.Single(await store.LockNextOrchestrationsAsync(10, fireAt, LockDuration));
        Assert.Equal(fireAt, Assert.IsType<TimerFired>(Assert.Single(due.Messages).Event).FireAt);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_Committed_DeletesTheLeaseDoorbellOfItsLockCall()
    {
        var store = await OpenAsync();
        var sent = new ConcurrentQueue<DoorbellSent>();
        store.DoorbellSentForTests += sent.Enqueue;
        var item = await CreateAndLockAsync(store, "journey-1", Start);
        var lease = Assert.Single(sent, d => d.InstanceId == "lease");
        Assert.Equal(LockDuration + TimeSpan.FromSeconds(1), lease.Delay);
        var queue = store.ControlQueues.Single(q => q.Name == lease.Queue);
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        await store.CommitOrchestrationAsync(item, Episode(item, Start));

        Assert.Equal(0, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    // ---- recovery --------------------------------------------------------------------------

    [Fact]
    public async Task SweepAsync_ScheduleEntryLostInACrash_IsRestoredAndTheWorkFound()
    {
        var store = await OpenAsync();
        await CreateAsync(store, "journey-1", Start);
        // A crash between the instance transaction and the schedule write leaves the message without its entry.
        await DeleteAllScheduleEntriesAsync(store);
        Assert.Empty(await store.LockNextOrchestrationsAsync(10, Start, LockDuration));

        Assert.Equal(1, await store.SweepAsync(full: false, CancellationToken.None));

        var item = Assert.Single(await store.LockNextOrchestrationsAsync(10, Start, LockDuration));
        Assert.Equal("journey-1", item.InstanceId);
    }

    [Fact]
    public async Task InitializeAsync_EntriesLostWhileNoWorkerRan_AreRebuiltAtStartUp()
    {
        var first = await OpenAsync();
        var item = await CreateAndLockAsync(first, "journey-1", Start);
        await first.CommitOrchestrationAsync(item, Episode(item, Start) with
        {
            NewActivities = [new ActivityWorkItem { InstanceId = "journey-1", ExecutionId = item.Instance!.ExecutionId, Sequence = 0, Name = "SendEmail", VisibleAt = Start }],
        });
        await first.EnqueueAsync(ExternalEvent("journey-1", "e-1", Start));
        await DeleteAllScheduleEntriesAsync(first);

        var second = await OpenAsync();

        Assert.Single(await second.LockNextActivitiesAsync(10, Start, LockDuration));
        Assert.Single(await second.LockNextOrchestrationsAsync(10, Start, LockDuration));
    }

    // ---- several workers -------------------------------------------------------------------

    [Fact]
    public async Task LockNextOrchestrationsAsync_TwoStoresOnOneAccount_NeverLockTheSameInstanceTwice()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        for (var i = 0; i < 40; i++)
        {
            await CreateAsync(i % 2 == 0 ? a : b, $"journey-{i:D2}", Start);
        }

        var locked = new List<(AzureStorageJourneyStore Store, OrchestrationWorkItem Item)>();
        for (var round = 0; round < 40 && locked.Count < 40; round++)
        {
            var batches = await Task.WhenAll(
                Task.Run(() => a.LockNextOrchestrationsAsync(5, Start, LockDuration)),
                Task.Run(() => b.LockNextOrchestrationsAsync(5, Start, LockDuration)));
            locked.AddRange(batches[0].Select(w => (a, w)));
            locked.AddRange(batches[1].Select(w => (b, w)));
        }

        Assert.Equal(40, locked.Count);
        Assert.Equal(40, locked.Select(l => l.Item.InstanceId).Distinct().Count());
        await Task.WhenAll(locked.Select(l => l.Store.CommitOrchestrationAsync(l.Item, Episode(l.Item, Start))));
        Assert.Empty(await a.LockNextOrchestrationsAsync(10, Start, LockDuration));
        Assert.Empty(await b.LockNextOrchestrationsAsync(10, Start, LockDuration));
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_WorkerDiedHoldingALock_AnotherTakesItWhenTheLockExpires()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        var stale = await CreateAndLockAsync(a, "journey-1", Start);

        // "a" dies now. "b" sees the instance locked, and takes it at the expiry (a lock until T is expired at T).
        Assert.Empty(await b.LockNextOrchestrationsAsync(10, Start, LockDuration));
        var taken = Assert.Single(await b.LockNextOrchestrationsAsync(10, stale.LockedUntil, LockDuration));

        await Assert.ThrowsAsync<LockLostException>(() => a.CommitOrchestrationAsync(stale, Episode(stale, Start, status: InstanceStatus.Completed)));
        await b.CommitOrchestrationAsync(taken, Episode(taken, stale.LockedUntil));
        Assert.Equal(InstanceStatus.Running, (await b.GetInstanceAsync("journey-1"))!.Status);
        Assert.Equal(2, (await b.GetHistoryAsync("journey-1")).Count);
    }

    [Fact]
    public async Task CommitOrchestrationAsync_InstanceRowChangedAfterTheCommitReadIt_ThrowsLockLostAndWritesNothing()
    {
        var a = await OpenAsync();
        var b = await OpenAsync();
        var item = await CreateAndLockAsync(a, "journey-1", Start);
        OrchestrationWorkItem? taken = null;
        // Between the commit's read (lock token still ours) and its transaction, the lock expires and "b" takes it: the ETag changes.
        a.BeforeCommitTransactionForTests = async _ =>
        {
            a.BeforeCommitTransactionForTests = null;
            taken = Assert.Single(await b.LockNextOrchestrationsAsync(10, item.LockedUntil, LockDuration));
        };

        await Assert.ThrowsAsync<LockLostException>(() => a.CommitOrchestrationAsync(item, Episode(item, Start, status: InstanceStatus.Completed) with
        {
            NewActivities = [new ActivityWorkItem { InstanceId = "journey-1", ExecutionId = item.Instance!.ExecutionId, Sequence = 0, Name = "SendEmail", VisibleAt = Start }],
        }));

        Assert.NotNull(taken);
        Assert.Equal(InstanceStatus.Pending, (await a.GetInstanceAsync("journey-1"))!.Status);
        Assert.Empty(await a.GetHistoryAsync("journey-1"));
        Assert.Empty(await a.LockNextActivitiesAsync(10, Start, LockDuration));
        await b.CommitOrchestrationAsync(taken, Episode(taken, Start));
        Assert.Equal(InstanceStatus.Running, (await a.GetInstanceAsync("journey-1"))!.Status);
    }

    // ---- idle cost -------------------------------------------------------------------------

    [Fact]
    public async Task Polling_IdleHour_BacksOffToAFewHundredTransactionsAndLocalWorkIsStillTakenAtOnce()
    {
        var requests = new RequestLog();
        var pacing = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var store = await OpenAsync(o =>
        {
            o.PacingClock = pacing;
            o.RequestPolicyForTests = requests;
        });
        var now = Start;
        requests.Clear();

        // One idle hour of the runtime's two worker loops, which wake every 5 s (JourneyRuntimeOptions.MaxPollInterval).
        for (var tick = 0; tick < 720; tick++)
        {
            Assert.Empty(await store.LockNextOrchestrationsAsync(16, now, LockDuration));
            Assert.Empty(await store.LockNextActivitiesAsync(16, now, LockDuration));
            Assert.Null(await store.GetNextWakeUpAsync(now));
            Assert.Null(await store.GetNextWakeUpAsync(now));
            pacing.Advance(TimeSpan.FromSeconds(5));
            now += TimeSpan.FromSeconds(5);
        }

        output.WriteLine($"Idle hour, one worker, {new AzureStorageOptions().PartitionCount} partitions: {requests.Count} requests ({requests.Summary()}).");
        Assert.InRange(requests.Count, 100, 1000);
        Assert.Equal(new AzureStorageOptions().MaxPollingInterval, store.OrchestrationBackoff);

        // Work written through this store is taken by the very next call, whatever the back-off.
        await CreateAsync(store, "journey-1", now);
        Assert.Single(await store.LockNextOrchestrationsAsync(16, now, LockDuration));
    }

    [Fact]
    public async Task Polling_WorkWrittenByAnotherStore_IsFoundWhenTheBackOffEndsThroughItsDoorbell()
    {
        var pacing = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var idle = await OpenAsync(o => o.PacingClock = pacing);
        var other = await OpenAsync();
        for (var i = 0; i < 10; i++)
        {
            pacing.Advance(idle.OrchestrationBackoff);
            Assert.Empty(await idle.LockNextOrchestrationsAsync(16, Start, LockDuration));
        }

        Assert.Equal(TimeSpan.FromSeconds(30), idle.OrchestrationBackoff);
        await CreateAsync(other, "journey-1", Start);
        Assert.Empty(await idle.LockNextOrchestrationsAsync(16, Start, LockDuration));

        pacing.Advance(idle.OrchestrationBackoff);
        Assert.Single(await idle.LockNextOrchestrationsAsync(16, Start, LockDuration));
    }

    // ---- wiring and keys -------------------------------------------------------------------

    [Fact]
    public async Task UseAzureStorage_ValidOptions_RegistersTheStore()
    {
        var services = new ServiceCollection();
        services.AddJourneyOrchestrator().UseAzureStorage(o =>
        {
            o.ConnectionString = azurite.ConnectionString;
            o.NamePrefix = _prefix;
        });

        await using var provider = services.BuildServiceProvider();

        Assert.IsType<AzureStorageJourneyStore>(provider.GetRequiredService<IJourneyStore>());
    }

    [Theory]
    [InlineData(null, "journeys")]
    [InlineData("UseDevelopmentStorage=true", "Bad-Prefix")]
    [InlineData("UseDevelopmentStorage=true", "waytoolongprefixforazurenames")]
    public void UseAzureStorage_InvalidOptions_ThrowsAtRegistration(string? connectionString, string prefix)
    {
        var builder = new ServiceCollection().AddJourneyOrchestrator();

        Assert.ThrowsAny<ArgumentException>(() => builder.UseAzureStorage(o =>
        {
            o.ConnectionString = connectionString;
            o.NamePrefix = prefix;
        }));
    }

    [Fact]
    public void Keys_ReservedCharacters_AreEscapedAndThePartitionHashIsStable()
    {
        Assert.Equal("dealer-a%2F001%23x%3Fy%5Cz%25", Keys.Encode("dealer-a/001#x?y\\z%"));
        Assert.StartsWith(Keys.Encode("dealer-a/"), Keys.Encode("dealer-a/001"), StringComparison.Ordinal);
        // Every process must map an instance to the same partition: FNV-1a, not string.GetHashCode.
        Assert.Equal(1, Keys.Partition("journey-1", 4));
        Assert.Equal(17, Keys.Partition("journey-1", 32));
    }
}
