using System.Security.Cryptography;
using System.Text;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Runtime;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Core.Simulation;

/// <summary>An external event a simulation raises at a virtual time.</summary>
public sealed record ScheduledEvent(DateTimeOffset At, string Name, string EventId, object? Payload);

/// <summary>How a simulated instance ended (or stopped).</summary>
public enum VirtualRunOutcome
{
    /// <summary>The orchestration returned.</summary>
    Completed,
    /// <summary>The orchestration threw (or the code no longer fits its history).</summary>
    Failed,
    /// <summary>Still waiting when the horizon was reached.</summary>
    Horizon,
    /// <summary>Stopped by <see cref="VirtualRunLimits.MaxEpisodes"/>.</summary>
    EpisodeLimit,
}

/// <summary>Bounds of one simulated run; each is checked before the work it bounds.</summary>
public sealed record VirtualRunLimits
{
    /// <summary>Episodes (deliveries of events, timers and activity results) in one run.</summary>
    public int MaxEpisodes { get; init; } = 100_000;
}

/// <summary>What happened, in order, as the runner saw it.</summary>
public interface IVirtualRunObserver
{
    /// <summary>A new execution began (the first, or one after ContinueAsNew).</summary>
    void ExecutionStarted(DateTimeOffset at, int execution, string? input) { }
    void EventDelivered(DateTimeOffset at, ScheduledEvent delivered) { }
    /// <summary>An event raised after the instance finished: not delivered (the API would answer 410).</summary>
    void EventAfterEnd(DateTimeOffset at, ScheduledEvent dropped) { }
    void TimerScheduled(DateTimeOffset at, DateTimeOffset fireAt) { }
    void TimerFired(DateTimeOffset at, DateTimeOffset fireAt) { }
    /// <summary>An activity ran (at once, at <paramref name="at"/>); <paramref name="failure"/> is set when it threw.</summary>
    void ActivityRan(DateTimeOffset at, string name, int attempt, string? input, string? output, FailureDetails? failure) { }
}

/// <summary>The end of a simulated run.</summary>
public sealed record VirtualRunResult(VirtualRunOutcome Outcome, DateTimeOffset EndedAt, string? Output, FailureDetails? Failure, int Episodes, int Executions);

/// <summary>
/// Runs one orchestration of the registry in virtual time, in memory, on the embedded engine's executor (the same replay and
/// non-determinism checks as the dispatcher): every activity runs at once at the current virtual time, timers fire exactly at
/// their time, the scheduled events arrive at theirs, ContinueAsNew starts the next execution with the carried events. Nothing
/// is stored and time never waits, so years of a journey take milliseconds, and the same inputs give the same run: the
/// execution ids (the seed of <see cref="TaskOrchestrationContext.NewGuid"/>) come from the seed of <see cref="RunAsync"/>.
/// At one instant timers fire before events arrive (they were set earlier); events keep their order.
/// </summary>
public sealed class VirtualTimeRunner(JourneyRegistry registry, IServiceProvider services, VirtualClock clock)
{
    public async Task<VirtualRunResult> RunAsync(
        string orchestratorName,
        string instanceId,
        object? input,
        DateTimeOffset start,
        IReadOnlyList<ScheduledEvent> events,
        DateTimeOffset horizon,
        string seed,
        VirtualRunLimits? limits = null,
        IVirtualRunObserver? observer = null,
        Func<ScheduledEvent, ValueTask<ScheduledEvent?>>? prepare = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        limits ??= new VirtualRunLimits();
        observer ??= NoObserver.Instance;
        var orchestrator = registry.CreateOrchestrator(orchestratorName, services)
            ?? throw new ArgumentException($"No orchestrator named '{orchestratorName}' is registered.", nameof(orchestratorName));
        var queue = new Queue<ScheduledEvent>(events.OrderBy(e => e.At)); // OrderBy is stable: same-time events keep their order
        var now = start;
        clock.Set(now);
        var execution = 0;
        var history = new List<HistoryEvent>();
        var timers = new List<TimerScheduled>();
        var firstInput = JsonData.Serialize(input);
        var pending = new List<HistoryEvent> { Started(orchestratorName, instanceId, seed, execution, firstInput, now) };
        observer.ExecutionStarted(now, execution, firstInput);
        string? customStatus = null;
        var episodes = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (pending.Count > 0)
            {
                if (++episodes > limits.MaxEpisodes)
                {
                    return new VirtualRunResult(VirtualRunOutcome.EpisodeLimit, now, null, null, episodes - 1, execution + 1);
                }

                var result = OrchestrationExecutor.Execute(instanceId, orchestrator, history, pending, now, customStatus);
                pending = [];
                customStatus = result.CustomStatus;
                history.AddRange(result.NewHistory);
                foreach (var action in result.NewHistory)
                {
                    switch (action)
                    {
                        case TimerScheduled timer:
                            timers.Add(timer);
                            observer.TimerScheduled(now, timer.FireAt);
                            break;
                        case TimerCancelled cancelled:
                            timers.RemoveAll(t => t.Sequence == cancelled.TimerSequence);
                            break;
                        case ActivityScheduled activity:
                            pending.Add(await InvokeAsync(activity, instanceId, now, observer));
                            clock.Set(now); // an activity cannot move virtual time
                            break;
                    }
                }

                switch (result.Outcome)
                {
                    case ExecutionOutcome.Completed:
                        return Finish(VirtualRunOutcome.Completed, result.Output, null);
                    case ExecutionOutcome.Failed:
                        return Finish(VirtualRunOutcome.Failed, null, result.Failure);
                    case ExecutionOutcome.ContinuedAsNew:
                        execution++;
                        history = [];
                        timers.Clear();
                        pending = [Started(orchestratorName, instanceId, seed, execution, result.ContinueAsNewInput, now), .. result.CarriedEvents];
                        observer.ExecutionStarted(now, execution, result.ContinueAsNewInput);
                        continue;
                }

                continue;
            }

            var nextTimer = timers.Count == 0 ? (TimerScheduled?)null : timers.MinBy(t => (t.FireAt, t.Sequence));
            var nextEvent = queue.Count == 0 ? null : queue.Peek();
            if (nextTimer is null && nextEvent is null)
            {
                return new VirtualRunResult(VirtualRunOutcome.Horizon, horizon, null, null, episodes, execution + 1);
            }

            var at = nextTimer is not null && (nextEvent is null || nextTimer.FireAt <= nextEvent.At) ? nextTimer.FireAt : nextEvent!.At;
            if (at > horizon)
            {
                now = horizon;
                clock.Set(now);
                return new VirtualRunResult(VirtualRunOutcome.Horizon, horizon, null, null, episodes, execution + 1);
            }

            now = at > now ? at : now;
            clock.Set(now);
            foreach (var due in timers.Where(t => t.FireAt <= now).OrderBy(t => (t.FireAt, t.Sequence)).ToList())
            {
                timers.Remove(due);
                pending.Add(new TimerFired { Timestamp = now, TimerSequence = due.Sequence, FireAt = due.FireAt });
                observer.TimerFired(now, due.FireAt);
            }

            if (pending.Count == 0)
            {
                var raised = queue.Dequeue();
                if (prepare is not null)
                {
                    // Its time has come: the simulation may make it now (a task completion needs the task) or drop it.
                    if (await prepare(raised) is not { } prepared)
                    {
                        continue;
                    }

                    raised = prepared;
                }

                pending.Add(new ExternalEventReceived { Timestamp = now, Name = raised.Name, EventId = raised.EventId, Payload = JsonData.Serialize(raised.Payload) });
                observer.EventDelivered(now, raised);
            }
        }

