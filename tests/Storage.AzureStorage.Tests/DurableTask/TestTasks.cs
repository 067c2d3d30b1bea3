using Microsoft.DurableTask;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.DurableTask;

// Small SDK orchestrators and activities, written as a journey would be (TaskOrchestrator<,>, TaskActivity<,>), that
// exercise one engine behaviour each.

/// <summary>Busy for a while (a timer), then takes "a" and then "b": events raised while it was busy must be kept.</summary>
internal sealed class BufferedEventsOrchestrator : TaskOrchestrator<string, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
    {
        context.SetCustomStatus("busy");
        await context.CreateTimer(TimeSpan.FromSeconds(3), CancellationToken.None);
        var a = await context.WaitForExternalEvent<string>("a");
        var b = await context.WaitForExternalEvent<string>("b");
        return $"{input}|{a}|{b}";
    }
}

/// <summary>
/// <paramref name="rounds"/> times: the first of "a", "b" or a timer (one cancellation source for the three), then cancels
/// the losers. Returns what each round got.
/// </summary>
internal sealed class RaceOrchestrator : TaskOrchestrator<int, List<string>>
{
    public override async Task<List<string>> RunAsync(TaskOrchestrationContext context, int input)
    {
        var seen = new List<string>();
        for (var round = 0; round < input; round++)
        {
            using var cancel = new CancellationTokenSource();
            var a = context.WaitForExternalEvent<string>("a", cancel.Token);
            var b = context.WaitForExternalEvent<string>("b", cancel.Token);
            var timer = context.CreateTimer(context.CurrentUtcDateTime.AddMinutes(10), cancel.Token);
            context.SetCustomStatus($"waiting {round}");
            var winner = await Task.WhenAny(a, b, timer);
            // Cancel(), never `await CancelAsync()`: that awaits on the thread pool, off the orchestrator's scheduler, and
            // DTFx ends the episode without the continuation's actions (the orchestration hangs).
#pragma warning disable CA1849
            cancel.Cancel();
#pragma warning restore CA1849
            seen.Add(winner == timer ? "timer" : await (Task<string>)winner);
        }

        return seen;
    }
}

internal sealed record TimerReport(DateTime Due, DateTime Woke, int Fired, int Early);

/// <summary>Sleeps until a due time with the early-fire guard: a timer that fires before the due time is waited again.</summary>
internal sealed class GuardedTimerOrchestrator : TaskOrchestrator<int, TimerReport>
{
    public override async Task<TimerReport> RunAsync(TaskOrchestrationContext context, int input)
    {
        var due = context.CurrentUtcDateTime.AddMilliseconds(input);
        var (fired, early) = (0, 0);
        while (context.CurrentUtcDateTime < due)
        {
            await context.CreateTimer(due, CancellationToken.None);
            fired++;
            if (context.CurrentUtcDateTime < due)
            {
                early++;
            }
        }

        return new TimerReport(due, context.CurrentUtcDateTime, fired, early);
    }
}

internal sealed record LoopInput(int Round, int Rounds, int Milliseconds);

/// <summary>The yearly loop in miniature: a long (split) timer per round, then ContinueAsNew; returns the rounds done.</summary>
internal sealed class TimerLoopOrchestrator : TaskOrchestrator<LoopInput, int>
{
    public override async Task<int> RunAsync(TaskOrchestrationContext context, LoopInput input)
    {
        var due = context.CurrentUtcDateTime.AddMilliseconds(input.Milliseconds);
        while (context.CurrentUtcDateTime < due)
        {
            await context.CreateTimer(due, CancellationToken.None);
        }

        if (input.Round + 1 < input.Rounds)
        {
            context.ContinueAsNew(input with { Round = input.Round + 1 });
            return input.Round + 1;
        }

        return input.Round + 1;
    }
}

/// <summary>Waits for "go" (forever) and returns the input and the event.</summary>
internal sealed class WaitForGoOrchestrator : TaskOrchestrator<string, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, string input)
    {
        context.SetCustomStatus("waiting");
        var go = await context.WaitForExternalEvent<string>("go");
        context.SetCustomStatus("done");
        return $"{input}:{go}";
    }
}

/// <summary>Started with its first event as input, collects "e" events until it holds <c>Expected</c> of them.</summary>
internal sealed class CollectorOrchestrator : TaskOrchestrator<CollectorInput, List<string>>
{
    public override async Task<List<string>> RunAsync(TaskOrchestrationContext context, CollectorInput input)
    {
        var seen = new List<string> { input.First };
        while (seen.Count < input.Expected)
        {
            seen.Add(await context.WaitForExternalEvent<string>("e"));
            context.SetCustomStatus(seen.Count);
        }

        return seen;
    }
}

internal sealed record CollectorInput(string First, int Expected);

internal sealed record Person(string GivenName, int VisitCount);

/// <summary>Calls the activities: greets (twice, each in its own DI scope) and echoes its input.</summary>
internal sealed class GreeterOrchestrator : TaskOrchestrator<Person, string[]>
{
    public override async Task<string[]> RunAsync(TaskOrchestrationContext context, Person input)
    {
        var first = await context.CallActivityAsync<string>(nameof(GreetActivity), input);
        var second = await context.CallActivityAsync<string>(nameof(GreetActivity), input with { VisitCount = input.VisitCount + 1 });
        return [first, second];
    }
}

/// <summary>Fails through an activity that throws.</summary>
internal sealed class FailingOrchestrator : TaskOrchestrator<string, string>
{
    public override Task<string> RunAsync(TaskOrchestrationContext context, string input) =>
        context.CallActivityAsync<string>(nameof(FailActivity), input);
}

/// <summary>A scoped dependency: its id tells which scope an activity ran in, and it records its disposal.</summary>
internal sealed class ScopeProbe : IDisposable
{
    public static readonly System.Collections.Concurrent.ConcurrentBag<Guid> Disposed = [];

    public Guid Id { get; } = Guid.NewGuid();

    public void Dispose() => Disposed.Add(Id);
}

internal sealed class GreetActivity(ScopeProbe probe) : TaskActivity<Person, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, Person input) =>
        Task.FromResult($"Hello {input.GivenName} #{input.VisitCount} [{probe.Id:N}]");
}

internal sealed class FailActivity : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input) =>
        throw new InvalidOperationException($"boom: {input}");
}
