using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Simulation;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>
/// A live journey's timeline (<c>GET /api/journeys/{id}/timeline</c>): the entries of a simulation's timeline, rebuilt from the
/// journey's recorded history. <see cref="Complete"/> is false (with <see cref="Problem"/>) when the template version's code no
/// longer fits the history; the entries then stop where it stopped fitting.
/// </summary>
public sealed record JourneyTimelineView(
    string JourneyId, string TemplateId, int TemplateVersion, string DealerTimeZone, string? CustomerTimeZone, bool Complete, string? Problem,
    IReadOnlyList<TimelineEntry> Entries);

/// <summary>What a journey's timeline is rebuilt from: the current execution's history (as the SDK returns it, any engine) and the stored touchpoints.</summary>
public sealed record JourneyRecord
{
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    public string? CustomerTimeZone { get; init; }
    public required IReadOnlyList<HistoryEvent> History { get; init; }
    public required IReadOnlyList<Touchpoint> Touchpoints { get; init; }
    /// <summary>The journey's rendered e-mails (the dev mailbox; empty with a real provider): the subjects.</summary>
    public IReadOnlyList<MailboxMessage> Mail { get; init; } = [];
    /// <summary>The journey's tasks by id: titles and due times.</summary>
    public IReadOnlyDictionary<string, SalesTask> Tasks { get; init; } = new Dictionary<string, SalesTask>();
}

/// <summary>
/// Answers "why was this sent" for a real journey: replays its history through the interpreter (<see cref="HistoryReplayer"/>:
/// nothing runs, nothing is written) with a trace that hears the replayed decisions, so every condition with its inputs, every
/// split arm with its roll, every wait, quiet-hours and frequency-cap deferral is the one the journey made, and places each stored
/// touchpoint where its activity completed (by the touchpoint id in the activity's input, else in order), linked to the event or timer that caused it (<c>data.causeIndex</c>). The current
/// execution only: touchpoints of earlier repeats come first, without their causes.
/// </summary>
public static class JourneyTimeline
{
    public static JourneyTimelineView Build(ITemplateCatalog catalog, IBusinessCalendar calendar, JourneyBudget? budget, JourneyRecord journey)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(calendar);
        ArgumentNullException.ThrowIfNull(journey);
        var started = journey.History.OfType<JourneyStarted>().FirstOrDefault()
            ?? throw new InvalidOperationException($"Journey '{journey.JourneyId}' has no start in its history.");
        var input = JsonData.Deserialize<JourneyInput>(started.Input)
            ?? throw new InvalidOperationException($"Journey '{journey.JourneyId}' has no input.");
        var dealerZone = calendar.TimeZoneOf(journey.DealerId);
        var writer = new JourneyTimelineWriter(started.Timestamp, dealerZone, journey);
        var interpreter = new JourneyInterpreter(catalog, calendar, budget, writer);
        var replay = HistoryReplayer.Replay(interpreter, journey.JourneyId, journey.History, writer.OnRecorded);
        return new JourneyTimelineView(
            journey.JourneyId, input.TemplateId, input.TemplateVersion, dealerZone.Id, journey.CustomerTimeZone, replay.Replayed, replay.Problem, writer.Entries);
    }
}

