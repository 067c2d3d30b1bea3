using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Conditions;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Interpreter;

internal sealed partial class JourneyRun
{
    private async Task<StepOutcome> WaitStepAsync(StepSpec step)
    {
        var fireAt = FireAtOf(step);
        if (fireAt is null || fireAt <= Now)
        {
            return StepOutcome.To(step.Next!); // nothing to wait for (a date in the past, missing data, or open now)
        }

        var woke = await WaitAsync([], fireAt);
        return woke.Interrupt ?? StepOutcome.To(step.Next!);
    }

    private async Task<StepOutcome> WaitForEventStepAsync(StepSpec step)
    {
        var fireAt = step.Timeout is null ? (DateTimeOffset?)null : IsoDuration.Parse(step.Timeout).AddTo(Now);
        var woke = await WaitAsync(step.Events!, fireAt);
        if (woke.Interrupt is { } interrupt)
        {
            return interrupt;
        }

        if (woke.Event is null)
        {
            return StepOutcome.To(step.OnTimeout ?? step.Next!);
        }

        return StepOutcome.To(step.On?.GetValueOrDefault(woke.Event) ?? step.Next!);
    }

    private DateTimeOffset? FireAtOf(StepSpec step)
    {
        if (step.Duration is not null)
        {
            return IsoDuration.Parse(step.Duration).AddTo(Now);
        }

        if (step.Until is not null)
        {
            return DateTimeOffset.Parse(step.Until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        if (step.UntilData is not null)
        {
            var at = ReadDate(ModelPath.Resolve(_model.Root, step.UntilData));
            return at is null || step.Offset is null ? at : IsoDuration.Parse(step.Offset, allowNegative: true).AddTo(at.Value);
        }

        return step.BusinessHours == true ? _calendar.NextOpening(_input.DealerId, Now) : null;
    }

    /// <summary>A date-time with offset, or a date (midnight in the dealer's time zone); null when absent or unreadable.</summary>
    private DateTimeOffset? ReadDate(JsonNode? node)
    {
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetValue<string>();
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            var zone = _calendar.TimeZoneOf(_input.DealerId);
            var local = date.ToDateTime(TimeOnly.MinValue);
            return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    /// <summary>
    /// Waits for one of <paramref name="stepEvents"/>, the template's exit events and its goal events not yet reached, until
    /// <paramref name="fireAt"/> (for ever when null). Exit ends the journey; a goal jumps to its step; the step's own events
    /// win over a goal with the same name.
    /// </summary>
    private async Task<Woke> WaitAsync(IReadOnlyList<string> stepEvents, DateTimeOffset? fireAt)
    {
        var exits = _template.Exit?.Events ?? [];
        var goals = _template.Goals.Where(g => !_goalsReached.Contains(GoalName(g))).ToList();
        var listen = stepEvents.Concat(exits).Concat(goals.Select(g => g.Event)).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        Publish(listen, fireAt);
        _sinceWait = 0;

        ExternalEvent? received;
        if (listen.Count == 0)
        {
            await _ctx.CreateTimerAsync(fireAt!.Value.UtcDateTime);
            received = null;
        }
        else if (fireAt is null)
        {
            received = await _ctx.WaitForAnyExternalEventAsync(listen);
        }
        else
        {
            var timeout = fireAt.Value - Now;
            received = await _ctx.WaitForAnyExternalEventAsync(listen, timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);
        }

        if (received is null)
        {
            _cause = new TouchpointCause("timer", _currentStep, At: Now);
            return new Woke(null, null);
        }

        var name = listen.First(n => string.Equals(n, received.Name, StringComparison.OrdinalIgnoreCase));
        _cause = _model.Absorb(name, received.EventId, received.Payload, Now);
        if (exits.Contains(name))
        {
            return new Woke(name, StepOutcome.Finish(Result($"exit:{name}")));
        }

        if (stepEvents.Contains(name))
        {
            return new Woke(name, null);
        }

        var goal = goals.First(g => g.Event == name);
        ReachGoal(GoalName(goal));
        if (goal.Phase is not null)
        {
            SetPhase(goal.Phase);
        }

        _sinceWait = 0;
        return new Woke(name, StepOutcome.To(goal.Goto));
    }

    private static string GoalName(GoalSpec goal) => goal.Name ?? goal.Event;

    /// <param name="Event">The event received (the template's spelling); null on the timer.</param>
    /// <param name="Interrupt">Set when an exit or goal event takes the journey elsewhere.</param>
    private readonly record struct Woke(string? Event, StepOutcome? Interrupt);
}
