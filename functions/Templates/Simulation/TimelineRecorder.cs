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
internal sealed class TimelineRecorder(Scenario scenario, TimeZoneInfo dealerZone, InMemoryJourneyDataStore store)
    : TimelineWriter(scenario.Start, dealerZone, CustomerZone(scenario.Customer.TimeZone, dealerZone)), IVirtualRunObserver
{
    private int _touchpointsSeen;

    public Scenario Scenario => scenario;

    public void Started(ScenarioEvent first)
    {
        At = first.At;
        Add(TimelineKinds.Start, null, first.Name, null, $"'{first.Name}' ({first.EventId}) starts the journey", new JsonObject { ["eventId"] = first.EventId, ["data"] = first.Data.DeepClone() });
    }

    /// <summary>A scenario event arrives (called when its time comes, before the journey gets it).</summary>
    public void Arrived(ScenarioEvent e, string name, string? detail = null)
    {
        Add(TimelineKinds.Event, null, name, "not-taken", detail ?? $"'{name}' ({e.EventId}) arrives", new JsonObject { ["eventId"] = e.EventId, ["path"] = e.Path, ["data"] = e.Data.DeepClone() });
    }

    public void Completion(ScenarioEvent e, SalesTask? completed, string? problem)
    {
        At = e.At;
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
        At = at;
        if (execution > 0)
        {
            var next = JsonData.Deserialize<JourneyInput>(input);
            Add(TimelineKinds.Repeat, next?.StartAt, next?.StartAt, null, $"repeat {execution}: the journey continues as new at '{next?.StartAt}'");
        }
    }

    public void EventDelivered(DateTimeOffset at, ScheduledEvent delivered)
    {
        At = at;
        if (delivered.Payload is JourneyEventPayload && !Written.Any(e => e.Kind == TimelineKinds.Event && EventIdOf(e) == delivered.EventId && e.At == at))
        {
            var source = scenario.Events.First(s => s.EventId == delivered.EventId && s.At == at);
            Arrived(source, delivered.Name);
        }
    }

    public void EventAfterEnd(DateTimeOffset at, ScheduledEvent dropped)
    {
        At = at;
        var e = (ScenarioEvent)dropped.Payload!;
        Add(TimelineKinds.Event, null, e.Name ?? e.Complete, "after-end", "arrives after the journey ended (the API answers 410 Gone)", new JsonObject { ["eventId"] = e.EventId, ["path"] = e.Path });
    }

    public void ActivityRan(DateTimeOffset at, string name, int attempt, string? input, string? output, FailureDetails? failure)
    {
        At = at;
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
            var t = touchpoints[_touchpointsSeen];
            Touchpoint(t, store.Mail.FirstOrDefault(m => m.Id == t.Id), store.Tasks.FirstOrDefault(x => x.Id == t.Id));
        }
    }

    public void Finish(DateTimeOffset at, string outcome, string? reason, string? failure)
    {
        At = at;
        foreach (var (entry, index) in Written.Select((e, i) => (e, i)).Where(x => x.e is { Kind: TimelineKinds.Event, Status: "not-taken" }).ToList())
        {
            Written[index] = entry with { Detail = entry.Detail + ": no wait took it (not waited for where the journey was)" };
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
        var lastWait = Written.FindLastIndex(e => e.Kind is TimelineKinds.Wait);
        var steps = Written.Skip(lastWait + 1).Where(e => e.Kind == TimelineKinds.Step).Select(e => e.Step!).Distinct(StringComparer.Ordinal).Take(20);
        return string.Join(" → ", steps);
    }
}

/// <summary>A simulation hit one of its limits (<see cref="JourneySimulator.MaxTimelineEntries"/>).</summary>
public sealed class SimulationLimitException(string message) : Exception(message);
