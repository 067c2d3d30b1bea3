using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>One execution (episode replay) of a template: the interpreter's state while it walks the steps.</summary>
internal sealed partial class JourneyRun
{
    /// <summary>Steps a journey may run between two waits before it is failed as a runaway loop.</summary>
    public const int MaxStepsWithoutWait = 1000;

    /// <summary>Event ids remembered to ignore a repeat (the last this many, carried across repeats).</summary>
    public const int SeenEventIdLimit = 256;

    /// <summary>Touchpoint activities: 5 attempts, 30 s doubling to 10 min.</summary>
    internal static readonly RetryPolicy TouchpointRetryPolicy = new(5, TimeSpan.FromSeconds(30), 2.0, TimeSpan.FromMinutes(10));

    /// <summary>How far past its time a timer is set again after it fired early (see <c>TimerDue</c>).</summary>
    internal static readonly TimeSpan EarlyTimerMargin = TimeSpan.FromSeconds(1);

    private static readonly TaskOptions TouchpointRetry = TaskOptions.FromRetryPolicy(TouchpointRetryPolicy);

    private readonly TaskOrchestrationContext _ctx;
    private readonly JourneyTemplate _template;
    private readonly JourneyInput _input;
    private readonly IBusinessCalendar _calendar;
    private readonly Dictionary<string, StepSpec> _steps = new(StringComparer.Ordinal);
    private readonly JourneyModel _model;
    private readonly List<string> _goalsReached;
    private readonly List<PendingEscalation> _escalations;
    private readonly List<HeldEvent> _held;
    private readonly List<string> _seen;
    private readonly string _runId;
    private readonly JourneyBudget _budget;
    private readonly IJourneyTrace? _trace;
    private readonly JourneyPath _path;
    private readonly HashSet<string> _entered;
    private BudgetWindow? _window;
    private TouchpointCause _cause;
    private string? _phase;
    private string _currentStep = "";
    private string? _lastError;
    private int _sinceWait;
    private DateTimeOffset? _firedEarly;
    private int _emailsSent;
    private int _calls;

    public JourneyRun(TaskOrchestrationContext ctx, JourneyTemplate template, JourneyInput input, IBusinessCalendar calendar, JourneyBudget budget, IJourneyTrace? trace = null)
    {
        _budget = budget;
        _trace = trace;
        _window = input.Budget;
        _ctx = ctx;
        _template = template;
        _input = input;
        _calendar = calendar;
        foreach (var step in template.Steps)
        {
            _steps.TryAdd(step.Id, step);
        }

        _phase = input.Phase;
        _goalsReached = [.. input.GoalsReached ?? []];
        _escalations = [.. input.Escalations ?? []];
        _held = [.. input.HeldEvents ?? []];
        _seen = [.. input.SeenEventIds ?? []];
        _path = input.Path is { } path
            ? new JourneyPath { Steps = [.. path.Steps], Waits = path.Waits.ToDictionary(w => w.Key, w => new Dictionary<string, int>(w.Value, StringComparer.Ordinal), StringComparer.Ordinal), Arms = new(path.Arms, StringComparer.Ordinal) }
            : new JourneyPath();
        _entered = [.. _path.Steps];
        if (input.Iteration == 0 && input.Trigger?["eventId"] is JsonValue triggerId && triggerId.GetValueKind() == System.Text.Json.JsonValueKind.String)
        {
            Remember(triggerId.GetValue<string>()); // the entry event, raised again into the journey it started, is a repeat
        }

        // Unique to this run of the instance id (a finished journey's id may be started again) and the same on every replay.
        _runId = input.RunId ?? ctx.NewGuid().ToString("N");
        _model = JourneyModel.Create(ctx.InstanceId, input);
        _cause = input.Iteration > 0
            ? new TouchpointCause("repeat", input.StartAt, At: Now)
            : JourneyModel.TriggerCause(input.Trigger) ?? new TouchpointCause("start", At: Now);
    }

    private DateTimeOffset Now => new(DateTime.SpecifyKind(_ctx.CurrentUtcDateTime, DateTimeKind.Utc));

    /// <summary>
    /// The idempotency key of the next activity call: <c>{instance}:{run}:{iteration}:{n}</c> with a per-execution counter, the
    /// same on every replay and under any engine (the SDK's activity context has no sequence number).
    /// </summary>
    private string NextKey() => $"{_ctx.InstanceId}:{_runId}:{_input.Iteration}:{_calls++}";

