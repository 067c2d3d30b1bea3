using System.Globalization;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>
/// The calls an Azure Functions custom handler makes when a trigger woke it: doorbells received by the Functions host
/// instead of the store (<see cref="AzureStorageJourneyStore.AcceptDoorbellAsync"/>) and <see cref="AzureStorageJourneyStore.WakeUp"/>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageTriggerTests(AzuriteFixture azurite) : IAsyncLifetime
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

    [Fact]
    public async Task WakeUp_BackedOffWorkerWhoseDoorbellAnotherConsumerTook_FindsTheWorkAtOnce()
    {
        var pacing = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var idle = await OpenAsync(o => o.PacingClock = pacing);
        var other = await OpenAsync();
        for (var i = 0; i < 10; i++)
        {
            pacing.Advance(idle.OrchestrationBackoff);
            Assert.Empty(await idle.LockNextOrchestrationsAsync(16, Start, LockDuration));
        }

        var instance = NewInstance("journey-1");
        Assert.Equal(CreateResult.Created, await other.CreateInstanceAsync(instance, StartMessage(instance), replaceIfFinished: false));
        var consumed = 0;
        foreach (var queue in idle.ControlQueues)
        {
            foreach (var message in (await queue.ReceiveMessagesAsync(32)).Value)
            {
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt); // the Functions host took it
                consumed++;
            }
        }

        Assert.Equal(1, consumed);
        Assert.Empty(await idle.LockNextOrchestrationsAsync(16, Start, LockDuration)); // backed off, and no doorbell left

        idle.WakeUp();

        Assert.Equal("journey-1", Assert.Single(await idle.LockNextOrchestrationsAsync(16, Start, LockDuration)).InstanceId);
    }

    [Fact]
    public async Task AcceptDoorbell_LinkThatRangEarly_SendsTheNextLinkForTheRest()
    {
        var store = await OpenAsync();
        var sent = new List<DoorbellSent>();
        store.DoorbellSentForTests += sent.Add;
        var due = DateTimeOffset.UtcNow.AddDays(30);
        var queue = store.ControlQueueNames[2];

        var outcome = await store.AcceptDoorbellAsync(queue, Text(due, "journey-yearly"));

        Assert.Equal(DoorbellOutcome.Chained, outcome);
        var link = Assert.Single(sent);
        Assert.Equal(queue, link.Queue);
        Assert.Equal("journey-yearly", link.InstanceId);
        Assert.Equal(TimeSpan.FromDays(7), link.Delay);
        Assert.Equal(due.ToUnixTimeMilliseconds(), link.Due.ToUnixTimeMilliseconds());
    }

    [Fact]
    public async Task AcceptDoorbell_DueOrForeignMessage_SendsNothing()
    {
        var store = await OpenAsync();
        var sent = new List<DoorbellSent>();
        store.DoorbellSentForTests += sent.Add;

        Assert.Equal(DoorbellOutcome.Due, await store.AcceptDoorbellAsync(store.WorkItemQueueName, Text(DateTimeOffset.UtcNow, "journey-1")));
        Assert.Equal(DoorbellOutcome.Due, await store.AcceptDoorbellAsync(store.ControlQueueNames[0], Text(DateTimeOffset.UtcNow.AddDays(-3), "lease")));
        Assert.Equal(DoorbellOutcome.Unrecognized, await store.AcceptDoorbellAsync(store.ControlQueueNames[0], "{\"hello\":1}"));
        Assert.Empty(sent);
        await Assert.ThrowsAsync<ArgumentException>(() => store.AcceptDoorbellAsync("someone-elses-queue", Text(DateTimeOffset.UtcNow, "x")));
    }

    [Fact]
    public async Task RingNow_SendsAVisibleDoorbellOnTheFirstControlQueue()
    {
        var store = await OpenAsync();

        await store.RingNowAsync();

        var message = Assert.Single((await store.ControlQueues[0].PeekMessagesAsync(32)).Value);
        Assert.EndsWith("|wake", message.Body.ToString(), StringComparison.Ordinal);
    }

    private static string Text(DateTimeOffset due, string instanceId) =>
        due.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "|" + instanceId;

    private async Task<AzureStorageJourneyStore> OpenAsync(Action<AzureStorageOptions>? configure = null)
    {
        var options = azurite.Options(_prefix);
        configure?.Invoke(options);
        var store = new AzureStorageJourneyStore(options);
        _stores.Add(store);
        await store.InitializeAsync();
        return store;
    }

    private static InstanceRecord NewInstance(string id) => new()
    {
        InstanceId = id,
        ExecutionId = id + "-exec1",
        Name = "welcome-journey",
        Status = InstanceStatus.Pending,
        Input = "{}",
        CreatedAt = Start,
        LastUpdatedAt = Start,
    };

    private static InboxMessage StartMessage(InstanceRecord instance) => new()
    {
        InstanceId = instance.InstanceId,
        ExecutionId = instance.ExecutionId,
        Event = new JourneyStarted { Timestamp = Start, Name = instance.Name, ExecutionId = instance.ExecutionId, Input = instance.Input },
        VisibleAt = Start,
    };
}
