using Dtfx = DurableTask.Core.History;
using DtfxFailure = DurableTask.Core.FailureDetails;
using DtfxStatus = DurableTask.Core.OrchestrationStatus;

namespace JourneyOrchestrator.Core.History;

/// <summary>
/// Translates between this runtime's history (<see cref="HistoryEvent"/>, the API's and the docs' format:
/// <c>docs/history-events.md</c>) and DurableTask.Core's (what the SDK's <c>DurableTaskClient.GetOrchestrationHistoryAsync</c>
/// returns on every engine). The API reads every engine's history through the SDK and shows it in one format.
/// </summary>
/// <remarks>
/// Lossy in two places, both documented: DurableTask.Core has no event for a cancelled timer (a cancelled timer simply never
/// fires there), so <see cref="TimerCancelled"/> is not translated; and an external event's id (the dealer's <c>eventId</c>)
/// is inside its payload there, so <see cref="ExternalEventReceived.EventId"/> comes back empty.
/// </remarks>
public static class DurableTaskHistory
{
    /// <summary>DurableTask.Core's events as this runtime's; events with no counterpart (e.g. orchestrator-completed markers) are left out.</summary>
    public static IReadOnlyList<HistoryEvent> FromDurableTask(IEnumerable<Dtfx.HistoryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var result = new List<HistoryEvent>();
        foreach (var e in events)
        {
            var at = new DateTimeOffset(DateTime.SpecifyKind(e.Timestamp, DateTimeKind.Utc));
            HistoryEvent? mapped = e switch
            {
                Dtfx.ExecutionStartedEvent s => new JourneyStarted
                {
                    Timestamp = at, Name = s.Name ?? "", Version = string.IsNullOrEmpty(s.Version) ? null : s.Version,
                    ExecutionId = s.OrchestrationInstance?.ExecutionId ?? "", Input = s.Input,
                },
                Dtfx.OrchestratorStartedEvent => new EpisodeStarted { Timestamp = at },
                Dtfx.EventRaisedEvent r => new ExternalEventReceived { Timestamp = at, Name = r.Name ?? "", EventId = "", Payload = r.Input },
                Dtfx.TimerCreatedEvent t => new TimerScheduled { Timestamp = at, Sequence = t.EventId, FireAt = Utc(t.FireAt) },
                Dtfx.TimerFiredEvent f => new TimerFired { Timestamp = at, TimerSequence = f.TimerId, FireAt = Utc(f.FireAt) },
                Dtfx.TaskScheduledEvent a => new ActivityScheduled { Timestamp = at, Sequence = a.EventId, Name = a.Name ?? "", Input = a.Input },
                Dtfx.TaskCompletedEvent c => new ActivityCompleted { Timestamp = at, ScheduledSequence = c.TaskScheduledId, Result = c.Result },
                Dtfx.TaskFailedEvent x => new ActivityFailed { Timestamp = at, ScheduledSequence = x.TaskScheduledId, Failure = Failure(x.FailureDetails, x.Reason, x.Details) },
                Dtfx.ContinueAsNewEvent n => new ContinuedAsNew { Timestamp = at, Input = n.Result },
                Dtfx.ExecutionCompletedEvent { OrchestrationStatus: DtfxStatus.ContinuedAsNew } n => new ContinuedAsNew { Timestamp = at, Input = n.Result },
                Dtfx.ExecutionCompletedEvent { OrchestrationStatus: DtfxStatus.Failed } x => new JourneyFailed { Timestamp = at, Failure = Failure(x.FailureDetails, null, x.Result) },
                Dtfx.ExecutionCompletedEvent { OrchestrationStatus: DtfxStatus.Terminated } x => new JourneyTerminated { Timestamp = at, Reason = x.Result },
                Dtfx.ExecutionCompletedEvent c => new JourneyCompleted { Timestamp = at, Output = c.Result },
                Dtfx.ExecutionTerminatedEvent x => new JourneyTerminated { Timestamp = at, Reason = x.Input },
                Dtfx.ExecutionSuspendedEvent s => new JourneySuspended { Timestamp = at, Reason = s.Reason },
                Dtfx.ExecutionResumedEvent r => new JourneyResumed { Timestamp = at, Reason = r.Reason },
                _ => null,
            };
            if (mapped is not null)
            {
                result.Add(mapped);
            }
        }

        return result;
    }

    /// <summary>This runtime's events as DurableTask.Core's (what <c>EmbeddedDurableTaskClient.GetOrchestrationHistoryAsync</c> returns).</summary>
    public static IList<Dtfx.HistoryEvent> ToDurableTask(IEnumerable<HistoryEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var result = new List<Dtfx.HistoryEvent>();
        foreach (var e in events)
        {
            Dtfx.HistoryEvent? mapped = e switch
            {
                JourneyStarted s => new Dtfx.ExecutionStartedEvent(-1, s.Input)
                {
                    Name = s.Name, Version = s.Version ?? "",
                    OrchestrationInstance = new DurableTask.Core.OrchestrationInstance { ExecutionId = s.ExecutionId },
                },
                EpisodeStarted => new Dtfx.OrchestratorStartedEvent(-1),
                ExternalEventReceived r => new Dtfx.EventRaisedEvent(-1, r.Payload) { Name = r.Name },
                TimerScheduled t => new Dtfx.TimerCreatedEvent(t.Sequence, t.FireAt.UtcDateTime),
                TimerFired f => new Dtfx.TimerFiredEvent(-1, f.FireAt.UtcDateTime) { TimerId = f.TimerSequence },
                ActivityScheduled a => new Dtfx.TaskScheduledEvent(a.Sequence, a.Name, null, a.Input),
                ActivityCompleted c => new Dtfx.TaskCompletedEvent(-1, c.ScheduledSequence, c.Result),
                ActivityFailed x => new Dtfx.TaskFailedEvent(-1, x.ScheduledSequence, x.Failure.Message, null, ToDurableTask(x.Failure)),
                ContinuedAsNew n => new Dtfx.ExecutionCompletedEvent(-1, n.Input, DtfxStatus.ContinuedAsNew, null),
                JourneyCompleted c => new Dtfx.ExecutionCompletedEvent(-1, c.Output, DtfxStatus.Completed, null),
                JourneyFailed x => new Dtfx.ExecutionCompletedEvent(-1, null, DtfxStatus.Failed, ToDurableTask(x.Failure)),
                JourneyTerminated x => new Dtfx.ExecutionTerminatedEvent(-1, x.Reason),
                JourneySuspended s => new Dtfx.ExecutionSuspendedEvent(-1, s.Reason),
                JourneyResumed r => new Dtfx.ExecutionResumedEvent(-1, r.Reason),
                _ => null, // TimerCancelled: DurableTask.Core records none
            };
            if (mapped is not null)
            {
                mapped.Timestamp = e.Timestamp.UtcDateTime;
                result.Add(mapped);
            }
        }

        return result;
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static FailureDetails Failure(DtfxFailure? details, string? reason, string? text) =>
        details is not null
            ? new FailureDetails(details.ErrorType ?? "Error", details.ErrorMessage ?? "", details.StackTrace)
            : new FailureDetails("Error", reason ?? text ?? "");

    private static DtfxFailure ToDurableTask(FailureDetails failure) => new(failure.ErrorType, failure.Message, failure.StackTrace, null, false);
}
