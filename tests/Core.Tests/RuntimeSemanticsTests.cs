using JourneyOrchestrator.Core.Authoring;
using Microsoft.DurableTask;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Core.Tests;

/// <summary>
/// The semantics of DESIGN §3 and the lessons of §4, driven through client, dispatcher and activity worker
/// on a fake clock. Subclassed per store so every provider is held to them.
/// </summary>
public abstract partial class RuntimeSemanticsTests
{
    protected abstract IJourneyStore CreateStore();

    private async Task<RuntimeHarness> HarnessAsync(Action<JourneyOrchestratorBuilder> configure, Action<IServiceCollection>? services = null)
    {
        var store = CreateStore();
        await store.InitializeAsync();
        return new RuntimeHarness(store, configure, services);
    }

    [Fact]
    public async Task Start_SimpleOrchestration_CompletesWithOutput()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("double", (ctx, _) => Task.FromResult<object?>(ctx.GetInput<int>() * 2)));

        var id = await h.Client.StartAsync("double", 21);
        Assert.Equal(InstanceStatus.Pending, (await h.StatusAsync(id)).Status);
        await h.RunUntilIdleAsync();

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Completed, status.Status);
        Assert.Equal("42", status.Output);
        Assert.Equal(RuntimeHarness.Start, status.CompletedAt);
    }

    [Fact]
    public async Task Start_IdOfRunningInstance_ThrowsAndKeepsTheRunningOne()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("waiter", async (ctx, _) => await ctx.WaitForExternalEvent<string>("go")));
        await h.Client.StartAsync("waiter", "first", new StartOptions { InstanceId = "journey-1" });
        await h.RunUntilIdleAsync();

        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => h.Client.StartAsync("waiter", "second", new StartOptions { InstanceId = "journey-1" }));
        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => h.Client.StartAsync("waiter", "second", new StartOptions { InstanceId = "journey-1", ReplaceIfFinished = true }));

        var status = await h.StatusAsync("journey-1");
        Assert.Equal(InstanceStatus.Running, status.Status);
        Assert.Equal("\"first\"", status.Input);
    }

    [Fact]
    public async Task Start_IdOfFinishedInstance_RejectedUnlessReplaceIsAsked()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("echo", (ctx, _) => Task.FromResult<object?>(ctx.GetInput<string>())));
        await h.Client.StartAsync("echo", "one", new StartOptions { InstanceId = "j" });
        await h.RunUntilIdleAsync();

        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => h.Client.StartAsync("echo", "two", new StartOptions { InstanceId = "j" }));
        await h.Client.StartAsync("echo", "two", new StartOptions { InstanceId = "j", ReplaceIfFinished = true });
        await h.RunUntilIdleAsync();

        Assert.Equal("\"two\"", (await h.StatusAsync("j")).Output);
    }

    [Fact]
    public async Task Start_UnknownOrchestration_ThrowsArgumentException()
    {
        await using var h = await HarnessAsync(_ => { });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => h.Client.StartAsync("nope"));
        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RaiseEvent_BeforeTheWait_IsBufferedAndDeliveredWhenTheWaitBegins()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("late-waiter", async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromHours(1), CancellationToken.None);
            return await ctx.WaitForExternalEvent<string>("brochure.downloaded");
        }));
        var id = await h.Client.StartAsync("late-waiter");
        await h.RunUntilIdleAsync();

        Assert.Equal(EnqueueResult.Accepted, await h.Client.RaiseEventAsync(id, "brochure.downloaded", "hybrid"));
        await h.RunUntilIdleAsync();
        Assert.Equal(InstanceStatus.Running, (await h.StatusAsync(id)).Status);

        await h.AdvanceAsync(TimeSpan.FromHours(1));
        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Completed, status.Status);
        Assert.Equal("\"hybrid\"", status.Output);
    }

    [Fact]
    public async Task WaitWithTimeout_TimesOut_LaterEventIsNotSwallowed()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("retry-wait", async (ctx, _) =>
        {
            string first;
            try
            {
                first = await ctx.WaitForExternalEvent<string>("testdrive.booked", TimeSpan.FromDays(3));
            }
            catch (TaskCanceledException)
            {
                first = "timeout";
            }

            var second = await ctx.WaitForExternalEvent<string>("testdrive.booked");
            return $"{first}|{second}";
        }));
        var id = await h.Client.StartAsync("retry-wait");
        await h.RunUntilIdleAsync();

        await h.AdvanceAsync(TimeSpan.FromDays(3));
        await h.Client.RaiseEventAsync(id, "testdrive.booked", "friday");
        await h.RunUntilIdleAsync();

        Assert.Equal("\"timeout|friday\"", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task WaitWithTimeout_EventFirst_TimerIsCancelledAndDeleted()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("wait-then-wait", async (ctx, _) =>
        {
            await ctx.WaitForExternalEvent<string>("a", TimeSpan.FromDays(30));
            return await ctx.WaitForExternalEvent<string>("b");
        }));
        var id = await h.Client.StartAsync("wait-then-wait");
        await h.RunUntilIdleAsync();
        Assert.Equal(RuntimeHarness.Start.AddDays(30), await h.Store.GetNextWakeUpAsync(h.Time.GetUtcNow()));

        await h.Client.RaiseEventAsync(id, "a");
        await h.RunUntilIdleAsync();

        Assert.Null(await h.Store.GetNextWakeUpAsync(h.Time.GetUtcNow()));
        var history = (await h.Client.GetStatusAsync(id, includeHistory: true))!.History!;
        Assert.Contains(history, e => e is TimerCancelled { TimerSequence: 0 });
    }

    [Fact]
    public async Task WhenAnyOfWaits_BufferedEvent_TheFirstWaitTakesItAndTheOtherStaysBuffered()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("any", async (ctx, _) =>
        {
            using var cts = new CancellationTokenSource();
            var rejected = ctx.WaitForExternalEvent<int>("quote.rejected", cts.Token);
            var accepted = rejected.IsCompleted ? null : ctx.WaitForExternalEvent<int>("quote.accepted", cts.Token);
            var winner = accepted is null ? rejected : await Task.WhenAny(rejected, accepted);
#pragma warning disable CA1849 // Synchronous cancel is the rule in orchestration code.
            cts.Cancel();
#pragma warning restore CA1849
            var name = winner == rejected ? "quote.rejected" : "quote.accepted";
            var second = await ctx.WaitForExternalEvent<int>("quote.accepted");
            return $"{name}:{await winner}|{second}";
        }));
        var id = await h.Client.StartAsync("any");
        await h.Client.RaiseEventAsync(id, "quote.rejected", 1);
        await h.Client.RaiseEventAsync(id, "quote.accepted", 2);
        await h.RunUntilIdleAsync();

        Assert.Equal("\"quote.rejected:1|2\"", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task CancelledWait_RemovesItself_EventGoesToTheNextWait()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("cancel-wait", async (ctx, _) =>
        {
            using var cts = new CancellationTokenSource();
            var abandoned = ctx.WaitForExternalEvent<string>("x", cts.Token);
            await ctx.WaitForExternalEvent<string>("start");
#pragma warning disable CA1849 // Synchronous cancel is the rule in orchestration code.
            cts.Cancel();
#pragma warning restore CA1849
            var received = await ctx.WaitForExternalEvent<string>("x");
            return $"{abandoned.IsCanceled}|{received}";
        }));
        var id = await h.Client.StartAsync("cancel-wait");
        await h.Client.RaiseEventAsync(id, "start");
        await h.RunUntilIdleAsync();
        await h.Client.RaiseEventAsync(id, "x", "kept");
        await h.RunUntilIdleAsync();

        Assert.Equal("\"True|kept\"", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task UnawaitedTimer_DoesNotKeepAFinishedJourneyAlive()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("forgetful", async (ctx, _) =>
        {
            _ = ctx.CreateTimer(TimeSpan.FromDays(365), CancellationToken.None);
            await ctx.WaitForExternalEvent<string>("contract.signed");
            return "done";
        }));
        var id = await h.Client.StartAsync("forgetful");
        await h.RunUntilIdleAsync();
        Assert.Equal(RuntimeHarness.Start.AddDays(365), await h.Store.GetNextWakeUpAsync(h.Time.GetUtcNow()));
        await h.Client.RaiseEventAsync(id, "contract.signed");
        await h.RunUntilIdleAsync();

        Assert.Equal(InstanceStatus.Completed, (await h.StatusAsync(id)).Status);
        Assert.Null(await h.Store.GetNextWakeUpAsync(h.Time.GetUtcNow()));
    }

    [Fact]
    public async Task ContinueAsNew_CarriesEventsNotYetConsumed()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("counter", async (ctx, _) =>
        {
            var count = ctx.GetInput<int>();
            await ctx.WaitForExternalEvent<string>("service.completed");
            if (count + 1 < 3)
            {
                ctx.ContinueAsNew(count + 1);
                return null;
            }

            return count + 1;
        }));
        var id = await h.Client.StartAsync("counter", 0);
        await h.Client.RaiseEventAsync(id, "service.completed", "2026");
        await h.Client.RaiseEventAsync(id, "service.completed", "2027");
        await h.Client.RaiseEventAsync(id, "service.completed", "2028");
        await h.RunUntilIdleAsync();

        var state = await h.Client.GetStatusAsync(id, includeHistory: true);
        Assert.Equal(InstanceStatus.Completed, state!.Instance.Status);
        Assert.Equal("3", state.Instance.Output);
        // The last execution's history only: bounded growth.
        Assert.Single(state.History!.OfType<JourneyStarted>());
        Assert.Equal("\"2028\"", state.History!.OfType<ExternalEventReceived>().Single().Payload);
    }

    [Fact]
    public async Task ContinueAsNew_WithoutPreserve_DropsBufferedEvents()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("forget", async (ctx, _) =>
        {
            var round = ctx.GetInput<int>();
            if (round == 0)
            {
                await ctx.WaitForExternalEvent<string>("go");
                ctx.ContinueAsNew(1, preserveUnprocessedEvents: false);
                return null;
            }

            try
            {
                return await ctx.WaitForExternalEvent<string>("extra", TimeSpan.FromHours(1));
            }
            catch (TaskCanceledException)
            {
                return "nothing";
            }
        }));
        var id = await h.Client.StartAsync("forget", 0);
        await h.Client.RaiseEventAsync(id, "go");
        await h.Client.RaiseEventAsync(id, "extra");
        await h.RunUntilIdleAsync();
        await h.AdvanceAsync(TimeSpan.FromHours(1));

        Assert.Equal("\"nothing\"", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task RaiseEvent_FinishedOrUnknownInstance_IsRejectedAndNotStored()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("quick", (_, _) => Task.FromResult<object?>(1)));
        var id = await h.Client.StartAsync("quick");
        await h.RunUntilIdleAsync();

        Assert.Equal(EnqueueResult.InstanceFinished, await h.Client.RaiseEventAsync(id, "late"));
        Assert.Equal(EnqueueResult.InstanceNotFound, await h.Client.RaiseEventAsync("no-such-instance", "late"));
        Assert.Equal(0, await h.RunUntilIdleAsync());
    }

    [Fact]
    public async Task RaiseEvent_RepeatedEventId_IsIgnored()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("count-events", async (ctx, _) =>
        {
            var count = 0;
            while (true)
            {
                try
                {
                    await ctx.WaitForExternalEvent<string?>("quote.sent", TimeSpan.FromMinutes(5));
                    count++;
                }
                catch (TaskCanceledException)
                {
                    return count;
                }
            }
        }));
        var id = await h.Client.StartAsync("count-events");
        Assert.Equal(EnqueueResult.Accepted, await h.Client.RaiseEventAsync(id, "quote.sent", null, "dms-42"));
        Assert.Equal(EnqueueResult.Duplicate, await h.Client.RaiseEventAsync(id, "quote.sent", null, "dms-42"));
        await h.RunUntilIdleAsync();
        Assert.Equal(EnqueueResult.Duplicate, await h.Client.RaiseEventAsync(id, "quote.sent", null, "dms-42"));
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));

        Assert.Equal("1", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task CallActivity_WithRetryPolicy_RetriesAfterTheBackoffAndSucceeds()
    {
        var flaky = new FlakyService(failures: 2);
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, object?>("retrying", async (ctx, _) =>
                await ctx.CallActivityAsync<string>("flaky", "x", TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromSeconds(10), 2.0)))),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("retrying");
        await h.RunUntilIdleAsync();
        Assert.Equal(1, flaky.Calls);

        await h.AdvanceAsync(TimeSpan.FromSeconds(9.999));
        Assert.Equal(1, flaky.Calls);
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, flaky.Calls);
        await h.AdvanceAsync(TimeSpan.FromSeconds(19.999));
        Assert.Equal(2, flaky.Calls);
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(1));
        Assert.Equal(3, flaky.Calls);

        var state = await h.Client.GetStatusAsync(id, includeHistory: true);
        Assert.Equal(InstanceStatus.Completed, state!.Instance.Status);
        Assert.Equal("\"ok:x\"", state.Instance.Output);
        Assert.Equal([1, 2, 3], state.History!.OfType<ActivityScheduled>().Select(a => a.Attempt));
        Assert.Equal(2, state.History!.OfType<ActivityFailed>().Count());
    }

    [Fact]
    public async Task CallActivity_RetriesExhausted_OrchestrationSeesTheFailure()
    {
        var flaky = new FlakyService(failures: 10);
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, object?>("give-up", async (ctx, _) =>
                await ctx.CallActivityAsync<string>("flaky", "x", TaskOptions.FromRetryPolicy(new RetryPolicy(2, TimeSpan.FromSeconds(1))))),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("give-up");
        await h.RunUntilIdleAsync();
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Failed, status.Status);
        Assert.Equal(typeof(TaskFailedException).FullName, status.Failure!.ErrorType);
        Assert.Contains("Task 'flaky' (#2) failed with an unhandled exception: SendGrid answered 503", status.Failure.Message, StringComparison.Ordinal);
        Assert.Equal(2, flaky.Calls);
    }

    [Fact]
    public async Task RetryPolicy_HandleReturnsFalse_DoesNotRetry()
    {
        var flaky = new FlakyService(failures: 10);
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, object?>("permanent", async (ctx, _) =>
                await ctx.CallActivityAsync<string>("flaky", "x", TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromSeconds(1)) { HandleFailure = f => f.ErrorType != typeof(InvalidOperationException).FullName }))),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("permanent");
        await h.RunUntilIdleAsync();

        Assert.Equal(InstanceStatus.Failed, (await h.StatusAsync(id)).Status);
        Assert.Equal(1, flaky.Calls);
    }

    [Fact]
    public async Task CodeChangedUnderARunningInstance_NonDeterminismFailsTheInstanceWithDetails()
    {
        var version = new CodeVersion { Value = 1 };
        await using var h = await HarnessAsync(
            b => b.AddActivity<EchoActivity>("email").AddOrchestrator<object?, object?>("changing", async (ctx, _) =>
            {
                if (version.Value == 1)
                {
                    await ctx.CallActivityAsync<string>("email", "welcome");
                }
                else
                {
                    await ctx.CreateTimer(TimeSpan.FromDays(1), CancellationToken.None);
                }

                return await ctx.WaitForExternalEvent<string>("go");
            }));
        var id = await h.Client.StartAsync("changing", null, new StartOptions { InstanceId = "drift-1" });
        await h.RunUntilIdleAsync();

        version.Value = 2;
        await h.Client.RaiseEventAsync(id, "go");
        await h.RunUntilIdleAsync();

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Failed, status.Status);
        Assert.Equal(typeof(NonDeterminismException).FullName, status.Failure!.ErrorType);
        Assert.Contains("'drift-1'", status.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("position 2", status.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("ActivityScheduled(sequence 0, 'email')", status.Failure.Message, StringComparison.Ordinal);
        Assert.Contains("TimerScheduled(sequence 0", status.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CodeDropsAStep_NonDeterminismIsDetected()
    {
        var version = new CodeVersion { Value = 1 };
        await using var h = await HarnessAsync(
            b => b.AddActivity<EchoActivity>("email").AddOrchestrator<object?, object?>("dropping", async (ctx, _) =>
            {
                if (version.Value == 1)
                {
                    await ctx.CallActivityAsync<string>("email", "welcome");
                }

                return await ctx.WaitForExternalEvent<string>("go");
            }));
        var id = await h.Client.StartAsync("dropping");
        await h.RunUntilIdleAsync();
        version.Value = 2;
        await h.Client.RaiseEventAsync(id, "go");
        await h.RunUntilIdleAsync();

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Failed, status.Status);
        Assert.Contains("no longer schedules it", status.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrchestrationThrows_InstanceFailedWithTheError()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("boom", async (ctx, _) =>
        {
            await ctx.WaitForExternalEvent<string>("go");
            throw new InvalidOperationException("no dealer configured");
        }));
        var id = await h.Client.StartAsync("boom");
        await h.Client.RaiseEventAsync(id, "go");
        await h.RunUntilIdleAsync();

        var state = await h.Client.GetStatusAsync(id, includeHistory: true);
        Assert.Equal(InstanceStatus.Failed, state!.Instance.Status);
        Assert.Equal("no dealer configured", state.Instance.Failure!.Message);
        Assert.IsType<JourneyFailed>(state.History![^1]);
        Assert.Contains(state.History!, e => e is ExternalEventReceived { Name: "go" });
    }

    [Fact]
    public async Task SuspendAndResume_EventsWaitUntilResumed()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("pausable", async (ctx, _) => await ctx.WaitForExternalEvent<string>("go")));
        var id = await h.Client.StartAsync("pausable");
        await h.RunUntilIdleAsync();

        await h.Client.SuspendAsync(id, "dealer asked");
        await h.RunUntilIdleAsync();
        await h.Client.RaiseEventAsync(id, "go", "later");
        await h.RunUntilIdleAsync();
        Assert.Equal(InstanceStatus.Suspended, (await h.StatusAsync(id)).Status);

        await h.Client.ResumeAsync(id);
        await h.RunUntilIdleAsync();
        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Completed, status.Status);
        Assert.Equal("\"later\"", status.Output);
    }

    [Fact]
    public async Task Suspended_DueTimerWaitsForResume()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("sleepy", async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromHours(1), CancellationToken.None);
            return "woke";
        }));
        var id = await h.Client.StartAsync("sleepy");
        await h.RunUntilIdleAsync();
        await h.Client.SuspendAsync(id);
        await h.RunUntilIdleAsync();

        await h.AdvanceAsync(TimeSpan.FromHours(2));
        Assert.Equal(InstanceStatus.Suspended, (await h.StatusAsync(id)).Status);

        await h.Client.ResumeAsync(id);
        await h.RunUntilIdleAsync();
        Assert.Equal(InstanceStatus.Completed, (await h.StatusAsync(id)).Status);
    }

    [Fact]
    public async Task Terminate_StopsTheInstance_DeletesTimers_RejectsLaterEvents()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("long", async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromDays(365 * 5), CancellationToken.None);
            return "never";
        }));
        var id = await h.Client.StartAsync("long");
        await h.RunUntilIdleAsync();

        Assert.Equal(EnqueueResult.Accepted, await h.Client.TerminateAsync(id, "customer sold the car"));
        await h.RunUntilIdleAsync();

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Terminated, status.Status);
        Assert.Null(await h.Store.GetNextWakeUpAsync(h.Time.GetUtcNow()));
        Assert.Equal(EnqueueResult.InstanceFinished, await h.Client.RaiseEventAsync(id, "x"));
        Assert.Equal(EnqueueResult.InstanceFinished, await h.Client.TerminateAsync(id));
    }

    [Fact]
    public async Task Terminate_BeforeTheFirstEpisode_NeverRunsTheCode()
    {
        var runs = new CodeVersion();
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("never-run", (ctx, _) =>
        {
            runs.Value++;
            return Task.FromResult<object?>(null);
        }));
        var id = await h.Client.StartAsync("never-run");
        await h.Client.TerminateAsync(id);
        await h.RunUntilIdleAsync();

        Assert.Equal(InstanceStatus.Terminated, (await h.StatusAsync(id)).Status);
        Assert.Equal(0, runs.Value);
    }

    [Fact]
    public async Task Purge_FinishedOnly_RemovesEverything()
    {
        await using var h = await HarnessAsync(b => b
            .AddOrchestrator<object?, object?>("quick", (_, _) => Task.FromResult<object?>(1))
            .AddOrchestrator<object?, object?>("waiter", async (ctx, _) => await ctx.WaitForExternalEvent<string>("go")));
        var done = await h.Client.StartAsync("quick");
        var running = await h.Client.StartAsync("waiter");
        await h.RunUntilIdleAsync();

        Assert.Equal(PurgeResult.NotFinished, await h.Client.PurgeAsync(running));
        Assert.Equal(PurgeResult.Purged, await h.Client.PurgeAsync(done));
        Assert.Null(await h.Client.GetStatusAsync(done));
        Assert.Equal(PurgeResult.NotFound, await h.Client.PurgeAsync(done));
        Assert.NotNull(await h.Client.GetStatusAsync(running));
    }

    [Fact]
    public async Task PurgeFinished_OlderThanACutOff_InBatches()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("quick", (_, _) => Task.FromResult<object?>(1)));
        for (var i = 0; i < 30; i++)
        {
            await h.Client.StartAsync("quick");
        }

        await h.RunUntilIdleAsync();
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        var young = await h.Client.StartAsync("quick");
        await h.RunUntilIdleAsync();

        Assert.Equal(30, await h.Client.PurgeFinishedAsync(h.Time.GetUtcNow().AddHours(-1)));
        var left = await h.Client.QueryAsync(new InstanceQuery());
        Assert.Equal(young, Assert.Single(left.Instances).InstanceId);
    }

    [Fact]
    public async Task Query_FiltersByStatusNameAndTag_AndPages()
    {
        await using var h = await HarnessAsync(b => b
            .AddOrchestrator<object?, object?>("quick", (_, _) => Task.FromResult<object?>(1))
            .AddOrchestrator<object?, object?>("waiter", async (ctx, _) => await ctx.WaitForExternalEvent<string>("go")));
        for (var i = 0; i < 7; i++)
        {
            await h.Client.StartAsync("waiter", null, new StartOptions { Tags = new Dictionary<string, string> { ["dealer"] = i % 2 == 0 ? "d1" : "d2" } });
        }

        await h.Client.StartAsync("quick");
        await h.RunUntilIdleAsync();

        var running = await h.Client.QueryAsync(new InstanceQuery { Statuses = [InstanceStatus.Running] });
        Assert.Equal(7, running.Instances.Count);
        var d1 = await h.Client.QueryAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["dealer"] = "d1" } });
        Assert.Equal(4, d1.Instances.Count);
        var quick = await h.Client.QueryAsync(new InstanceQuery { Name = "quick" });
        Assert.Equal(InstanceStatus.Completed, Assert.Single(quick.Instances).Status);

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await h.Client.QueryAsync(new InstanceQuery { PageSize = 3, ContinuationToken = token });
            seen.AddRange(page.Instances.Select(i => i.InstanceId));
            token = page.ContinuationToken;
        }
        while (token is not null);
        Assert.Equal(8, seen.Distinct().Count());
        Assert.Equal(8, seen.Count);
    }

    [Fact]
    public async Task CustomStatusAndNewGuid_AreStableAcrossReplays()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("guids", async (ctx, _) =>
        {
            var first = ctx.NewGuid();
            ctx.SetCustomStatus(new { phase = "orientation", first });
            await ctx.WaitForExternalEvent<string>("go");
            var again = ctx.NewGuid();
            return $"{first}|{again}";
        }));
        var id = await h.Client.StartAsync("guids");
        await h.RunUntilIdleAsync();
        var custom = (await h.StatusAsync(id)).CustomStatus!;
        Assert.Contains("\"phase\":\"orientation\"", custom, StringComparison.Ordinal);

        await h.Client.RaiseEventAsync(id, "go");
        await h.RunUntilIdleAsync();

        var status = await h.StatusAsync(id);
        var parts = System.Text.Json.JsonSerializer.Deserialize<string>(status.Output!)!.Split('|');
        Assert.Contains(parts[0], custom, StringComparison.Ordinal);
        Assert.NotEqual(parts[0], parts[1]);
        Assert.Equal(5, Guid.Parse(parts[0]).Version);
        Assert.Equal(custom, status.CustomStatus);
    }

    [Fact]
    public async Task ReplaySafeLogger_LogsEachMessageOnce()
    {
        var recorder = new RecordingLogger();
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("chatty", async (ctx, _) =>
        {
            var logger = ctx.CreateReplaySafeLogger("chatty");
            recorder.Replays.Add(ctx.IsReplaying);
            logger.LogInformation("step one in {Instance}", ctx.InstanceId);
            await ctx.WaitForExternalEvent<string>("go");
            logger.LogInformation("step two");
            return null;
        }));
        var id = await h.Client.StartAsync("chatty");
        await h.RunUntilIdleAsync();
        await h.Client.RaiseEventAsync(id, "go");
        await h.RunUntilIdleAsync();

        Assert.Equal(["step one in " + id, "step two"], h.Logs.Messages.Where(m => m.StartsWith("step ", StringComparison.Ordinal)));
        Assert.Equal([false, true], recorder.Replays);
    }

    [Fact]
    public async Task Timer_FiresAtItsDueTimeNotBefore_EvenYearsAhead()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("yearly", async (ctx, _) =>
        {
            await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddYears(2), CancellationToken.None);
            return ctx.CurrentUtcDateTime;
        }));
        var id = await h.Client.StartAsync("yearly");
        await h.RunUntilIdleAsync();
        var due = RuntimeHarness.Start.AddYears(2);

        await h.AdvanceAsync(due - h.Time.GetUtcNow() - TimeSpan.FromMilliseconds(1));
        Assert.Equal(InstanceStatus.Running, (await h.StatusAsync(id)).Status);
        await h.AdvanceAsync(TimeSpan.FromMilliseconds(1));

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Completed, status.Status);
        Assert.Equal(due, System.Text.Json.JsonSerializer.Deserialize<DateTimeOffset>(status.Output!));
    }

    [Fact]
    public async Task Timer_InThePast_FiresInTheNextEpisode()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("past", async (ctx, _) =>
        {
            await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddDays(-1), CancellationToken.None);
            return "fired";
        }));
        var id = await h.Client.StartAsync("past");
        await h.RunUntilIdleAsync();
        Assert.Equal("\"fired\"", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task StartAt_InstanceStaysPendingUntilThen()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("quick", (_, _) => Task.FromResult<object?>(1)));
        var id = await h.Client.StartAsync("quick", null, new StartOptions { StartAt = RuntimeHarness.Start.AddDays(2) });
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Equal(InstanceStatus.Pending, (await h.StatusAsync(id)).Status);
        await h.AdvanceAsync(TimeSpan.FromDays(1));
        Assert.Equal(InstanceStatus.Completed, (await h.StatusAsync(id)).Status);
    }

    [Fact]
    public async Task Activity_ResolvedFromDi_GetsItsNameAndInstanceInTheContext()
    {
        var flaky = new FlakyService(failures: 0);
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, object?>("one-call", async (ctx, _) => await ctx.CallActivityAsync<string>("flaky", "a")),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("one-call", null, new StartOptions { InstanceId = "key-test" });
        await h.RunUntilIdleAsync();

        Assert.Equal("flaky@key-test", Assert.Single(flaky.Keys));
    }

    [Fact]
    public async Task UnknownActivity_FailsTheCallVisibly()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("bad-call", async (ctx, _) => await ctx.CallActivityAsync<string>("missing")));
        var id = await h.Client.StartAsync("bad-call");
        await h.RunUntilIdleAsync();

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Failed, status.Status);
        Assert.Contains("Task 'missing' (#0) failed with an unhandled exception: No activity named 'missing' is registered", status.Failure!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ManyInstances_ProcessedInParallel_EachSerialised()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("tally", async (ctx, _) =>
        {
            var total = 0;
            for (var i = 0; i < 5; i++)
            {
                total += await ctx.WaitForExternalEvent<int>("add");
            }

            return total;
        }));
        var ids = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            ids.Add(await h.Client.StartAsync("tally"));
        }

        await Task.WhenAll(ids.SelectMany(id => Enumerable.Range(1, 5).Select(n => h.Client.RaiseEventAsync(id, "add", n))));
        await h.RunUntilIdleAsync();

        foreach (var id in ids)
        {
            Assert.Equal("15", (await h.StatusAsync(id)).Output);
        }
    }

    [Fact]
    public async Task WaitForCompletion_ReturnsWhenTheInstanceFinishes()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("waiter", async (ctx, _) => await ctx.WaitForExternalEvent<string>("go")));
        var id = await h.Client.StartAsync("waiter");
        await h.RunUntilIdleAsync();

        var waiting = h.Client.WaitForCompletionAsync(id, TimeSpan.FromMilliseconds(50));
        Assert.False(waiting.IsCompleted);
        await h.Client.RaiseEventAsync(id, "go", "done");
        await h.RunUntilIdleAsync();

        var finished = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(InstanceStatus.Completed, finished.Status);
    }

    [Fact]
    public async Task CurrentUtcDateTime_IsTheEpisodeTime_SameOnReplay()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, object?>("clock", async (ctx, _) =>
        {
            var started = ctx.CurrentUtcDateTime;
            await ctx.WaitForExternalEvent<string>("go");
            return $"{started:O}|{ctx.CurrentUtcDateTime:O}";
        }));
        var id = await h.Client.StartAsync("clock");
        await h.RunUntilIdleAsync();
        await h.AdvanceAsync(TimeSpan.FromMinutes(90));
        await h.Client.RaiseEventAsync(id, "go");
        await h.RunUntilIdleAsync();

        var expected = $"\"{RuntimeHarness.Start.UtcDateTime:O}|{RuntimeHarness.Start.AddMinutes(90).UtcDateTime:O}\"";
        Assert.Equal(expected, (await h.StatusAsync(id)).Output);
    }
}

public sealed class InMemoryRuntimeSemanticsTests : RuntimeSemanticsTests
{
    protected override IJourneyStore CreateStore() => new InMemoryJourneyStore();
}

public sealed class CodeVersion
{
    public int Value { get; set; }
}

public sealed class FlakyService(int failures)
{
    private int _calls;
    public int Calls => _calls;
    public List<string> Keys { get; } = [];

    public string Call(string input, string key)
    {
        lock (Keys)
        {
            Keys.Add(key);
        }

        return Interlocked.Increment(ref _calls) <= failures ? throw new InvalidOperationException("SendGrid answered 503") : $"ok:{input}";
    }
}

public sealed class FlakyActivity(FlakyService service) : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input) =>
        Task.FromResult(service.Call(input, $"{context.Name.Name}@{context.InstanceId}"));
}

public sealed class EchoActivity : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input) => Task.FromResult(input);
}

/// <summary>What the orchestration saw of replay, episode by episode.</summary>
public sealed class RecordingLogger
{
    public List<bool> Replays { get; } = [];
}
