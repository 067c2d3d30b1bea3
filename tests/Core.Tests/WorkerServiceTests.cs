using JourneyOrchestrator.Core.Authoring;
using Microsoft.DurableTask;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Core.Tests;

/// <summary>
/// The hosted worker loops as a host runs them: woken by in-process signals and by the next due timer,
/// and stopped gracefully. The clock is fake; the loops run on their own threads, so the tests wait for
/// outcomes with a bounded real-time wait, never for a fixed time.
/// </summary>
public sealed class WorkerServiceTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("jo-worker-").FullName;

    private (ServiceProvider Provider, JourneyWorkerService Worker, JourneyClient Client) Build(
        FakeTimeProvider time, Action<JourneyOrchestratorBuilder> configure, Func<IJourneyStore, IJourneyStore>? wrap = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton<ActivityGate>();
        var path = Path.Combine(_dir, "journeys.db");
        var builder = services.AddJourneyOrchestrator(o => o.MaxPollInterval = TimeSpan.FromMinutes(1))
            .UseStore(_ => (wrap ?? (s => s))(new SqliteJourneyStore(new SqliteStoreOptions { Path = path })));
        configure(builder);
        var provider = services.BuildServiceProvider();
        return (provider, provider.GetRequiredService<JourneyWorkerService>(), provider.GetRequiredService<JourneyClient>());
    }

    [Fact]
    public async Task Worker_StartedJourney_RunsWithoutBeingDriven()
    {
        var time = new FakeTimeProvider(Start);
        var (provider, worker, client) = Build(time, b => b.AddOrchestrator<object?, object?>("hello", (ctx, _) => Task.FromResult<object?>("hi")));
        await using var _ = provider;
        await worker.StartAsync(CancellationToken.None);

        var id = await client.StartAsync("hello");
        var done = await client.WaitForCompletionAsync(id, TimeSpan.FromMilliseconds(100)).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("\"hi\"", done.Output);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Worker_DurableTimer_WakesTheIdleLoopAtTheDueTime()
    {
        var time = new FakeTimeProvider(Start);
        var (provider, worker, client) = Build(time, b => b.AddOrchestrator<object?, object?>("reminder", async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromDays(3), CancellationToken.None);
            return ctx.CurrentUtcDateTime;
        }));
        await using var _ = provider;
        await worker.StartAsync(CancellationToken.None);
        var id = await client.StartAsync("reminder");
        await WaitUntilAsync(async () => (await client.GetStatusAsync(id))!.Instance.Status == InstanceStatus.Running);

        // Move the fake clock in steps up to the due time; the loop sleeps on the fake clock until the timer's due time.
        var status = await AdvanceUntilAsync(time, TimeSpan.FromMinutes(30), Start.AddDays(3), async () => (await client.GetStatusAsync(id))!.Instance);

        Assert.Equal(InstanceStatus.Completed, status.Status);
        var firedAt = System.Text.Json.JsonSerializer.Deserialize<DateTime>(status.Output!);
        Assert.True(firedAt >= Start.AddDays(3).UtcDateTime, $"fired at {firedAt:O}, before it was due");
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Worker_TimerFallsDueBetweenThePollAndTheWakeUpQuery_IsNotLeftForAPollInterval()
    {
        var time = new FakeTimeProvider(Start);
        ClockJumpingStore? store = null;
        var (provider, worker, client) = Build(
            time,
            b => b.AddOrchestrator<object?, object?>("hourly", async (ctx, _) =>
            {
                await ctx.CreateTimer(TimeSpan.FromHours(1), CancellationToken.None);
                return "fired";
            }),
            inner => store = new ClockJumpingStore(inner, time));
        await using var _ = provider;
        await worker.StartAsync(CancellationToken.None);
        var id = await client.StartAsync("hourly");
        await WaitUntilAsync(async () => (await client.GetStatusAsync(id))!.Instance.Status == InstanceStatus.Running);

        // The idle loop sleeps its poll interval (1 min, shorter than the timer). Wake it: its poll at T+1 min finds
        // nothing due; then, before it asks when to wake up, the clock passes the timer's due time (T+1 h).
        store!.JumpAfterNextEmptyPoll(TimeSpan.FromMinutes(59) + TimeSpan.FromMilliseconds(100));
        time.Advance(TimeSpan.FromMinutes(1));

        // The clock never moves again: only a loop that sees the timer it has just passed can finish the journey.
        var done = await client.WaitForCompletionAsync(id, TimeSpan.FromMilliseconds(50)).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("\"fired\"", done.Output);
        await worker.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Stop_WhileAnActivityRuns_ReleasesItAndANewWorkerRunsItToTheEnd()
    {
        var time = new FakeTimeProvider(Start);
        var (provider, worker, client) = Build(time, b => b.AddActivity<BlockingActivity>("slow")
            .AddOrchestrator<object?, object?>("calls-slow", async (ctx, _) => await ctx.CallActivityAsync<string>("slow", "x")));
        string id;
        await using (provider)
        {
            var gate = provider.GetRequiredService<ActivityGate>();
            gate.Block = true;
            await worker.StartAsync(CancellationToken.None);
            id = await client.StartAsync("calls-slow");
            await gate.Entered.Task.WaitAsync(TimeSpan.FromSeconds(20));

            await worker.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            Assert.False(gate.Release.Task.IsCompleted);
            Assert.Equal(InstanceStatus.Running, (await client.GetStatusAsync(id))!.Instance.Status);
        }

        var (provider2, worker2, client2) = Build(time, b => b.AddActivity<BlockingActivity>("slow")
            .AddOrchestrator<object?, object?>("calls-slow", async (ctx, _) => await ctx.CallActivityAsync<string>("slow", "x")));
        await using var __ = provider2;
        await worker2.StartAsync(CancellationToken.None);
        var done = await client2.WaitForCompletionAsync(id, TimeSpan.FromMilliseconds(100)).WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("\"done:x\"", done.Output);
        Assert.Equal(1, provider2.GetRequiredService<ActivityGate>().Calls); // once here, after once before the stop
        await worker2.StopAsync(CancellationToken.None);
    }

    /// <summary>
    /// Moves the fake clock forward in steps (never past <paramref name="limit"/> plus one step per round) until the instance
    /// finishes. The loop may register its sleep on the fake clock just after an advance, so the clock keeps moving in small
    /// steps instead of jumping once; the whole wait is bounded in real time.
    /// </summary>
    private static async Task<InstanceRecord> AdvanceUntilAsync(FakeTimeProvider time, TimeSpan step, DateTimeOffset limit, Func<Task<InstanceRecord>> read)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var instance = await read();
            if (instance.Status.IsFinished())
            {
                return instance;
            }

            time.Advance(time.GetUtcNow() < limit ? step : TimeSpan.FromSeconds(1));
            await Task.Delay(2);
        }

        throw new TimeoutException("The instance did not finish.");
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!await condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}

