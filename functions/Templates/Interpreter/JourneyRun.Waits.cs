using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Conditions;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Templates.Interpreter;

internal sealed partial class JourneyRun
{
    private async Task<StepOutcome> WaitStepAsync(StepSpec step)
    {
        var fireAt = FireAtOf(step);
        if (fireAt is { } past && past <= Now && step.IfPast is { } instead)
        {
            return StepOutcome.To(instead); // the time has passed already: the template's other way
        }

        if (fireAt is null || fireAt <= Now)
        {
            return StepOutcome.To(step.Next!); // nothing to wait for (a date in the past, missing data, or open now)
        }

        var woke = await WaitAsync([], fireAt);
        return woke.Interrupt ?? StepOutcome.To(step.Next!);
    }

    private async Task<StepOutcome> WaitForEventStepAsync(StepSpec step)
    {
        var fireAt = step.Timeout is null ? (DateTimeOffset?)null : Add(Now, IsoDuration.Parse(step.Timeout), step);
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
        if (step.At is not null)
        {
            return LocalFireAt(step, LocalCalendar.ParseTime(step.At));
        }

        if (step.Duration is not null)
        {
            return Add(Now, IsoDuration.Parse(step.Duration), step);
        }

        if (step.Until is not null)
        {
            return DateTimeOffset.Parse(step.Until, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }

        if (step.UntilData is not null)
        {
            var at = ReadDate(ModelPath.Resolve(_model.Root, step.UntilData));
            return at is null || step.Offset is null ? at : Add(at.Value, IsoDuration.Parse(step.Offset, allowNegative: true), step);
        }

        return step.BusinessHours == true ? _calendar.NextOpening(_input.DealerId, Now) : null;
    }

    /// <summary>A wait with <c>at</c>: the next such local time, that time on the day a duration reaches, or on a date in the data.</summary>
    private DateTimeOffset? LocalFireAt(StepSpec step, TimeOnly at)
    {
        var zone = LocalZone();
        if (step.UntilData is not null)
        {
            var node = ModelPath.Resolve(_model.Root, step.UntilData);
            DateOnly date;
            if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String
                && DateOnly.TryParseExact(v.GetValue<string>(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var plain))
            {
                date = plain; // a calendar date: that day where the customer lives
            }
            else if (ReadDate(node) is { } instant)
            {
                date = DateOnly.FromDateTime(LocalCalendar.ToLocal(instant, zone));
            }
            else
            {
                return null; // missing or unreadable: no wait
            }

            if (step.Offset is not null)
            {
                date = LocalCalendar.AddDays(date, IsoDuration.Parse(step.Offset, allowNegative: true));
            }

            return LocalCalendar.On(date, at, zone);
        }

        if (step.Duration is not null)
        {
            var reached = LocalCalendar.Add(Now, IsoDuration.Parse(step.Duration), zone);
            return LocalCalendar.On(DateOnly.FromDateTime(LocalCalendar.ToLocal(reached, zone)), at, zone);
        }

        return LocalCalendar.Next(Now, at, zone);
    }

    /// <summary><paramref name="from"/> plus <paramref name="duration"/>: elapsed time, or local calendar time with <c>calendar: local</c>.</summary>
    private DateTimeOffset Add(DateTimeOffset from, IsoDuration duration, StepSpec step) =>
        step.Calendar == Calendars.Local ? LocalCalendar.Add(from, duration, LocalZone()) : duration.AddTo(from);

    /// <summary>The customer's time zone (<c>customer.timeZone</c>), else the dealer's.</summary>
    private TimeZoneInfo LocalZone() =>
        LocalCalendar.FindZone((_model.Root["customer"] as JsonObject)?["timeZone"] is JsonValue tz && tz.GetValueKind() == JsonValueKind.String ? tz.GetValue<string>() : null)
        ?? _calendar.TimeZoneOf(_input.DealerId);

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
        // One wait: it ends with the event or timer it waits for; each round adds one timer and the events it took. The
        // journey's history is bounded by the template's repeat (ContinueAsNew) around the waits, not inside this loop.
#pragma warning disable DURABLE0011 // Unbounded loop without ContinueAsNew: see above.
        while (true)
#pragma warning restore DURABLE0011
        {
            var goals = _template.Goals.Where(g => !_goalsReached.Contains(GoalName(g)) && (!g.Forward || Before(_phase, g.Phase!))).ToList();
            if (TakeHeld(stepEvents) is { } held)
            {
                _sinceWait = 0;
                _cause = _model.Absorb(held.Name, held.EventId, held.Payload, Now);
                WaitEnded(held.Name);
                return new Woke(stepEvents.First(n => Same(n, held.Name)), null);
            }

            if (_escalations.Where(e => e.EscalateAt <= Now).OrderBy(e => e.EscalateAt).FirstOrDefault() is { } due)
            {
                _escalations.Remove(due);
                if (await EscalateAsync(due) is { } raised)
                {
                    if (Handle(raised.Name, stepEvents, exits, goals) is { } handled)
                    {
                        WaitEnded(raised.Name);
                        return handled;
                    }

                    _held.Add(raised); // for a later wait that waits for it
                }

                continue;
            }

            if (timedOut && fireAt <= Now)
            {
                if (Tracing)
                {
                    Trace(TraceKinds.Timeout, null, new JsonObject { ["due"] = fireAt });
                }

                _cause = new TouchpointCause("timer", _currentStep, At: Now);
                WaitEnded(JourneyPath.Timeout);
                return new Woke(null, null);
            }

            var completions = _escalations.Select(e => e.CompletionEvent);
            var listen = stepEvents.Concat(exits).Concat(goals.Select(g => g.Event)).Concat(completions).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var wakeAt = _escalations.Count == 0 ? fireAt : Earliest(fireAt, _escalations.Min(e => e.EscalateAt));
            Publish([.. listen], wakeAt);
            if (Tracing)
            {
                Trace(TraceKinds.Wait, null, new JsonObject
                {
                    ["events"] = new JsonArray([.. stepEvents.Select(e => (JsonNode)e)]),
                    ["alsoListens"] = new JsonArray([.. listen.Except(stepEvents, StringComparer.OrdinalIgnoreCase).Select(e => (JsonNode)e)]),
                    ["until"] = wakeAt,
                });
            }

            listen.Add(JourneyNames.MigrateEvent); // an operator's migration, at any wait (not shown as waited for)
            _sinceWait = 0;

            var received = await WaitForFirstAsync(listen, wakeAt);
            if (received is null)
            {
                timedOut = true;
                continue; // an escalation due (runs above), the step's own timeout, or both
            }

            var (name, json) = received.Value;
            var payload = json?.GetRawText();
            Spend(eventBytes: payload is null ? 0 : System.Text.Encoding.UTF8.GetByteCount(payload));
            var eventId = EventIdOf(json);
            if (!Remember(eventId))
            {
                // Delivered twice (an engine that delivers at least once, or a retried raise): already handled.
                var logger = _ctx.CreateReplaySafeLogger<JourneyInterpreter>();
                Log.IgnoredRepeat(logger, _ctx.InstanceId, name, eventId);
                if (Tracing)
                {
                    Trace(TraceKinds.Repeat, name, new JsonObject { ["eventId"] = eventId });
                }

                continue;
            }

            if (Same(name, JourneyNames.MigrateEvent))
            {
                if (MigrationFor(json) is { } migrated)
                {
                    return new Woke(name, migrated);
                }

                continue; // not for this journey's version or step: it stays where it is
            }

            ClearEscalation(name, payload);
            _cause = _model.Absorb(name, eventId, payload, Now);
            if (Handle(name, stepEvents, exits, goals) is { } woke)
            {
                if (Tracing)
                {
                    Trace(TraceKinds.Event, name, new JsonObject { ["eventId"] = eventId });
                }

                WaitEnded(name);
                return woke;
            }

            // A task completion no step waits for now: keep it for a later wait that does (as the runtime would have).
            if (Tracing)
            {
                Trace(TraceKinds.Held, name, new JsonObject { ["eventId"] = eventId });
            }

            _held.Add(new HeldEvent(name, eventId, payload));
        }
    }

