using System.Text.Json;
using JourneyOrchestrator.Storage.AzureStorage.DurableTask;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.DurableTask;

/// <summary>
/// The cluster engine (DTFx's TaskHubWorker over DurableTask.AzureStorage, SDK orchestrations through the shim) on Azurite,
/// with short real durations and bounded waits.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class DurableTaskEngineTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private static void AllTasks(DurableTaskRegistry tasks) => tasks
        .AddOrchestrator<BufferedEventsOrchestrator>()
        .AddOrchestrator<RaceOrchestrator>()
        .AddOrchestrator<GuardedTimerOrchestrator>()
        .AddOrchestrator<TimerLoopOrchestrator>()
        .AddOrchestrator<WaitForGoOrchestrator>()
        .AddOrchestrator<CollectorOrchestrator>()
        .AddOrchestrator<GreeterOrchestrator>()
        .AddOrchestrator<FailingOrchestrator>()
        .AddActivity<GreetActivity>()
        .AddActivity<FailActivity>();

    private Task<DtfxHarness> StartAsync(Action<DurableTaskAzureStorageOptions>? configure = null) =>
        DtfxHarness.StartAsync(azurite, AllTasks, configure, services => services.AddScoped<ScopeProbe>());

    [Fact]
    public async Task Events_raised_before_the_wait_are_kept()
    {
        await using var engine = await StartAsync();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(BufferedEventsOrchestrator), "start");
        await engine.CustomStatusAsync(id, "busy");
        // Both arrive while the orchestrator sleeps, "b" first: each waits in the buffer for its own wait.
        await engine.Client.RaiseEventAsync(id, "b", "second");
        await engine.Client.RaiseEventAsync(id, "a", "first");

        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("start|first|second", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task WhenAny_of_two_waits_and_a_timer_with_one_cancellation_source_loses_no_event_when_both_come_at_once()
    {
        await using var engine = await StartAsync();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(RaceOrchestrator), 2);
        await engine.CustomStatusAsync(id, "waiting 0");
        await Task.WhenAll(engine.Client.RaiseEventAsync(id, "a", "A"), engine.Client.RaiseEventAsync(id, "b", "B"));

        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        // The loser of round 0 was cancelled; its event, arriving in the same episode, goes to the buffer and wins round 1.
        Assert.Equal(["A", "B"], done.ReadOutputAs<List<string>>()!.Order());
    }

    [Fact]
    public async Task A_timer_that_fires_early_is_waited_again_so_the_orchestrator_never_wakes_before_its_due_time()
    {
        await using var engine = await StartAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GuardedTimerOrchestrator), 1_500 + (i * 250)));
        }

        var early = 0;
        foreach (var id in ids)
        {
            var done = await engine.CompletionAsync(id);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            var report = done.ReadOutputAs<TimerReport>()!;
            Assert.True(report.Woke >= report.Due, $"woke at {report.Woke:O}, before its due time {report.Due:O}");
            Assert.Equal(report.Fired - 1, report.Early);
            early += report.Early;
        }

        output.WriteLine($"{early} of {ids.Count} timers fired early and were waited again.");
    }

    [Fact]
    public async Task A_long_timer_is_split_in_pieces_and_ContinueAsNew_keeps_each_execution_history_bounded()
    {
        // 5 s timers in pieces of at most 2 s (the shim splits them), 3 rounds through ContinueAsNew. (Pieces shorter than
        // 2 s fire at once: DurableTask.AzureStorage hides a timer message for whole seconds, rounded down.)
        await using var engine = await StartAsync(o => o.MaximumTimerInterval = TimeSpan.FromSeconds(2));
        var started = DateTime.UtcNow;
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(TimerLoopOrchestrator), new LoopInput(0, 3, 5_000));

        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(3, done.ReadOutputAs<int>());
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(3 * 5), "three rounds of 5 s took less than 15 s");

        using var history = JsonDocument.Parse(await engine.Client.GetSerializedHistoryAsync(id));
        var events = history.RootElement.EnumerateArray().Select(e => e.GetProperty("EventType").GetInt32()).ToList();
        var timersCreated = events.Count(e => e == (int)global::DurableTask.Core.History.EventType.TimerCreated);
        output.WriteLine($"final execution: {events.Count} history events, {timersCreated} timers");
        // The last execution holds only its own round: one start (round 2's input), and no event older than that start (the
        // earlier rounds' timers went with their executions). Its 5 s timer was split: pieces of at most 2 s, so at least 3
        // (more when a piece fires early: under load a 2 s piece often fires at once).
        var start = Assert.Single(history.RootElement.EnumerateArray(), e => e.GetProperty("EventType").GetInt32() == (int)global::DurableTask.Core.History.EventType.ExecutionStarted);
        Assert.Equal(2, JsonSerializer.Deserialize<LoopInput>(start.GetProperty("Input").GetString()!, Core.Authoring.JsonData.Options)!.Round);
        var startedAt = start.GetProperty("Timestamp").GetDateTime();
        Assert.All(history.RootElement.EnumerateArray(), e => Assert.True(e.GetProperty("Timestamp").GetDateTime() >= startedAt.AddSeconds(-1), $"an event of {e.GetProperty("Timestamp")} is older than the execution's start {startedAt:O}"));
        Assert.True(timersCreated >= 3, $"{timersCreated} timers: the 5 s timer was not split in pieces of at most 2 s");
    }

    [Fact]
    public async Task A_burst_of_events_right_after_a_start_that_carried_the_first_event_is_kept()
    {
        await using var engine = await StartAsync();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(CollectorOrchestrator), new CollectorInput("e0", 6), new StartOrchestrationOptions { InstanceId = "burst-" + Guid.NewGuid().ToString("N") });
        await engine.Client.WaitForInstanceStartAsync(id);
        for (var i = 1; i < 6; i++)
        {
            await engine.Client.RaiseEventAsync(id, "e", "e" + i);
        }

        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(["e0", "e1", "e2", "e3", "e4", "e5"], done.ReadOutputAs<List<string>>()!.Order());
    }

    [Fact]
    public async Task A_burst_of_events_raised_at_once_right_after_a_start_is_applied_in_full()
    {
        // No wait for the start: the events go out while the instances are still Pending, the ~2 s in which
        // DurableTask.AzureStorage would drop them; the client holds each event until its instance runs.
        await using var engine = await StartAsync();
        const int events = 5;
        var ids = await Task.WhenAll(Enumerable.Range(0, 24).Select(async n =>
        {
            var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(
                nameof(CollectorOrchestrator), new CollectorInput("e0", events + 1), new StartOrchestrationOptions { InstanceId = "burst-" + Guid.NewGuid().ToString("N") });
            await Task.WhenAll(Enumerable.Range(1, events).Select(i => engine.Client.RaiseEventAsync(id, "e", "e" + i)));
            // The events were sent once the instance had left Pending (without the wait they go out milliseconds after the start).
            Assert.NotEqual(OrchestrationRuntimeStatus.Pending, (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus);
            return id;
        }));

        var expected = Enumerable.Range(0, events + 1).Select(i => "e" + i).ToList();
        foreach (var id in ids)
        {
            var done = await engine.CompletionAsync(id);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
            Assert.Equal(expected, done.ReadOutputAs<List<string>>()!.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task An_event_to_an_unknown_instance_is_sent_without_waiting()
    {
        await using var engine = await StartAsync();
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await engine.Client.RaiseEventAsync("nobody-" + Guid.NewGuid().ToString("N"), "e", "lost");

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"raising to an unknown instance took {watch.Elapsed}; it must not wait for a start");
    }

    [Fact]
    public async Task An_event_to_an_instance_that_stays_pending_waits_only_the_bound_and_a_worker_started_later_applies_it()
    {
        await using var engine = await StartAsync(o => o.EventStartWait = TimeSpan.FromSeconds(1));
        await engine.Worker.StopAsync(CancellationToken.None); // the task hub exists; no worker runs now
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(CollectorOrchestrator), new CollectorInput("e0", 2), new StartOrchestrationOptions { InstanceId = "pending-" + Guid.NewGuid().ToString("N") });

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await engine.Client.RaiseEventAsync(id, "e", "e1");
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        Assert.Equal(OrchestrationRuntimeStatus.Pending, (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus);

        using (var timeout = new CancellationTokenSource(DtfxHarness.Patience))
        {
            await engine.Worker.StartAsync(timeout.Token);
        }

        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal(["e0", "e1"], done.ReadOutputAs<List<string>>()!.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Suspend_holds_an_instance_and_its_events_until_resume()
    {
        await using var engine = await StartAsync();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(WaitForGoOrchestrator), "journey");
        await engine.CustomStatusAsync(id, "waiting");

        await engine.Client.SuspendInstanceAsync(id, "paused by a test");
        await engine.UntilAsync(id, m => m.RuntimeStatus == OrchestrationRuntimeStatus.Suspended, "Suspended");
        await engine.Client.RaiseEventAsync(id, "go", "now");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, (await engine.Client.GetInstanceAsync(id))!.RuntimeStatus);

        await engine.Client.ResumeInstanceAsync(id, "resumed by a test");
        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("journey:now", done.ReadOutputAs<string>());
    }

    [Fact]
    public async Task Terminate_finishes_an_instance_and_purge_removes_only_finished_ones()
    {
        await using var engine = await StartAsync();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(WaitForGoOrchestrator), "journey");
        await engine.CustomStatusAsync(id, "waiting");

        await Assert.ThrowsAsync<InvalidOperationException>(() => engine.Client.PurgeInstanceAsync(id));
        await engine.Client.TerminateInstanceAsync(id, "stopped by a test");
        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, done.RuntimeStatus);
        Assert.Equal("stopped by a test", done.ReadOutputAs<string>());

        Assert.Equal(1, (await engine.Client.PurgeInstanceAsync(id)).PurgedInstanceCount);
        Assert.Null(await engine.Client.GetInstanceAsync(id));
        Assert.Equal(0, (await engine.Client.PurgeInstanceAsync(id)).PurgedInstanceCount);
    }

    [Fact]
    public async Task A_second_start_of_a_running_instance_with_dedupe_statuses_fails()
    {
        await using var engine = await StartAsync();
        var start = new StartOrchestrationOptions { InstanceId = "dedupe-" + Guid.NewGuid().ToString("N") }
            .WithDedupeStatuses(OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated);
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(WaitForGoOrchestrator), "first", start);
        await engine.CustomStatusAsync(id, "waiting");
        await engine.Client.RaiseEventAsync(id, "go", "now");
        await engine.CompletionAsync(id);

        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(WaitForGoOrchestrator), "second", start));
        Assert.Equal("\"first\"", (await engine.Client.GetInstanceAsync(id, getInputsAndOutputs: true))!.SerializedInput);
    }

    [Fact]
    public async Task An_unknown_instance_reads_as_absent_and_a_finished_one_as_finished()
    {
        await using var engine = await StartAsync();
        Assert.Null(await engine.Client.GetInstanceAsync("never-started"));

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(WaitForGoOrchestrator), "journey");
        await engine.CustomStatusAsync(id, "waiting");
        var running = (await engine.Client.GetInstanceAsync(id))!;
        Assert.False(running.IsCompleted);
        await engine.Client.RaiseEventAsync(id, "go", "now");
        await engine.CompletionAsync(id);

        var finished = (await engine.Client.GetInstanceAsync(id, getInputsAndOutputs: true))!;
        Assert.True(finished.IsCompleted);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, finished.RuntimeStatus);
        Assert.Equal(JsonSerializer.Serialize("done"), finished.SerializedCustomStatus);
    }

    [Fact]
    public async Task Activities_run_each_in_a_scope_of_their_own_and_payloads_use_the_shared_web_json()
    {
        await using var engine = await StartAsync();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(GreeterOrchestrator), new Person("Ann", 3), new StartOrchestrationOptions { Tags = new Dictionary<string, string> { ["dealer"] = "d-42" } });

        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        Assert.Equal("""{"givenName":"Ann","visitCount":3}""", done.SerializedInput);
        Assert.Equal("d-42", done.Tags["dealer"]);
        var greetings = done.ReadOutputAs<string[]>()!;
        Assert.StartsWith("Hello Ann #3 [", greetings[0], StringComparison.Ordinal);
        Assert.StartsWith("Hello Ann #4 [", greetings[1], StringComparison.Ordinal);
        var scopes = greetings.Select(g => Guid.Parse(g[(g.IndexOf('[', StringComparison.Ordinal) + 1)..^1])).ToList();
        Assert.NotEqual(scopes[0], scopes[1]);
        Assert.All(scopes, scope => Assert.Contains(scope, ScopeProbe.Disposed));
    }

    [Fact]
    public async Task The_typed_history_maps_to_the_journey_format_with_the_activities_in_order()
    {
        await using var engine = await StartAsync();
        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GreeterOrchestrator), new Person("Ann", 3));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await engine.CompletionAsync(id)).RuntimeStatus);

        var typed = await engine.Client.GetOrchestrationHistoryAsync(id);
        var mapped = JourneyOrchestrator.Core.History.DurableTaskHistory.FromDurableTask(typed);

        var started = Assert.Single(mapped.OfType<JourneyOrchestrator.Core.History.JourneyStarted>());
        Assert.IsType<JourneyOrchestrator.Core.History.EpisodeStarted>(mapped[0]); // DTFx records the episode before the start
        Assert.Equal(nameof(GreeterOrchestrator), started.Name);
        Assert.Equal("""{"givenName":"Ann","visitCount":3}""", started.Input);
        var scheduled = mapped.OfType<JourneyOrchestrator.Core.History.ActivityScheduled>().ToList();
        Assert.Equal([nameof(GreetActivity), nameof(GreetActivity)], scheduled.Select(a => a.Name));
        var completed = mapped.OfType<JourneyOrchestrator.Core.History.ActivityCompleted>().ToList();
        Assert.Equal(scheduled.Select(a => a.Sequence), completed.Select(c => c.ScheduledSequence));
        Assert.StartsWith("\"Hello Ann #3 [", completed[0].Result, StringComparison.Ordinal);
        Assert.IsType<JourneyOrchestrator.Core.History.JourneyCompleted>(mapped[^1]);
        Assert.All(mapped, e => Assert.Equal(TimeSpan.Zero, e.Timestamp.Offset));
    }

    [Fact]
    public async Task A_failed_activity_fails_the_instance_with_failure_details_and_queries_find_instances_by_prefix()
    {
        await using var engine = await StartAsync();
        var prefix = "q" + Guid.NewGuid().ToString("N")[..8] + "-";
        var failed = await engine.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(FailingOrchestrator), "kaput", new StartOrchestrationOptions { InstanceId = prefix + "failed" });
        var waiting = await engine.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(WaitForGoOrchestrator), "journey", new StartOrchestrationOptions { InstanceId = prefix + "waiting" });

        var done = await engine.CompletionAsync(failed);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, done.RuntimeStatus);
        Assert.NotNull(done.FailureDetails);
        output.WriteLine($"failure: {done.FailureDetails.ErrorType} / {done.FailureDetails.ErrorMessage}");
        Assert.Equal(typeof(TaskFailedException).FullName, done.FailureDetails.ErrorType);
        Assert.Contains("boom: kaput", done.FailureDetails.ErrorMessage, StringComparison.Ordinal);
        await engine.CustomStatusAsync(waiting, "waiting");

        var all = new List<OrchestrationMetadata>();
        await foreach (var instance in engine.Client.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = prefix, PageSize = 1 }))
        {
            all.Add(instance);
        }

        Assert.Equal([prefix + "failed", prefix + "waiting"], all.Select(m => m.InstanceId).Order());
        var running = new List<string>();
        await foreach (var instance in engine.Client.GetAllInstancesAsync(new OrchestrationQuery
        {
            InstanceIdPrefix = prefix,
            Statuses = [OrchestrationRuntimeStatus.Running],
        }))
        {
            running.Add(instance.InstanceId);
        }

        Assert.Equal([prefix + "waiting"], running);
    }

    [Fact]
    public async Task A_stopped_worker_starts_again_on_a_new_service_and_runs_what_was_started_meanwhile()
    {
        await using var engine = await StartAsync();
        var first = engine.Worker.Service;
        await engine.Worker.StopAsync(CancellationToken.None);
        Assert.False(engine.Worker.IsRunning);

        var id = await engine.Client.ScheduleNewOrchestrationInstanceAsync(nameof(GreeterOrchestrator), new Person("Bo", 1));
        using (var timeout = new CancellationTokenSource(DtfxHarness.Patience))
        {
            await engine.Worker.StartAsync(timeout.Token);
        }

        Assert.NotSame(first, engine.Worker.Service);
        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
    }
}