        VirtualRunResult Finish(VirtualRunOutcome outcome, string? output, FailureDetails? failure)
        {
            foreach (var late in queue)
            {
                if (late.At <= horizon)
                {
                    observer.EventAfterEnd(late.At, late);
                }
            }

            return new VirtualRunResult(outcome, now, output, failure, episodes, execution + 1);
        }
    }

    private async Task<HistoryEvent> InvokeAsync(ActivityScheduled scheduled, string instanceId, DateTimeOffset now, IVirtualRunObserver observer)
    {
        await using var scope = services.CreateAsyncScope();
        var activity = registry.CreateActivity(scheduled.Name, scope.ServiceProvider);
        FailureDetails failure;
        if (activity is null)
        {
            failure = new FailureDetails("UnknownActivity", $"No activity named '{scheduled.Name}' is registered.");
        }
        else
        {
            try
            {
                var value = await activity.RunAsync(new EmbeddedActivityContext(new TaskName(scheduled.Name), instanceId), JsonData.Deserialize(scheduled.Input, activity.InputType));
                var output = JsonData.Serialize(value);
                observer.ActivityRan(now, scheduled.Name, scheduled.Attempt, scheduled.Input, output, null);
                return new ActivityCompleted { Timestamp = now, ScheduledSequence = scheduled.Sequence, Result = output };
            }
#pragma warning disable CA1031 // The activity's failure is its result, as on the engine: the orchestration's retry policy decides.
            catch (Exception error)
#pragma warning restore CA1031
            {
                failure = FailureDetails.FromException(error) with { StackTrace = null };
            }
        }

        observer.ActivityRan(now, scheduled.Name, scheduled.Attempt, scheduled.Input, null, failure);
        return new ActivityFailed { Timestamp = now, ScheduledSequence = scheduled.Sequence, Failure = failure };
    }

    private static JourneyStarted Started(string name, string instanceId, string seed, int execution, string? input, DateTimeOffset now) => new()
    {
        Timestamp = now,
        Name = name,
        ExecutionId = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{instanceId}\n{execution}")).AsSpan(0, 16)),
        Input = input,
    };

    private sealed class NoObserver : IVirtualRunObserver
    {
        public static readonly NoObserver Instance = new();
    }
}

/// <summary>The virtual clock of a simulation: a <see cref="TimeProvider"/> that shows the time the runner set, and only that.</summary>
public sealed class VirtualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Set(DateTimeOffset now) => _now = now;
}
