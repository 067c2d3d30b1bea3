using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Core.Tests;

/// <summary>The Durable Task SDK's documented semantics on the embedded engine (run for every store, like the rest).</summary>
public abstract partial class RuntimeSemanticsTests
{
    /// <summary>
    /// The race the journey interpreter runs at every wait: the first of two events or a timer, the losers cancelled with one
    /// source. Both events arrive in one episode: the continuation after the first must run (and cancel the other wait)
    /// before the second is delivered, so the second stays buffered for the next wait instead of being swallowed.
    /// </summary>
    [Fact]
    public async Task WhenAnyOfTwoWaitsAndATimer_BothEventsInOneEpisode_TheSecondIsKeptForTheNextWait()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, string>("race", async (ctx, _) =>
        {
            using var cts = new CancellationTokenSource();
            var a = ctx.WaitForExternalEvent<string>("a", cts.Token);
            var b = ctx.WaitForExternalEvent<string>("b", cts.Token);
            var timer = ctx.CreateTimer(TimeSpan.FromDays(1), cts.Token);
            var winner = await Task.WhenAny(a, b, timer);
#pragma warning disable CA1849 // Synchronous cancel is the rule in orchestration code.
            cts.Cancel();
#pragma warning restore CA1849
            var first = winner == a ? "a:" + await a : winner == b ? "b:" + await b : "timer";
            var second = await ctx.WaitForExternalEvent<string>("b", TimeSpan.FromHours(1));
            return $"{first}|{second}|{b.IsCanceled}";
        }));
        var id = await h.Client.StartAsync("race");
        await h.RunUntilIdleAsync();

        await h.Client.RaiseEventAsync(id, "a", "one");
        await h.Client.RaiseEventAsync(id, "b", "two");
        await h.RunUntilIdleAsync();

        var state = await h.Client.GetStatusAsync(id, includeHistory: true);
        Assert.Equal("\"a:one|two|True\"", state!.Instance.Output);
        Assert.Contains(state.History!, e => e is TimerCancelled { TimerSequence: 0 });
        Assert.Null(await h.Store.GetNextWakeUpAsync(h.Time.GetUtcNow()));
    }

    [Fact]
    public async Task FanOutFanIn_WhenAllOverActivities_ScheduledInOneEpisode_ResultsInCallOrder()
    {
        var flaky = new FlakyService(failures: 0);
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, string>("fan", async (ctx, _) =>
            {
                var calls = Enumerable.Range(1, 5).Select(i => ctx.CallActivityAsync<string>("flaky", $"n{i}")).ToList();
                var results = await Task.WhenAll(calls);
                return string.Join(",", results);
            }),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("fan");
        await h.Dispatcher.ProcessBatchAsync();
        var afterFirstEpisode = (await h.Client.GetStatusAsync(id, includeHistory: true))!.History!;
        await h.RunUntilIdleAsync();

        Assert.Equal([0, 1, 2, 3, 4], afterFirstEpisode.OfType<ActivityScheduled>().Select(a => a.Sequence));
        Assert.Equal("\"ok:n1,ok:n2,ok:n3,ok:n4,ok:n5\"", (await h.StatusAsync(id)).Output);
        Assert.Equal(5, flaky.Calls);
    }

    [Fact]
    public async Task ActivityFailure_SurfacesAsTaskFailedException_WithTheFailureDetails()
    {
        var flaky = new FlakyService(failures: 1);
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, string>("catching", async (ctx, _) =>
            {
                try
                {
                    return await ctx.CallActivityAsync<string>("flaky", "x");
                }
                catch (TaskFailedException e)
                {
                    return $"{e.TaskName}|{e.TaskId}|{e.FailureDetails.ErrorType}|{e.FailureDetails.ErrorMessage}|{e.FailureDetails.IsCausedBy<InvalidOperationException>()}";
                }
            }),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("catching");
        await h.RunUntilIdleAsync();

        Assert.Equal("\"flaky|0|System.InvalidOperationException|SendGrid answered 503|True\"", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task RetryHandler_DecidesEachRetry_AndItsOwnTimersAreDurable()
    {
        var flaky = new FlakyService(failures: 2);
        var attempts = new List<int>();
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, string>("handled", async (ctx, _) =>
                await ctx.CallActivityAsync<string>("flaky", "x", TaskOptions.FromRetryHandler(async retry =>
                {
                    attempts.Add(retry.LastAttemptNumber);
                    await retry.OrchestrationContext.CreateTimer(TimeSpan.FromMinutes(retry.LastAttemptNumber), CancellationToken.None);
                    return retry.LastFailure.IsCausedBy<InvalidOperationException>();
                }))),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("handled");
        await h.RunUntilIdleAsync();
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, flaky.Calls);
        await h.AdvanceAsync(TimeSpan.FromMinutes(2));

        Assert.Equal("\"ok:x\"", (await h.StatusAsync(id)).Output);
        Assert.Equal(3, flaky.Calls);
        Assert.Equal([1, 2], attempts.Distinct());
    }

    [Fact]
    public async Task RetryPolicy_MaxRetryInterval_CapsTheBackoff()
    {
        var flaky = new FlakyService(failures: 3);
        await using var h = await HarnessAsync(
            b => b.AddActivity<FlakyActivity>("flaky").AddOrchestrator<object?, string>("capped", async (ctx, _) =>
                await ctx.CallActivityAsync<string>("flaky", "x", TaskOptions.FromRetryPolicy(new RetryPolicy(4, TimeSpan.FromSeconds(10), 3.0, TimeSpan.FromSeconds(15))))),
            s => s.AddSingleton(flaky));
        var id = await h.Client.StartAsync("capped");
        await h.RunUntilIdleAsync();

        var timers = new List<TimeSpan>();
        for (var i = 0; i < 3; i++)
        {
            var next = (await h.Store.GetNextWakeUpAsync(h.Time.GetUtcNow()))!.Value;
            timers.Add(next - h.Time.GetUtcNow());
            await h.AdvanceAsync(next - h.Time.GetUtcNow());
        }

        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15)], timers);
        Assert.Equal("\"ok:x\"", (await h.StatusAsync(id)).Output);
    }

    [Theory]
    [InlineData("sub", "Sub-orchestrations (here 'child') are not supported by the embedded engine")]
    [InlineData("send", "SendEvent to another orchestration instance is not supported by the embedded engine")]
    [InlineData("entities", "Durable entities are not supported by the embedded engine")]
    public async Task UnsupportedMembers_FailTheInstanceSayingSo(string what, string message)
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<string, string>("unsupported", async (ctx, input) =>
        {
            switch (input)
            {
                case "sub":
                    return await ctx.CallSubOrchestratorAsync<string>("child");
                case "send":
                    ctx.SendEvent("other", "go", "x");
                    return "sent";
                default:
                    _ = ctx.Entities;
                    return "entities";
            }
        }));
        var id = await h.Client.StartAsync("unsupported", what);
        await h.RunUntilIdleAsync();

        var status = await h.StatusAsync(id);
        Assert.Equal(InstanceStatus.Failed, status.Status);
        Assert.Equal(typeof(NotSupportedException).FullName, status.Failure!.ErrorType);
        Assert.StartsWith(message, status.Failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContextMembers_NameVersionParentAndInstance_AreTheStartedOnes()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, string>("who", (ctx, _) =>
            Task.FromResult($"{ctx.Name.Name}|{ctx.Version}|{ctx.Parent is null}|{ctx.InstanceId}|{ctx.IsReplaying}")));
        var id = await h.Client.StartAsync("who", null, new Client.StartOptions { InstanceId = "who-1", Version = "2" });
        await h.RunUntilIdleAsync();

        Assert.Equal("\"who|2|True|who-1|False\"", (await h.StatusAsync(id)).Output);
    }

    [Fact]
    public async Task ClassOrchestrator_NewInstancePerEpisode_ActivityInANewScopePerCall()
    {
        var counter = new Counter();
        await using var h = await HarnessAsync(
            b => b.AddOrchestrator<CountingOrchestrator>("counting").AddActivity<ScopedActivity>("scoped"),
            s => s.AddSingleton(counter).AddScoped<ScopeMarker>());
        var id = await h.Client.StartAsync("counting");
        await h.RunUntilIdleAsync();

        var output = System.Text.Json.JsonSerializer.Deserialize<string>((await h.StatusAsync(id)).Output!)!.Split('|');
        Assert.NotEqual(output[0], output[1]); // two scopes, two markers
        Assert.Equal(3, counter.Orchestrators); // episodes: start, first result, second result
    }

    [Fact]
    public async Task WaitForExternalEvent_NamesAreCaseInsensitive_FifoPerName()
    {
        await using var h = await HarnessAsync(b => b.AddOrchestrator<object?, string>("fifo", async (ctx, _) =>
        {
            var first = await ctx.WaitForExternalEvent<int>("Quote.Sent");
            var second = await ctx.WaitForExternalEvent<int>("QUOTE.SENT");
            return $"{first},{second}";
        }));
        var id = await h.Client.StartAsync("fifo");
        await h.Client.RaiseEventAsync(id, "quote.sent", 1);
        await h.Client.RaiseEventAsync(id, "quote.sent", 2);
        await h.RunUntilIdleAsync();

        Assert.Equal("\"1,2\"", (await h.StatusAsync(id)).Output);
    }
}

public sealed class Counter
{
    public int Orchestrators { get; set; }
}

public sealed class ScopeMarker
{
    public Guid Id { get; } = Guid.NewGuid();
}

public sealed class CountingOrchestrator : TaskOrchestrator<object?, string>
{
    public CountingOrchestrator(Counter counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        counter.Orchestrators++;
    }

    public override async Task<string> RunAsync(TaskOrchestrationContext context, object? input)
    {
        var first = await context.CallActivityAsync<string>("scoped");
        var second = await context.CallActivityAsync<string>("scoped");
        return $"{first}|{second}";
    }
}

public sealed class ScopedActivity(ScopeMarker marker) : TaskActivity<object?, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, object? input) => Task.FromResult(marker.Id.ToString());
}
