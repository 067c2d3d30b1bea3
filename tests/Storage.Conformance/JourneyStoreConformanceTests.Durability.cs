using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.Conformance;

public abstract partial class JourneyStoreConformanceTests
{
    [Fact]
    public async Task CommitOrchestrationAsync_TwentyConcurrentCommits_AllLand()
    {
        for (var i = 0; i < 20; i++)
        {
            await CreateAsync($"journey-{i:D2}");
        }

        var items = await Store.LockNextOrchestrationsAsync(20, Now, LockDuration);
        Assert.Equal(20, items.Count);

        await Task.WhenAll(items.Select(item => Task.Run(() => Store.CommitOrchestrationAsync(item, Episode(item) with
        {
            NewMessages = [Timer(item.InstanceId, ExecutionOf(item.InstanceId), 1, Now.AddHours(1))],
            NewActivities = [Activity(item.InstanceId, 0)],
        }))));

        for (var i = 0; i < 20; i++)
        {
            var id = $"journey-{i:D2}";
            Assert.Equal(InstanceStatus.Running, (await Store.GetInstanceAsync(id))!.Status);
            Assert.Equal(2, (await Store.GetHistoryAsync(id)).Count);
        }

        Assert.Equal(20, (await Store.LockNextActivitiesAsync(100, Now, LockDuration)).Count);
        Assert.Equal(20, (await Store.LockNextOrchestrationsAsync(100, Now.AddHours(1), LockDuration)).Count);
    }

    [Fact]
    public async Task EnqueueAsync_ManyConcurrentEventsWithTheSameDeduplicationId_AcceptsExactlyOne()
    {
        await CreateInStatusAsync("journey-1", InstanceStatus.Running);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => Store.EnqueueAsync(ExternalEvent("journey-1", $"copy-{i}", deduplicationId: "e-1")))));

        Assert.Single(results, r => r == EnqueueResult.Accepted);
        Assert.Equal(19, results.Count(r => r == EnqueueResult.Duplicate));
        Assert.Single((await LockSingleAsync("journey-1")).Messages);
    }

    [Fact]
    public async Task LockNextOrchestrationsAsync_ConcurrentWorkers_NeverLockTheSameInstanceTwice()
    {
        for (var i = 0; i < 30; i++)
        {
            await CreateAsync($"journey-{i:D2}");
        }

        var batches = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ =>
            Task.Run(() => Store.LockNextOrchestrationsAsync(10, Now, LockDuration))));

        var locked = batches.SelectMany(b => b).Select(w => w.InstanceId).ToList();
        Assert.Equal(30, locked.Count);
        Assert.Equal(30, locked.Distinct().Count());
    }

    [Fact]
    public async Task ReopenStoreAsync_AfterDispose_SeesEverythingThatWasWritten()
    {
        await CreateAsync("journey-1", new Dictionary<string, string> { ["dealer"] = "d-1" });
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1"));
        var item = await LockSingleAsync("journey-1");
        var commit = Episode(item) with
        {
            Instance = item.Instance! with { Status = InstanceStatus.Running, CustomStatus = "\"choice\"" },
            NewMessages = [Timer("journey-1", ExecutionOf("journey-1"), 1, Now.AddDays(1))],
            NewActivities = [Activity("journey-1", 0)],
        };
        await Store.CommitOrchestrationAsync(item, commit);
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-2", deduplicationId: "e-2"));
        var history = await Store.GetHistoryAsync("journey-1");

        if (!await ReopenAsync())
        {
            return;
        }

        var stored = await Store.GetInstanceAsync("journey-1");
        Assert.NotNull(stored);
        Assert.Equal(InstanceStatus.Running, stored.Status);
        Assert.Equal("\"choice\"", stored.CustomStatus);
        Assert.Equal("d-1", stored.Tags["dealer"]);
        Assert.Equal(history, await Store.GetHistoryAsync("journey-1"));
        Assert.Equal(EnqueueResult.Duplicate, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1")));
        Assert.Equal(Now.AddDays(1), await Store.GetNextWakeUpAsync(Now));
        var activity = Assert.Single(await Store.LockNextActivitiesAsync(10, Now, LockDuration));
        Assert.Equal(0, activity.Sequence);
        var next = await LockSingleAsync("journey-1");
        Assert.Equal("e-2", Assert.IsType<ExternalEventReceived>(Assert.Single(next.Messages).Event).EventId);
    }

    [Fact]
    public async Task ReopenStoreAsync_WritesQueuedWhenDisposed_AreAllCommitted()
    {
        for (var i = 0; i < 10; i++)
        {
            await CreateAsync($"journey-{i}");
        }

        var enqueues = Enumerable.Range(0, 10).Select(i => Store.EnqueueAsync(ExternalEvent($"journey-{i}", "e-1"))).ToList();
        var reopened = await ReopenAsync();
        Assert.All(await Task.WhenAll(enqueues), r => Assert.Equal(EnqueueResult.Accepted, r));
        if (!reopened)
        {
            return;
        }

        var items = await Store.LockNextOrchestrationsAsync(100, Now, LockDuration);
        Assert.Equal(10, items.Count);
        Assert.All(items, w => Assert.Equal(2, w.Messages.Count));
    }
}
