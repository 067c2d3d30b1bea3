using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Simulation;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Core.Tests.Simulation;

/// <summary>The embedded executor in virtual time: timers exact, activities at the virtual time, events at theirs, ContinueAsNew, limits.</summary>
public sealed class VirtualTimeRunnerTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class Recorder : IVirtualRunObserver
    {
        public List<string> Lines { get; } = [];

        public void ExecutionStarted(DateTimeOffset at, int execution, string? input) => Lines.Add($"{at:O} execution {execution} {input}");

        public void EventDelivered(DateTimeOffset at, ScheduledEvent delivered) => Lines.Add($"{at:O} event {delivered.Name}");

        public void EventAfterEnd(DateTimeOffset at, ScheduledEvent dropped) => Lines.Add($"{at:O} after end {dropped.Name}");

        public void TimerFired(DateTimeOffset at, DateTimeOffset fireAt) => Lines.Add($"{at:O} timer {fireAt:O}");

        public void ActivityRan(DateTimeOffset at, string name, int attempt, string? input, string? output, FailureDetails? failure) =>
            Lines.Add($"{at:O} activity {name} {output ?? failure?.Message}");
    }

    private static (VirtualTimeRunner Runner, VirtualClock Clock) Runner(Action<JourneyOrchestratorBuilder> register, VirtualClock? clock = null)
    {
        var services = new ServiceCollection();
        clock ??= new VirtualClock(Start);
        services.AddSingleton<TimeProvider>(clock);
        var builder = services.AddJourneyTasks();
        register(builder);
        return (new VirtualTimeRunner(builder.Registry, services.BuildServiceProvider(), clock), clock);
    }

    [Fact]
    public async Task Years_of_timers_events_and_a_continue_as_new_run_in_order_at_their_times()
    {
        var clock = new VirtualClock(Start);
        var (runner, _) = Runner(b =>
        {
            b.AddActivity<string, string>("stamp", (_, s) => Task.FromResult($"{s}@{clock.GetUtcNow():yyyy-MM-dd}"));
            b.AddOrchestrator<int, string>("o", async (ctx, round) =>
            {
                await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddYears(2), CancellationToken.None);
                var stamped = await ctx.CallActivityAsync<string>("stamp", $"round{round}");
                var go = await ctx.WaitForExternalEvent<string>("go");
                if (round == 0)
                {
                    ctx.ContinueAsNew(1, preserveUnprocessedEvents: true);
                    return "continued";
                }

                return $"{stamped} {go}";
            });
        }, clock);
        var recorder = new Recorder();
        var events = new[]
        {
            new ScheduledEvent(Start.AddYears(3), "go", "e1", "first"),
            new ScheduledEvent(Start.AddYears(3), "go", "e2", "second"), // buffered across the continue-as-new
            new ScheduledEvent(Start.AddYears(20), "go", "e3", "late"),
        };

        var result = await runner.RunAsync("o", "i1", 0, Start, events, Start.AddYears(30), "seed", observer: recorder);

        Assert.Equal(VirtualRunOutcome.Completed, result.Outcome);
        Assert.Equal("\"round1@2035-01-01 second\"", result.Output);
        Assert.Equal(2, result.Executions);
        Assert.Equal(
        [
            "2030-01-01T00:00:00.0000000+00:00 execution 0 0",
            "2032-01-01T00:00:00.0000000+00:00 timer 2032-01-01T00:00:00.0000000+00:00",
            "2032-01-01T00:00:00.0000000+00:00 activity stamp \"round0@2032-01-01\"",
            "2033-01-01T00:00:00.0000000+00:00 event go",
            "2033-01-01T00:00:00.0000000+00:00 execution 1 1",
            "2033-01-01T00:00:00.0000000+00:00 event go",
            "2035-01-01T00:00:00.0000000+00:00 timer 2035-01-01T00:00:00.0000000+00:00",
            "2035-01-01T00:00:00.0000000+00:00 activity stamp \"round1@2035-01-01\"",
            "2050-01-01T00:00:00.0000000+00:00 after end go",
        ], recorder.Lines);
    }

    [Fact]
    public async Task The_horizon_stops_a_waiting_instance_and_the_episode_limit_a_restless_one()
    {
        var (runner, _) = Runner(b =>
        {
            b.AddOrchestrator<int, int>("wait", async (ctx, _) => await ctx.WaitForExternalEvent<int>("never"));
            b.AddOrchestrator<int, int>("tick", async (ctx, _) =>
            {
#pragma warning disable DURABLE0011 // the unbounded loop is the point: the runner bounds it
                while (true)
#pragma warning restore DURABLE0011
                {
                    await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMinutes(1), CancellationToken.None);
                }
            });
        });

        var waiting = await runner.RunAsync("wait", "w", 0, Start, [], Start.AddYears(1), "s");
        Assert.Equal(VirtualRunOutcome.Horizon, waiting.Outcome);

        var ticking = await runner.RunAsync("tick", "t", 0, Start, [], Start.AddYears(1), "s", new VirtualRunLimits { MaxEpisodes = 50 });
        Assert.Equal(VirtualRunOutcome.EpisodeLimit, ticking.Outcome);
        Assert.Equal(Start.AddMinutes(50), ticking.EndedAt); // the 51st episode (the 50th timer) is the one refused
    }

    [Fact]
    public async Task The_seed_decides_the_orchestrations_guids()
    {
        var (runner, _) = Runner(b => b.AddOrchestrator<int, string>("g", (ctx, _) => Task.FromResult(ctx.NewGuid().ToString())));
        var a = await runner.RunAsync("g", "i", 0, Start, [], Start.AddDays(1), "one");
        var again = await runner.RunAsync("g", "i", 0, Start, [], Start.AddDays(1), "one");
        var b = await runner.RunAsync("g", "i", 0, Start, [], Start.AddDays(1), "two");
        Assert.Equal(a.Output, again.Output);
        Assert.NotEqual(a.Output, b.Output);
    }
}
