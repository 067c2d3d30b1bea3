using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Simulation;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>
/// <c>GET /api/journeys/{id}/timeline</c>: why a journey did what it did (<see cref="JourneyTimeline"/>), from its recorded
/// history and stored touchpoints, on any engine. Bounded: at most <see cref="MaxHistoryEvents"/> history events and
/// <see cref="MaxTouchpoints"/> touchpoints (422 naming the limit past them).
/// </summary>
public sealed class JourneyTimelines(JourneyLookup lookup, IJourneyDataStore data, ITemplateCatalog catalog, IBusinessCalendar calendar, JourneyBudget budget)
{
    /// <summary>History events of the current execution one timeline replays at most.</summary>
    public const int MaxHistoryEvents = 20_000;

    /// <summary>Touchpoints one timeline shows at most.</summary>
    public const int MaxTouchpoints = 5_000;

    public async Task<JourneyTimelineView> GetAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        var journey = await lookup.LoadAsync(id, caller, cancellationToken);
        var entry = journey.Entry;
        var history = DurableTaskHistory.FromDurableTask(await lookup.Client.GetOrchestrationHistoryAsync(id, cancellationToken));
        if (history.Count > MaxHistoryEvents)
        {
            throw ApiProblemException.Limit("MaxTimelineHistoryEvents", MaxHistoryEvents, history.Count, "$",
                $"The journey's current execution has {history.Count:N0} history events; a timeline replays at most {MaxHistoryEvents:N0}.");
        }

        var touchpoints = await data.ListTouchpointsAsync(id, cancellationToken);
        if (touchpoints.Count > MaxTouchpoints)
        {
            throw ApiProblemException.Limit("MaxTimelineTouchpoints", MaxTouchpoints, touchpoints.Count, "$",
                $"The journey has {touchpoints.Count:N0} touchpoints; a timeline shows at most {MaxTouchpoints:N0}.");
        }

        var tasks = new Dictionary<string, SalesTask>(StringComparer.Ordinal);
        foreach (var taskId in touchpoints.Where(t => t.Channel == "task").Select(t => t.Id).Distinct(StringComparer.Ordinal))
        {
            if (await data.GetTaskAsync(taskId, cancellationToken) is { } task)
            {
                tasks[taskId] = task;
            }
        }

        var mail = await data.ListMailAsync(null, id, MaxTouchpoints, cancellationToken);
        var customer = await data.GetCustomerAsync(entry.DealerId, entry.CustomerId, cancellationToken);
        return JourneyTimeline.Build(catalog, calendar, budget, new JourneyRecord
        {
            JourneyId = id,
            DealerId = entry.DealerId,
            CustomerTimeZone = customer?.TimeZone,
            History = history,
            Touchpoints = touchpoints,
            Mail = mail,
            Tasks = tasks,
        });
    }
}