    /// <summary>
    /// Waits for the first of <paramref name="names"/> (each its own <c>WaitForExternalEvent</c>) or the timer at
    /// <paramref name="wakeAt"/>, whichever comes first, and cancels the others with one cancellation source; null on the timer.
    /// </summary>
    /// <remarks>
    /// A wait for a name whose event is already buffered completes at once and takes that event, so no wait is made for the
    /// names after it: an event taken by a wait that loses the race would be lost. The timer is made even then, and cancelled,
    /// so the commands are those of the wait-for-any this replaced (older histories replay unchanged).
    /// </remarks>
    private async Task<(string Name, JsonElement? Payload)?> WaitForFirstAsync(List<string> names, DateTimeOffset? wakeAt)
    {
        if (names.Count == 0)
        {
            await _ctx.CreateTimer(TimerDue(wakeAt!.Value), CancellationToken.None);
            NoteEarlyFire(wakeAt.Value);
            return null;
        }

        using var cancel = new CancellationTokenSource();
        var waits = new List<Task<JsonElement?>>(names.Count);
        foreach (var name in names)
        {
            var wait = _ctx.WaitForExternalEvent<JsonElement?>(name, cancel.Token);
            waits.Add(wait);
            if (wait.IsCompleted)
            {
                break;
            }
        }

        var timer = wakeAt is { } at ? _ctx.CreateTimer(TimerDue(at), cancel.Token) : null;
        var winner = timer is null ? await Task.WhenAny(waits) : await Task.WhenAny([.. waits, timer]);
        // Synchronously, before anything else is delivered: the losers stop waiting and the timer is deleted.
#pragma warning disable CA1849 // CancelAsync would run the callbacks off the orchestration's thread.
        cancel.Cancel();
#pragma warning restore CA1849
        if (winner == timer)
        {
            NoteEarlyFire(wakeAt!.Value);
            return null;
        }

        var index = waits.IndexOf((Task<JsonElement?>)winner);
        var payload = await waits[index];
        return (names[index], payload is { ValueKind: not JsonValueKind.Null } ? payload : null);
    }