/// <summary>Writes a live journey's timeline while its history replays: the recorded deliveries, the replayed trace, the stored touchpoints.</summary>
internal sealed class JourneyTimelineWriter(DateTimeOffset start, TimeZoneInfo dealerZone, JourneyRecord journey)
    : TimelineWriter(start, dealerZone, CustomerZone(journey.CustomerTimeZone, dealerZone))
{
    private readonly Dictionary<int, ActivityScheduled> _activities = [];
    private readonly HashSet<string> _placed = new(StringComparer.Ordinal);

    public override bool IncludesReplay => true;

    public void OnRecorded(HistoryEvent recorded)
    {
        At = recorded.Timestamp;
        switch (recorded)
        {
            case JourneyStarted s:
                Started(s);
                break;
            case ExternalEventReceived r:
                Arrived(r);
                break;
            case ActivityScheduled a:
                _activities[a.Sequence] = a;
                break;
            case ActivityCompleted c when _activities.TryGetValue(c.ScheduledSequence, out var scheduled):
                Completed(scheduled, c.Result);
                break;
            case ActivityFailed f when _activities.TryGetValue(f.ScheduledSequence, out var scheduled):
                Add(TimelineKinds.Failed, null, scheduled.Name, "activity-failed", $"{scheduled.Name} failed: {f.Failure.Message}");
                break;
            case JourneySuspended s:
                Add(TimelineKinds.Event, null, "suspended", "suspended", $"suspended by an operator{Reason(s.Reason)}");
                break;
            case JourneyResumed r:
                Add(TimelineKinds.Event, null, "resumed", "resumed", $"resumed by an operator{Reason(r.Reason)}");
                break;
            case JourneyTerminated t:
                Add(TimelineKinds.End, null, "terminated", "terminated", $"terminated by an operator{Reason(t.Reason)}");
                break;
            case JourneyCompleted c:
                var result = JsonData.Deserialize<JourneyResult>(c.Output);
                Add(TimelineKinds.End, result?.LastStep, result?.Reason, "completed", $"the journey ends: {result?.Reason}");
                break;
            case ContinuedAsNew:
                Add(TimelineKinds.Repeat, null, "continued", null, "the journey continues as new (its next repeat)");
                break;
            case JourneyFailed x:
                Add(TimelineKinds.Failed, null, "failed", "failed", x.Failure.Message);
                break;
        }
    }

    private void Started(JourneyStarted s)
    {
        var input = JsonData.Deserialize<JourneyInput>(s.Input);
        // Touchpoints of earlier repeats: their history is gone with their execution, so they come first, without their causes.
        foreach (var earlier in journey.Touchpoints.Where(t => t.OccurredAt < s.Timestamp))
        {
            At = earlier.OccurredAt;
            Place(earlier);
        }

        At = s.Timestamp;
        if (input is { Iteration: > 0 })
        {
            Add(TimelineKinds.Repeat, input.StartAt, input.StartAt, null, $"repeat {input.Iteration}: the journey continues as new at '{input.StartAt}'");
            return;
        }

        var trigger = input?.Trigger;
        var name = trigger?["name"]?.GetValue<string>();
        var eventId = trigger?["eventId"]?.GetValue<string>();
        Add(TimelineKinds.Start, null, name ?? "start", null,
            name is null ? "started through the API" : $"'{name}' ({eventId}) starts the journey",
            new JsonObject { ["eventId"] = eventId, ["data"] = trigger?["data"]?.DeepClone() });
    }

    private void Arrived(ExternalEventReceived r)
    {
        JsonObject? payload = null;
        try
        {
            payload = r.Payload is null ? null : JsonNode.Parse(r.Payload) as JsonObject;
        }
        catch (JsonException)
        {
            // not the host's payload shape: shown without data
        }

        var eventId = payload?["eventId"]?.GetValue<string>() ?? (r.EventId.Length > 0 ? r.EventId : null);
        Add(TimelineKinds.Event, null, r.Name, "not-taken", $"'{r.Name}' ({eventId}) arrives", new JsonObject { ["eventId"] = eventId, ["data"] = payload?["data"]?.DeepClone() });
    }

    private void Completed(ActivityScheduled scheduled, string? output)
    {
        if (scheduled.Name == JourneyNames.SendEmailActivity && JsonData.Deserialize<SendEmailResult>(output) is { Status: EmailStatuses.Retry or EmailStatuses.Deferred } later)
        {
            var request = JsonData.Deserialize<SendEmailRequest>(scheduled.Input);
            Add(TimelineKinds.Email, request?.StepId, request?.Email, later.Status, later.Detail ?? $"{later.Status} until {When(later.RetryAt)}");
            return;
        }

        var key = KeyOf(scheduled.Input);
        if (key is not null)
        {
            foreach (var touchpoint in journey.Touchpoints.Where(t => t.Id == key))
            {
                Place(touchpoint);
            }

            return;
        }

        // A history without activity inputs (DurableTask.AzureStorage returns none): activities complete in order, so this is
        // the earliest touchpoint of the activity's kind not yet placed.
        Func<Touchpoint, bool>? kind = scheduled.Name switch
        {
            JourneyNames.SendEmailActivity => t => t.Channel == "email",
            JourneyNames.CreateTaskActivity => t => t.Channel == "task" && t.Status != Activities.EscalateTaskActivity.Escalated,
            JourneyNames.EscalateTaskActivity => t => t.Channel == "task" && t.Status == Activities.EscalateTaskActivity.Escalated,
            _ => null,
        };
        if (kind is not null && journey.Touchpoints.Where(kind).FirstOrDefault(t => !_placed.Contains(t.Id + "|" + t.Status)) is { } next)
        {
            Place(next);
        }
    }

    private void Place(Touchpoint t)
    {
        if (_placed.Add(t.Id + "|" + t.Status))
        {
            Touchpoint(t, journey.Mail.FirstOrDefault(m => m.Id == t.Id), journey.Tasks.GetValueOrDefault(t.Id));
        }
    }

    /// <summary>The touchpoint id in an activity's input: an e-mail's delivery key, an escalation's idempotency key, a task's id.</summary>
    private static string? KeyOf(string? input)
    {
        if (input is null)
        {
            return null;
        }

        try
        {
            var node = JsonNode.Parse(input) as JsonObject;
            return (node?["deliveryKey"] ?? node?["idempotencyKey"] ?? node?["taskId"]) is JsonValue value && value.TryGetValue<string>(out var key) ? key : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Reason(string? reason) => string.IsNullOrEmpty(reason) ? "" : $": {reason}";
}
