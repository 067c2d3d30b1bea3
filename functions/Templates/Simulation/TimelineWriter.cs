using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Simulation;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>
/// Writes a timeline (<see cref="TimelineEntry"/>) from the interpreter's trace and the touchpoints, in the order things happened:
/// the simulator's (<see cref="TimelineRecorder"/>) and a live journey's (<see cref="JourneyTimelineWriter"/>) are the same
/// entries, so the console and the CLI show both alike. Times are UTC, after <paramref name="start"/>, and in the dealer's and the
/// customer's zones. At most <see cref="MaxEntries"/> entries (<see cref="SimulationLimitException"/> past it).
/// </summary>
internal abstract class TimelineWriter(DateTimeOffset start, TimeZoneInfo dealerZone, TimeZoneInfo? customerZone) : IJourneyTrace
{
    /// <summary>Entries of one timeline at most.</summary>
    public const int MaxEntries = JourneySimulator.MaxTimelineEntries;

    public IReadOnlyList<TimelineEntry> Entries => Written;

    public virtual bool IncludesReplay => false;

    /// <summary>The entries so far (derived writers mark and amend them).</summary>
    protected List<TimelineEntry> Written { get; } = [];

    /// <summary>The time of the next entry.</summary>
    protected DateTimeOffset At { get; set; } = start;

    /// <summary>What <see cref="TimelineEntry.Elapsed"/> counts from.</summary>
    protected DateTimeOffset Start { get; } = start;

    public void Record(JourneyTraceEntry entry)
    {
        At = entry.At;
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

    /// <summary>A touchpoint's entry: what was sent or created, and why (<c>data.cause</c>, and <c>data.causeIndex</c>: the entry of that cause).</summary>
    protected void Touchpoint(Touchpoint t, MailboxMessage? mail, SalesTask? task)
    {
        var data = new JsonObject { ["touchpointId"] = t.Id, ["cause"] = JsonSerializer.SerializeToNode(t.Cause, JsonData.Options) };
        if (CauseIndex(t.Cause) is { } causeIndex)
        {
            data["causeIndex"] = causeIndex;
        }

        string detail;
        if (t.Channel == "email")
        {
            if (mail is not null)
            {
                data["subject"] = mail.Subject;
                data["to"] = mail.To;
            }

            detail = mail is not null ? $"\"{mail.Subject}\"" : t.Detail ?? t.Status;
        }
        else
        {
            if (task is not null)
            {
                data["title"] = task.Title;
                data["dueAt"] = task.DueAt;
            }

            detail = task is not null && t.Status == "created" ? $"\"{task.Title}\", due {When(task.DueAt)}" : t.Detail ?? t.Status;
        }

        Add(t.Channel == "email" ? TimelineKinds.Email : TimelineKinds.Task, t.StepId, t.Name, t.Status, $"{detail} — because {Because(t.Cause)}", data);
    }

    /// <summary>The index of the entry of a touchpoint's cause: the event (or start) with its id, the wait's time, the repeat.</summary>
    private int? CauseIndex(TouchpointCause cause)
    {
        var index = cause.Kind switch
        {
            "event" => Written.FindLastIndex(e => e.Kind is TimelineKinds.Event or TimelineKinds.Start && EventIdOf(e) == cause.EventId),
            "timer" => Written.FindLastIndex(e => e.Kind == TimelineKinds.Timeout && e.Step == cause.Name),
            "repeat" => Written.FindLastIndex(e => e.Kind == TimelineKinds.Repeat),
            "start" => Written.FindIndex(e => e.Kind == TimelineKinds.Start),
            _ => -1,
        };
        return index < 0 ? null : index;
    }

    protected void MarkEvent(string? eventId, string status, string? step)
    {
        var index = Written.FindLastIndex(e => e.Kind == TimelineKinds.Event && EventIdOf(e) == eventId);
        if (index >= 0)
        {
            var e = Written[index];
            Written[index] = e with { Status = status, Step = step, Detail = $"'{e.Name}' ({eventId}) arrives: {status} at '{step}'" };
        }
    }

    protected static string? EventIdOf(TimelineEntry e) => e.Data?["eventId"]?.GetValue<string>();

    protected string Because(TouchpointCause cause) => cause.Kind switch
    {
        "event" => $"event '{cause.Name}' ({cause.EventId})",
        "timer" => $"the timer of '{cause.Name}' at {When(cause.At)}",
        "repeat" => $"the repeat to '{cause.Name}'",
        "escalation" => $"the escalation of '{cause.Name}'",
        _ => cause.Kind,
    };

    protected string When(DateTimeOffset? at) => at is { } t ? Timeline.Elapsed(Start, t) : "(never)";

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    private static string Inputs(JsonNode? inputs) =>
        inputs is JsonObject o && o.Count > 0 ? string.Join(", ", o.Select(p => $"{p.Key} = {p.Value?.ToJsonString() ?? "(missing)"}")) : "no inputs";

    protected void Add(string kind, string? step, string? name, string? status, string? detail, JsonObject? data = null)
    {
        if (Written.Count >= MaxEntries)
        {
            throw new SimulationLimitException($"The timeline reached {MaxEntries:N0} entries (the limit of one simulation); shorten the horizon.");
        }

        Written.Add(new TimelineEntry
        {
            Index = Written.Count,
            At = At,
            Elapsed = Timeline.Elapsed(Start, At),
            Local = Timeline.Local(At, dealerZone),
            CustomerLocal = customerZone is null ? null : Timeline.Local(At, customerZone),
            Kind = kind,
            Step = step,
            Name = name,
            Status = status,
            Detail = detail,
            Data = data,
        });
    }

    protected static TimeZoneInfo? CustomerZone(string? id, TimeZoneInfo dealer) =>
        id is not null && TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.Id != dealer.Id ? zone : null;
}
