using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Simulation;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>
/// Writes a simulation's timeline from what the runner saw (events, activities, executions) and what the interpreter decided
/// (its trace), in the order it happened. Touchpoints are read from the in-memory store after each activity, with the
/// subject of the rendered e-mail and the due time of the task.
/// </summary>
internal sealed class TimelineRecorder(Scenario scenario, TimeZoneInfo dealerZone, InMemoryJourneyDataStore store) : IJourneyTrace, IVirtualRunObserver
{
    private readonly List<TimelineEntry> _entries = [];
    private readonly TimeZoneInfo? _customerZone = CustomerZone(scenario.Customer.TimeZone, dealerZone);
    private int _touchpointsSeen;
    private DateTimeOffset _now = scenario.Start;

    public Scenario Scenario => scenario;

    public IReadOnlyList<TimelineEntry> Entries => _entries;

    public void Started(ScenarioEvent first)
    {
        _now = first.At;
        Add(TimelineKinds.Start, null, first.Name, null, $"'{first.Name}' ({first.EventId}) starts the journey", new JsonObject { ["eventId"] = first.EventId, ["data"] = first.Data.DeepClone() });
    }

    public void Record(JourneyTraceEntry entry)
    {
        _now = entry.At;
        var d = entry.Details;
        switch (entry.Kind)
        {
            case TraceKinds.Step:
                Add(TimelineKinds.Step, entry.StepId, entry.Name, null, null);
                break;
            case TraceKinds.Decision when d is not null && d.ContainsKey("roll"):
                Add(TimelineKinds.Decision, entry.StepId, entry.Name, null, $"split: arm '{d["arm"]}' (roll {d["roll"]} of {d["of"]}, weight {d["weight"]})", d.DeepClone().AsObject());
                break;
            case TraceKinds.Decision:
                Add(TimelineKinds.Decision, entry.StepId, entry.Name, null, $"condition is {Text(d?["result"])} with {Inputs(d?["inputs"])}: go to '{entry.Name}'", d?.DeepClone().AsObject());
                break;
            case TraceKinds.Wait:
                var until = d?["until"]?.GetValue<DateTimeOffset>();
                var events = d?["events"] is JsonArray list ? string.Join(", ", list.Select(e => e!.GetValue<string>())) : null;
                var why = d?["why"]?.GetValue<string>();
                Add(TimelineKinds.Wait, entry.StepId, entry.Name, null,
                    why is not null ? $"{why} until {When(until)}" :
                    events is { Length: > 0 } ? $"waits for {events}{(until is null ? "" : $" until {When(until)}")}" : until is null ? "waits for an exit or goal event" : $"waits until {When(until)}",
                    new JsonObject { ["until"] = until, ["events"] = d?["events"]?.DeepClone(), ["alsoListens"] = d?["alsoListens"]?.DeepClone() });
                break;
            case TraceKinds.Timeout:
                Add(TimelineKinds.Timeout, entry.StepId, null, null, "the wait's time came");
                break;
            case TraceKinds.Event or TraceKinds.Repeat or TraceKinds.Held:
                MarkEvent(d?["eventId"]?.GetValue<string>(), entry.Kind switch { TraceKinds.Event => "taken", TraceKinds.Repeat => "ignored-repeat", _ => "held" }, entry.StepId);
                break;
            case TraceKinds.Phase:
                Add(TimelineKinds.Phase, entry.StepId, entry.Name, null, $"phase {d?["from"]?.GetValue<string>() ?? "(none)"} → {entry.Name}");
                break;
            case TraceKinds.Goal:
                Add(TimelineKinds.Goal, entry.StepId, entry.Name, null, $"goal '{entry.Name}' reached");
                break;
            case TraceKinds.End when entry.Name == "continued":
                break; // the repeat's entry says it (ExecutionStarted)
            case TraceKinds.End:
                break; // written by Finish, with the runner's outcome
        }
    }

    /// <summary>A scenario event arrives (called when its time comes, before the journey gets it).</summary>
    public void Arrived(ScenarioEvent e, string name, string? detail = null)
    {
        Add(TimelineKinds.Event, null, name, "not-taken", detail ?? $"'{name}' ({e.EventId}) arrives", new JsonObject { ["eventId"] = e.EventId, ["path"] = e.Path, ["data"] = e.Data.DeepClone() });
    }