/// <summary>Moves the fake clock forward right after a poll that found nothing, once, when asked to.</summary>
public sealed class ClockJumpingStore(IJourneyStore inner, FakeTimeProvider time) : DelegatingJourneyStore(inner)
{
    private long _jumpTicks = -1;

    public void JumpAfterNextEmptyPoll(TimeSpan by) => Interlocked.Exchange(ref _jumpTicks, by.Ticks);

    public override async Task<IReadOnlyList<OrchestrationWorkItem>> LockNextOrchestrationsAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        var items = await base.LockNextOrchestrationsAsync(maxCount, now, lockDuration, cancellationToken);
        if (items.Count == 0 && Interlocked.Exchange(ref _jumpTicks, -1) is var ticks and >= 0)
        {
            time.Advance(TimeSpan.FromTicks(ticks));
        }

        return items;
    }
}

public sealed class ActivityGate
{
    public bool Block { get; set; }
    /// <summary>Lets a blocked run finish (after its worker was stopped, so its result is dropped).</summary>
    public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public int Calls { get; set; }
    public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Blocks until released while <see cref="ActivityGate.Block"/> (the SDK's activities take no cancellation token).</summary>
public sealed class BlockingActivity(ActivityGate gate) : TaskActivity<string, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, string input)
    {
        gate.Calls++;
        gate.Entered.TrySetResult();
        if (gate.Block)
        {
            await gate.Release.Task;
            return "released:" + input;
        }

        return $"done:{input}";
    }
}