    /// <summary>
    /// The time to set a timer for <paramref name="at"/>: now when it is past, and a whole <see cref="EarlyTimerMargin"/> after
    /// it when a timer for it fired early already. DurableTask.AzureStorage hides a timer message for whole seconds and fires up
    /// to ~1 s early; a timer for the fraction of a second left would be visible at once and fire early again, episode after
    /// episode (on Azurite about a hundred times a second, hundreds of history events per wait). The embedded engine never
    /// fires early, so there a timer is set for its exact time.
    /// </summary>
    private DateTime TimerDue(DateTimeOffset at) =>
        (at < Now ? Now : _firedEarly == at ? at + EarlyTimerMargin : at).UtcDateTime;

    /// <summary>Remembers a timer for <paramref name="at"/> that fired before it (the wait is made again).</summary>
    private void NoteEarlyFire(DateTimeOffset at)
    {
        if (Now < at)
        {
            _firedEarly = at;
        }
    }

    /// <summary>The event id the host put in the payload (<see cref="JourneyEventPayload.EventId"/>); a deterministic new one when absent.</summary>
    private string EventIdOf(JsonElement? payload)
    {
        if (payload is { ValueKind: JsonValueKind.Object } obj)
        {
            foreach (var property in (ReadOnlySpan<string>)["eventId", "EventId"])
            {
                if (obj.TryGetProperty(property, out var id) && id.ValueKind != JsonValueKind.Null)
                {
                    return id.ValueKind == JsonValueKind.String ? id.GetString()! : _ctx.NewGuid().ToString("N");
                }
            }
        }

        return _ctx.NewGuid().ToString("N");
    }

    /// <summary>Adds <paramref name="eventId"/> to the seen ids (the last <see cref="SeenEventIdLimit"/>); false when it was there already.</summary>
    private bool Remember(string eventId)
    {
        if (_seen.Contains(eventId, StringComparer.Ordinal))
        {
            return false;
        }

        _seen.Add(eventId);
        if (_seen.Count > SeenEventIdLimit)
        {
            _seen.RemoveRange(0, _seen.Count - SeenEventIdLimit);
        }

        return true;
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

    /// <summary>Whether <paramref name="current"/> (null: none yet) comes before <paramref name="phase"/> in the funnel's order.</summary>
    private static bool Before(string? current, string phase)
    {
        var order = Phases.All.ToList();
        return current is null || order.IndexOf(current) < order.IndexOf(phase);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static DateTimeOffset Earliest(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x < b ? x : b;

    private static string GoalName(GoalSpec goal) => goal.Name ?? goal.Event;

    /// <param name="Event">The event received (the template's spelling); null on the timer.</param>
    /// <param name="Interrupt">Set when an exit or goal event takes the journey elsewhere.</param>
    private readonly record struct Woke(string? Event, StepOutcome? Interrupt);

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Journey {JourneyId} ignored a repeat of event {EventName} ({EventId}).")]
        public static partial void IgnoredRepeat(ILogger logger, string journeyId, string eventName, string eventId);
    }
}