    public void Completion(ScenarioEvent e, SalesTask? completed, string? problem)
    {
        _now = e.At;
        if (completed is null)
        {
            Add(TimelineKinds.Completion, null, e.Complete, "nothing-open", $"complete '{e.Complete}': {problem}", new JsonObject { ["path"] = e.Path });
            return;
        }

        Add(TimelineKinds.Completion, completed.StepId, completed.Type, e.Outcome, $"task '{completed.Type}' completed ({e.Outcome})", new JsonObject { ["taskId"] = completed.Id, ["path"] = e.Path });
        Arrived(e, completed.OnCompleteEvent ?? JourneyNames.TaskCompletedEvent);
    }

    public void ExecutionStarted(DateTimeOffset at, int execution, string? input)
    {
        _now = at;
        if (execution > 0)
        {
            var next = JsonData.Deserialize<JourneyInput>(input);
            Add(TimelineKinds.Repeat, next?.StartAt, next?.StartAt, null, $"repeat {execution}: the journey continues as new at '{next?.StartAt}'");
        }
    }

    public void EventDelivered(DateTimeOffset at, ScheduledEvent delivered)
    {
        _now = at;
        if (delivered.Payload is JourneyEventPayload && !_entries.Any(e => e.Kind == TimelineKinds.Event && EventIdOf(e) == delivered.EventId && e.At == at))
        {
            var source = scenario.Events.First(s => s.EventId == delivered.EventId && s.At == at);
            Arrived(source, delivered.Name);
        }
    }

    public void EventAfterEnd(DateTimeOffset at, ScheduledEvent dropped)
    {
        _now = at;
        var e = (ScenarioEvent)dropped.Payload!;
        Add(TimelineKinds.Event, null, e.Name ?? e.Complete, "after-end", "arrives after the journey ended (the API answers 410 Gone)", new JsonObject { ["eventId"] = e.EventId, ["path"] = e.Path });
    }

    public void ActivityRan(DateTimeOffset at, string name, int attempt, string? input, string? output, FailureDetails? failure)
    {
        _now = at;
        if (name == JourneyNames.SendEmailActivity && JsonData.Deserialize<SendEmailResult>(output) is { Status: EmailStatuses.Retry or EmailStatuses.Deferred } later)
        {
            var request = JsonData.Deserialize<SendEmailRequest>(input)!;
            Add(TimelineKinds.Email, request.StepId, request.Email, later.Status, later.Detail ?? $"{later.Status} until {When(later.RetryAt)}");
        }

        if (failure is not null)
        {
            Add(TimelineKinds.Failed, null, name, "activity-failed", $"{name} attempt {attempt} failed: {failure.Message}");
        }

        var touchpoints = store.Touchpoints;
        for (; _touchpointsSeen < touchpoints.Count; _touchpointsSeen++)
        {
            Touchpoint(touchpoints[_touchpointsSeen]);
        }
    }

    private void Touchpoint(Touchpoint t)
    {
        var data = new JsonObject { ["touchpointId"] = t.Id, ["cause"] = JsonSerializer.SerializeToNode(t.Cause, JsonData.Options) };
        string detail;
        if (t.Channel == "email")
        {
            var mail = store.Mail.FirstOrDefault(m => m.Id == t.Id);
            if (mail is not null)
            {
                data["subject"] = mail.Subject;
                data["to"] = mail.To;
            }

            detail = mail is not null ? $"\"{mail.Subject}\"" : t.Detail ?? t.Status;
        }
        else
        {
            var task = store.Tasks.FirstOrDefault(x => x.Id == t.Id);
            if (task is not null)
            {
                data["title"] = task.Title;
                data["dueAt"] = task.DueAt;
            }

            detail = task is not null && t.Status == "created" ? $"\"{task.Title}\", due {When(task.DueAt)}" : t.Detail ?? t.Status;
        }

        Add(t.Channel == "email" ? TimelineKinds.Email : TimelineKinds.Task, t.StepId, t.Name, t.Status, $"{detail} — because {Because(t.Cause)}", data);
    }

