using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Tests.Support;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Core.Tests;

/// <summary>The SDK's <see cref="DurableTaskClient"/> over the embedded engine, as AddJourneyOrchestrator registers it.</summary>
public sealed class EmbeddedDurableTaskClientTests : IAsyncLifetime
{
    private RuntimeHarness _h = null!;
    private DurableTaskClient _client = null!;

    public Task InitializeAsync()
    {
        _h = new RuntimeHarness(new InMemoryJourneyStore(), b => b
            .AddOrchestrator<int, int>("double", (_, input) => Task.FromResult(input * 2))
            .AddOrchestrator<object?, string>("waiter", async (ctx, _) =>
            {
                ctx.SetCustomStatus(new { waiting = "go" });
                return await ctx.WaitForExternalEvent<string>("go");
            }));
        _client = _h.Services.GetRequiredService<DurableTaskClient>();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public void Registered_TheSdkClientIsTheEmbeddedOne()
    {
        Assert.IsType<EmbeddedDurableTaskClient>(_client);
        Assert.Same(_client, _h.Services.GetRequiredService<EmbeddedDurableTaskClient>());
    }

    [Fact]
    public async Task Schedule_WithInstanceIdStartAtTagsAndVersion_PendingUntilThen_ThenCompletedWithItsOutput()
    {
        var id = await _client.ScheduleNewOrchestrationInstanceAsync("double", 21, new StartOrchestrationOptions("calc-1", RuntimeHarness.Start.AddHours(1))
        {
            Tags = new Dictionary<string, string> { ["dealer"] = "d1" },
            Version = new TaskVersion("3"),
        });
        await _h.RunUntilIdleAsync();
        var pending = await _client.GetInstanceAsync(id, getInputsAndOutputs: true);

        await _h.AdvanceAsync(TimeSpan.FromHours(1));
        var done = await _client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true);

        Assert.Equal("calc-1", id);
        Assert.Equal((OrchestrationRuntimeStatus.Pending, 21, "d1"), (pending!.RuntimeStatus, pending.ReadInputAs<int>(), pending.Tags["dealer"]));
        Assert.Equal((OrchestrationRuntimeStatus.Completed, 42, "double"), (done.RuntimeStatus, done.ReadOutputAs<int>(), done.Name));
        Assert.Equal("3", (await _h.StatusAsync(id)).Version);
    }

    [Fact]
    public async Task History_IsDurableTaskCoresEvents_AndMapsBackToTheEmbeddedHistory()
    {
        var id = await _client.ScheduleNewOrchestrationInstanceAsync("waiter");
        await _h.RunUntilIdleAsync();
        await _client.RaiseEventAsync(id, "go", "now");
        await _h.RunUntilIdleAsync();

        var typed = await _client.GetOrchestrationHistoryAsync(id);
        var own = (await _h.Client.GetStatusAsync(id, includeHistory: true))!.History!;

        Assert.Contains(typed, e => e is global::DurableTask.Core.History.EventRaisedEvent { Name: "go" });
        Assert.Contains(typed, e => e is global::DurableTask.Core.History.ExecutionCompletedEvent { OrchestrationStatus: global::DurableTask.Core.OrchestrationStatus.Completed });
        var back = JourneyOrchestrator.Core.History.DurableTaskHistory.FromDurableTask(typed);
        Assert.Equal(own.Select(e => e.TypeName), back.Select(e => e.TypeName));
        Assert.Equal(own.Select(e => e.Timestamp), back.Select(e => e.Timestamp));
        Assert.Equal("\"now\"", back.OfType<JourneyOrchestrator.Core.History.ExternalEventReceived>().Single().Payload);
        await Assert.ThrowsAsync<ArgumentException>(() => _client.GetOrchestrationHistoryAsync("nobody"));
    }

    [Fact]
    public async Task Schedule_TakenId_Throws_UnlessTheDedupeStatusesLeaveFinishedOnesOut()
    {
        await _client.ScheduleNewOrchestrationInstanceAsync("double", 1, new StartOrchestrationOptions("same"));
        await _h.RunUntilIdleAsync();

        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => _client.ScheduleNewOrchestrationInstanceAsync("double", 2, new StartOrchestrationOptions("same")));
        await _client.ScheduleNewOrchestrationInstanceAsync("double", 2, new StartOrchestrationOptions("same") { DedupeStatuses = ["Running", "Pending"] });
        await _h.RunUntilIdleAsync();