    public async Task<JourneyResult> RunAsync()
    {
        JourneyResult result;
        try
        {
            result = await WalkAsync();
        }
        catch (Exception e) when (e is JourneyBudgetExceededException or JourneyLoopException or InvalidOperationException)
        {
            Milestone(MilestoneKinds.JourneyFailed, details: new JsonObject { ["error"] = e.GetType().Name });
            await DrainMilestonesAsync(all: true);
            throw;
        }

        Trace(TraceKinds.End, result.Reason);
        EndMilestone(result);
        await DrainMilestonesAsync(all: true);
        return result;
    }

    private async Task<JourneyResult> WalkAsync()
    {
        var stepId = _input.StartAt ?? _template.Start;
        while (true)
        {
            if (!_steps.TryGetValue(stepId, out var step))
            {
                throw new InvalidOperationException($"Template '{_template.Id}' version {_template.Version} has no step '{stepId}'.");
            }

            if (++_sinceWait > MaxStepsWithoutWait)
            {
                throw new JourneyLoopException(_template.Id, _template.Version, step.Id);
            }

            _currentStep = step.Id;
            if (_entered.Add(step.Id))
            {
                _path.Steps.Add(step.Id);
            }

            Trace(TraceKinds.Step, step.Kind);
            Spend(steps: 1);
            if (step.Phase is not null)
            {
                SetPhase(step.Phase);
            }

            Publish([], null);
            await DrainMilestonesAsync(all: false);
            var outcome = await ExecuteAsync(step);
            if (outcome.Result is { } result)
            {
                Publish([], null);
                return result;
            }

            stepId = outcome.Next!;
        }
    }

    private async Task<StepOutcome> ExecuteAsync(StepSpec step)
    {
        switch (step.Kind)
        {
            case StepKinds.Email:
                await SendEmailAsync(step);
                return StepOutcome.To(step.Next!);
            case StepKinds.Task:
                await CreateTaskAsync(step);
                return StepOutcome.To(step.Next!);
            case StepKinds.Wait:
                return await WaitStepAsync(step);
            case StepKinds.WaitForEvent:
                return await WaitForEventStepAsync(step);
            case StepKinds.Condition:
                return StepOutcome.To(Decide(step));
            case StepKinds.Split:
                return StepOutcome.To(ChooseBranch(step));
            case StepKinds.SetPhase:
                return StepOutcome.To(step.Next!);
            case StepKinds.Goal:
                ReachGoal(step.Goal!);
                return StepOutcome.To(step.Next!);
            case StepKinds.End:
                return StepOutcome.Finish(Result("end"));
            case StepKinds.Repeat:
                return Repeat(step);
            case StepKinds.Approval:
                return await ApprovalStepAsync(step);
            default:
                throw new InvalidOperationException($"Step '{step.Id}' has unknown kind '{step.Kind}'.");
        }
    }

    private StepOutcome Repeat(StepSpec step)
    {
        if (step.Times is { } times && _input.Iteration >= times)
        {
            return StepOutcome.Finish(Result("repeat-limit"));
        }

        _ctx.ContinueAsNew(CarriedInput() with { StartAt = step.Goto, Iteration = _input.Iteration + 1 });
        return StepOutcome.Finish(Result("continued"));
    }

    /// <summary>The input of the next execution (a repeat or a migration): the journey's state as it is now.</summary>
    private JourneyInput CarriedInput() => _input with
    {
        Data = _model.Data.DeepClone().AsObject(),
        Customer = _model.Customer.DeepClone().AsObject(),
        Phase = _phase,
        GoalsReached = [.. _goalsReached],
        Escalations = _escalations.Count == 0 ? null : [.. _escalations],
        HeldEvents = _held.Count == 0 ? null : [.. _held],
        SeenEventIds = _seen.Count == 0 ? null : [.. _seen],
        RunId = _runId,
        Budget = _window,
        Path = _path,
    };

    /// <summary>Counts against the hour's budget; throws <see cref="JourneyBudgetExceededException"/> past a limit.</summary>
    private void Spend(int steps = 0, int touchpoints = 0, long eventBytes = 0)
    {
        var window = _window is { } open && Now < open.Start.AddHours(1) ? open : new BudgetWindow(Now);
        window = window with { Steps = window.Steps + steps, Touchpoints = window.Touchpoints + touchpoints, EventBytes = window.EventBytes + eventBytes };
        _window = window;
        Check("steps", window.Steps, _budget.MaxStepsPerHour);
        Check("touchpoints", window.Touchpoints, _budget.MaxTouchpointsPerHour);
        Check("event bytes", window.EventBytes, _budget.MaxEventBytesPerHour);

        void Check(string what, long count, long limit)
        {
            if (limit > 0 && count > limit)
            {
                throw new JourneyBudgetExceededException(_template.Id, _template.Version, _currentStep, what, count, limit, window.Start);
            }
        }
    }

