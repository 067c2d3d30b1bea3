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
    /// <remarks>
    /// Pending task escalations wait here too: the wait also listens for their tasks' completion events and wakes at the
    /// earliest escalation time. A completion clears its escalation (and is held for a later wait that wants it, unless this
    /// wait does); an escalation that comes due runs, then the wait goes on until <paramref name="fireAt"/>. Without pending
    /// escalations or held events this issues exactly the commands it always did, so older histories replay unchanged.
    /// </remarks>
    private async Task<Woke> WaitAsync(IReadOnlyList<string> stepEvents, DateTimeOffset? fireAt)
    {
        var exits = _template.Exit?.Events ?? [];
        var timedOut = false;
        while (true)
        {
            var goals = _template.Goals.Where(g => !_goalsReached.Contains(GoalName(g))).ToList();
            if (TakeHeld(stepEvents) is { } held)
            {
                _sinceWait = 0;
                _cause = _model.Absorb(held.Name, held.EventId, held.Payload, Now);
                return new Woke(stepEvents.First(n => Same(n, held.Name)), null);
            }

            if (_escalations.Where(e => e.EscalateAt <= Now).OrderBy(e => e.EscalateAt).FirstOrDefault() is { } due)
            {
                _escalations.Remove(due);
                if (await EscalateAsync(due) is { } raised)
                {
                    if (Handle(raised.Name, stepEvents, exits, goals) is { } handled)
                    {
                        return handled;
                    }

                    _held.Add(raised); // for a later wait that waits for it
                }

                continue;
            }

            if (timedOut && fireAt <= Now)
            {
                _cause = new TouchpointCause("timer", _currentStep, At: Now);
                return new Woke(null, null);
            }

            var completions = _escalations.Select(e => e.CompletionEvent);
            var listen = stepEvents.Concat(exits).Concat(goals.Select(g => g.Event)).Concat(completions).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var wakeAt = _escalations.Count == 0 ? fireAt : Earliest(fireAt, _escalations.Min(e => e.EscalateAt));
            Publish(listen, wakeAt);
            _sinceWait = 0;

            ExternalEvent? received;
            if (listen.Count == 0)
            {
                await _ctx.CreateTimerAsync(wakeAt!.Value.UtcDateTime);
                received = null;
            }
            else if (wakeAt is null)
            {
                received = await _ctx.WaitForAnyExternalEventAsync(listen);
            }
            else
            {
                var timeout = wakeAt.Value - Now;
                received = await _ctx.WaitForAnyExternalEventAsync(listen, timeout < TimeSpan.Zero ? TimeSpan.Zero : timeout);
            }

            if (received is null)
            {
                timedOut = true;
                continue; // an escalation due (runs above), the step's own timeout, or both
            }

            var name = listen.First(n => Same(n, received.Name));
            ClearEscalation(name, received.Payload);
            _cause = _model.Absorb(name, received.EventId, received.Payload, Now);
            if (Handle(name, stepEvents, exits, goals) is { } woke)
            {
                return woke;
            }

            // A task completion no step waits for now: keep it for a later wait that does (as the runtime would have).
            _held.Add(new HeldEvent(name, received.EventId, received.Payload));
        }
    }

    /// <summary>What an event (received, or raised by an escalation) does to this wait; null when nothing here takes it.</summary>
    private Woke? Handle(string name, IReadOnlyList<string> stepEvents, IReadOnlyList<string> exits, List<GoalSpec> goals)
    {
        if (exits.FirstOrDefault(e => Same(e, name)) is { } exit)
        {
            return new Woke(exit, StepOutcome.Finish(Result($"exit:{exit}")));
        }

        if (stepEvents.FirstOrDefault(e => Same(e, name)) is { } own)
        {
            return new Woke(own, null);
        }

        if (goals.FirstOrDefault(g => Same(g.Event, name)) is not { } goal)
        {
            return null;
        }

        ReachGoal(GoalName(goal));
        if (goal.Phase is not null)
        {
            SetPhase(goal.Phase);
        }

        // The customer converted: tasks that chased them before (a quote call) are moot, so their escalations end here.
        _escalations.Clear();
        _sinceWait = 0;
        return new Woke(goal.Event, StepOutcome.To(goal.Goto));
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    private static string GoalName(GoalSpec goal) => goal.Name ?? goal.Event;

    /// <param name="Event">The event received (the template's spelling); null on the timer.</param>
    /// <param name="Interrupt">Set when an exit or goal event takes the journey elsewhere.</param>
    private readonly record struct Woke(string? Event, StepOutcome? Interrupt);
}