        Assert.Equal(4, (await _client.GetInstanceAsync("same", getInputsAndOutputs: true))!.ReadOutputAs<int>());
    }

    [Fact]
    public async Task RaiseEvent_CompletesTheWait_CustomStatusIsReadable_UnknownInstanceThrows()
    {
        var id = await _client.ScheduleNewOrchestrationInstanceAsync("waiter");
        await _h.RunUntilIdleAsync();
        var started = await _client.WaitForInstanceStartAsync(id, getInputsAndOutputs: true);

        await _client.RaiseEventAsync(id, "go", "went");
        await _h.RunUntilIdleAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Running, started.RuntimeStatus);
        Assert.Equal("{\"waiting\":\"go\"}", started.SerializedCustomStatus);
        Assert.Equal("went", (await _client.GetInstanceAsync(id, getInputsAndOutputs: true))!.ReadOutputAs<string>());
        await Assert.ThrowsAsync<ArgumentException>(() => _client.RaiseEventAsync("nobody", "go", "x"));
        Assert.Null(await _client.GetInstanceAsync("nobody"));
    }

    [Fact]
    public async Task SuspendResumeTerminate_ChangeTheStatus_TerminateOfAFinishedOneThrows()
    {
        var id = await _client.ScheduleNewOrchestrationInstanceAsync("waiter");
        await _h.RunUntilIdleAsync();

        await _client.SuspendInstanceAsync(id, "asked");
        await _h.RunUntilIdleAsync();
        var suspended = (await _client.GetInstanceAsync(id))!.RuntimeStatus;
        await _client.ResumeInstanceAsync(id, "asked");
        await _h.RunUntilIdleAsync();
        var resumed = (await _client.GetInstanceAsync(id))!.RuntimeStatus;
        await _client.TerminateInstanceAsync(id, "sold the car");
        await _h.RunUntilIdleAsync();
        var terminated = await _client.GetInstanceAsync(id, getInputsAndOutputs: true);

        Assert.Equal((OrchestrationRuntimeStatus.Suspended, OrchestrationRuntimeStatus.Running), (suspended, resumed));
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, terminated!.RuntimeStatus);
        Assert.Equal("sold the car", terminated.ReadOutputAs<string>());
        await Assert.ThrowsAsync<InvalidOperationException>(() => _client.TerminateInstanceAsync(id));
        await Assert.ThrowsAsync<NotSupportedException>(() => _client.TerminateInstanceAsync(id, new TerminateInstanceOptions(Recursive: true)));
    }

    [Fact]
    public async Task GetAllInstances_FiltersByStatusAndPrefix_AndPagesThroughEverything()
    {
        for (var i = 0; i < 5; i++)
        {
            await _client.ScheduleNewOrchestrationInstanceAsync("double", i, new StartOrchestrationOptions($"d-{i}"));
        }

        await _client.ScheduleNewOrchestrationInstanceAsync("waiter", null, new StartOrchestrationOptions("w-0"));
        await _h.RunUntilIdleAsync();

        var all = new List<string>();
        await foreach (var page in _client.GetAllInstancesAsync(new OrchestrationQuery(PageSize: 2)).AsPages())
        {
            Assert.InRange(page.Values.Count, 1, 2);
            all.AddRange(page.Values.Select(m => m.InstanceId));
        }

        var running = new List<string>();
        await foreach (var metadata in _client.GetAllInstancesAsync(new OrchestrationQuery(Statuses: [OrchestrationRuntimeStatus.Running])))
        {
            running.Add(metadata.InstanceId);
        }

        var prefixed = new List<int>();
        await foreach (var metadata in _client.GetAllInstancesAsync(new OrchestrationQuery(InstanceIdPrefix: "d-", FetchInputsAndOutputs: true)))
        {
            prefixed.Add(metadata.ReadOutputAs<int>());
        }

        Assert.Equal(["d-0", "d-1", "d-2", "d-3", "d-4", "w-0"], all.Order());
        Assert.Equal(["w-0"], running);
        Assert.Equal([0, 2, 4, 6, 8], prefixed.Order());
    }

    [Fact]
    public async Task Purge_OneOrAllFinished_RunningOnesStay()
    {
        await _client.ScheduleNewOrchestrationInstanceAsync("double", 1, new StartOrchestrationOptions("a"));
        await _client.ScheduleNewOrchestrationInstanceAsync("double", 2, new StartOrchestrationOptions("b"));
        await _client.ScheduleNewOrchestrationInstanceAsync("double", 3, new StartOrchestrationOptions("c"));
        await _client.ScheduleNewOrchestrationInstanceAsync("waiter", null, new StartOrchestrationOptions("w"));
        await _h.RunUntilIdleAsync();

        var one = await _client.PurgeInstanceAsync("a");
        var running = await _client.PurgeInstanceAsync("w");
        var rest = await _client.PurgeAllInstancesAsync(new PurgeInstancesFilter());

        Assert.Equal((1, 0, 2), (one.PurgedInstanceCount, running.PurgedInstanceCount, rest.PurgedInstanceCount));
        Assert.Null(await _client.GetInstanceAsync("b"));
        Assert.NotNull(await _client.GetInstanceAsync("w"));
    }
}