    private string ChooseBranch(StepSpec step)
    {
        var branches = step.Branches!;
        var total = branches.Sum(b => b.Weight);
        var roll = (int)(BitConverter.ToUInt32(_ctx.NewGuid().ToByteArray(), 0) % (uint)total);
        var drawn = roll;
        var chosen = branches[^1];
        foreach (var branch in branches)
        {
            roll -= branch.Weight;
            if (roll < 0)
            {
                chosen = branch;
                break;
            }
        }

        if (Tracing)
        {
            Trace(TraceKinds.Decision, chosen.Next, new JsonObject { ["roll"] = drawn, ["of"] = total, ["arm"] = chosen.Name ?? chosen.Next, ["weight"] = chosen.Weight });
        }

        _path.Arms[step.Id] = chosen.Name ?? chosen.Next;

        return chosen.Next;
    }

    private string Decide(StepSpec step)
    {
        var value = Conditions.ConditionEvaluator.Evaluate(step.If!, _model.Root);
        var next = value ? step.Then! : step.Else!;
        if (Tracing)
        {
            var inputs = new JsonObject();
            foreach (var path in PathsOf(step.If!).Distinct(StringComparer.Ordinal))
            {
                inputs[path] = Conditions.ModelPath.Resolve(_model.Root, path)?.DeepClone();
            }

            Trace(TraceKinds.Decision, next, new JsonObject { ["result"] = value, ["inputs"] = inputs });
        }

        return next;
    }

    private static IEnumerable<string> PathsOf(ConditionSpec condition) =>
        (condition.Path is null ? [] : new[] { condition.Path })
            .Concat((condition.All ?? []).Concat(condition.Any ?? []).SelectMany(PathsOf))
            .Concat(condition.Not is null ? [] : PathsOf(condition.Not));

    /// <summary>Whether a trace wants this decision (one is set, and the engine is not replaying): details are built only then.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(_trace))]
    private bool Tracing => _trace is not null && (!_ctx.IsReplaying || _trace.IncludesReplay);

    /// <summary>Tells the trace (if any) about a new decision; nothing while replaying.</summary>
    private void Trace(string kind, string? name, JsonObject? details = null)
    {
        if (Tracing)
        {
            _trace.Record(new JourneyTraceEntry(Now, kind, _currentStep.Length == 0 ? null : _currentStep, name, details));
        }
    }

    private void SetPhase(string phase)
    {
        var from = _phase;
        _phase = phase;
        if (from != phase)
        {
            if (Tracing)
            {
                Trace(TraceKinds.Phase, phase, new JsonObject { ["from"] = from });
            }

            Milestone(MilestoneKinds.PhaseChanged, details: new JsonObject { ["from"] = from, ["to"] = phase });
        }

        _model.SetPhase(phase);
    }

    private void ReachGoal(string name)
    {
        if (!_goalsReached.Contains(name))
        {
            _goalsReached.Add(name);
            Trace(TraceKinds.Goal, name);
            Milestone(MilestoneKinds.GoalReached, details: new JsonObject { ["goal"] = name });
        }
    }

    private JourneyResult Result(string reason) => new()
    {
        Reason = reason,
        LastStep = _currentStep,
        Phase = _phase,
        GoalsReached = [.. _goalsReached],
        Iteration = _input.Iteration,
    };

    private void Publish(IReadOnlyList<string> waitingFor, DateTimeOffset? timer) => _ctx.SetCustomStatus(new JourneyStatus
    {
        TemplateId = _template.Id,
        TemplateVersion = _template.Version,
        DealerId = _input.DealerId,
        JourneyKey = _input.JourneyKey,
        Phase = _phase,
        CurrentStep = _currentStep,
        WaitingFor = waitingFor,
        NextTimerDue = timer,
        GoalsReached = [.. _goalsReached],
        Iteration = _input.Iteration,
        LastError = _lastError,
        Path = _path,
    });

    /// <summary>Counts how the current wait step's wait ended (an event's name or <see cref="JourneyPath.Timeout"/>) for analytics.</summary>
    private void WaitEnded(string outcome)
    {
        if (_steps.TryGetValue(_currentStep, out var step) && step.Kind is StepKinds.Wait or StepKinds.WaitForEvent or StepKinds.Approval)
        {
            if (!_path.Waits.TryGetValue(step.Id, out var outcomes))
            {
                _path.Waits[step.Id] = outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
    }

    private readonly record struct StepOutcome(string? Next, JourneyResult? Result)
    {
        public static StepOutcome To(string next) => new(next, null);

        public static StepOutcome Finish(JourneyResult result) => new(null, result);
    }
}