    public void Finish(DateTimeOffset at, string outcome, string? reason, string? failure)
    {
        _now = at;
        foreach (var (entry, index) in _entries.Select((e, i) => (e, i)).Where(x => x.e is { Kind: TimelineKinds.Event, Status: "not-taken" }).ToList())
        {
            _entries[index] = entry with { Detail = entry.Detail + ": no wait took it (not waited for where the journey was)" };
        }

        switch (outcome)
        {
            case SimulationOutcomes.Completed:
                Add(TimelineKinds.End, null, reason, outcome, $"the journey ends: {reason}");
                break;
            case SimulationOutcomes.Running:
                Add(TimelineKinds.End, null, "running", outcome, "the horizon: the journey is still running");
                break;
            default:
                Add(TimelineKinds.Failed, null, outcome, outcome, failure);
                break;
        }
    }

    /// <summary>A failure in words, with the step ids of a loop when the journey ran in circles.</summary>
    public string Explain(FailureDetails failure)
    {
        var message = failure.Message;
        return failure.ErrorType.EndsWith(nameof(JourneyLoopException), StringComparison.Ordinal) ? $"{message} The loop: {LastSteps()}." : message;
    }

    /// <summary>The steps since the last wait, each once, in order.</summary>
    public string LastSteps()
    {
        var lastWait = _entries.FindLastIndex(e => e.Kind is TimelineKinds.Wait);
        var steps = _entries.Skip(lastWait + 1).Where(e => e.Kind == TimelineKinds.Step).Select(e => e.Step!).Distinct(StringComparer.Ordinal).Take(20);
        return string.Join(" → ", steps);
    }

    private void MarkEvent(string? eventId, string status, string? step)
    {
        var index = _entries.FindLastIndex(e => e.Kind == TimelineKinds.Event && EventIdOf(e) == eventId);
        if (index >= 0)
        {
            var e = _entries[index];
            _entries[index] = e with { Status = status, Step = step, Detail = $"'{e.Name}' ({eventId}) arrives: {status} at '{step}'" };
        }
    }

    private static string? EventIdOf(TimelineEntry e) => e.Data?["eventId"]?.GetValue<string>();

    private string Because(TouchpointCause cause) => cause.Kind switch
    {
        "event" => $"event '{cause.Name}' ({cause.EventId})",
        "timer" => $"the timer of '{cause.Name}' at {When(cause.At)}",
        "repeat" => $"the repeat to '{cause.Name}'",
        "escalation" => $"the escalation of '{cause.Name}'",
        _ => cause.Kind,
    };

    private string When(DateTimeOffset? at) => at is { } t ? Timeline.Elapsed(scenario.Start, t) : "(never)";

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static string Inputs(JsonNode? inputs) =>
        inputs is JsonObject o && o.Count > 0 ? string.Join(", ", o.Select(p => $"{p.Key} = {p.Value?.ToJsonString() ?? "(missing)"}")) : "no inputs";

    private void Add(string kind, string? step, string? name, string? status, string? detail, JsonObject? data = null)
    {
        if (_entries.Count >= JourneySimulator.MaxTimelineEntries)
        {
            throw new SimulationLimitException($"The timeline reached {JourneySimulator.MaxTimelineEntries:N0} entries (the limit of one simulation); shorten the horizon.");
        }

        _entries.Add(new TimelineEntry
        {
            Index = _entries.Count,
            At = _now,
            Elapsed = Timeline.Elapsed(scenario.Start, _now),
            Local = Timeline.Local(_now, dealerZone),
            CustomerLocal = _customerZone is null ? null : Timeline.Local(_now, _customerZone),
            Kind = kind,
            Step = step,
            Name = name,
            Status = status,
            Detail = detail,
            Data = data,
        });
    }

    private static TimeZoneInfo? CustomerZone(string? id, TimeZoneInfo dealer) =>
        id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.Id != dealer.Id ? zone : null;
}

/// <summary>A simulation hit one of its limits (<see cref="JourneySimulator.MaxTimelineEntries"/>).</summary>
public sealed class SimulationLimitException(string message) : Exception(message);
