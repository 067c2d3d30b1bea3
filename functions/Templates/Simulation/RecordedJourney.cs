using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>
/// A real journey's events as a scenario, to replay them into a draft template: read from the journey's detail with its
/// history (<c>GET /api/journeys/{id}?history=true</c>, or that document saved to a file). The entry event is the journey's
/// trigger, the others are the events its current execution received, at the times it received them; the customer is the
/// snapshot it started with. The history is the current execution's: a journey that repeated (a yearly service) shows the
/// events since its last repeat.
/// </summary>
public static class RecordedJourney
{
    /// <summary>Reads <paramref name="detail"/> into a scenario for <paramref name="template"/>, simulated until <paramref name="after"/> past the last event.</summary>
    /// <exception cref="FormatException">The document is not a journey detail with its history.</exception>
    public static Scenario ToScenario(JsonNode detail, JourneyTemplate template, IsoDuration after)
    {
        ArgumentNullException.ThrowIfNull(detail);
        ArgumentNullException.ThrowIfNull(template);
        try
        {
            return Read(detail, template, after);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
        {
            // a value of the wrong kind (an object for a text, text that is not JSON or not an instant)
            throw new FormatException($"The document is not a journey detail with its history: {e.Message}", e);
        }
    }

    private static Scenario Read(JsonNode detail, JourneyTemplate template, IsoDuration after)
    {
        if (detail is not JsonObject)
        {
            throw new FormatException("The document is not a journey detail with its history: it is not a JSON object.");
        }

        if (detail["history"] is not JsonArray history)
        {
            throw new FormatException("The document has no 'history': read the journey with ?history=true (journey inspect <id> --history --json).");
        }

        // The history as the API wrote it (HistoryJson); an element that is not a history event is a JsonException.
        var recorded = history.Select(e => e.Deserialize<HistoryEvent>(HistoryJson.Options)).ToList();
        var started = recorded.OfType<JourneyStarted>().FirstOrDefault()
            ?? throw new FormatException("The history has no JourneyStarted event.");
        var input = JsonData.Deserialize<JourneyInput>(started.Input)
            ?? throw new FormatException("The journey's JourneyStarted event has no input.");
        var events = new List<ScenarioEvent>();
        var trigger = input.Trigger;
        events.Add(new ScenarioEvent
        {
            Path = "history[trigger]",
            At = started.Timestamp,
            Name = trigger?["name"]?.GetValue<string>() ?? template.Entry?.Events.FirstOrDefault() ?? "journey.started",
            EventId = trigger?["eventId"]?.GetValue<string>() ?? "trigger",
            Data = (trigger?["data"] as JsonObject)?.DeepClone().AsObject() ?? input.Data?.DeepClone().AsObject() ?? [],
        });

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < recorded.Count; i++)
        {
            if (recorded[i] is not ExternalEventReceived e || e.Name.Length == 0 || string.Equals(e.Name, JourneyNames.MigrateEvent, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var payload = e.Payload is { } text ? JsonNode.Parse(text) : null;
            var data = payload?["data"] as JsonObject ?? (payload is JsonObject o && o["eventId"] is null ? o : null);
            var eventId = payload?["eventId"]?.GetValue<string>() ?? (e.EventId.Length > 0 ? e.EventId : $"h{i}");
            names.Add(e.Name);
            events.Add(new ScenarioEvent { Path = $"history[{i}]", At = e.Timestamp, Name = e.Name, EventId = eventId, Data = data?.DeepClone().AsObject() ?? [] });
        }

        var customer = input.Customer is { } snapshot ? snapshot.Deserialize<CustomerProfile>(JsonData.Options) : null;
        var last = events.Max(e => e.At);
        return new Scenario
        {
            Name = $"replay of {detail["id"]?.GetValue<string>() ?? "a journey"}",
            TemplateId = template.Id,
            Start = started.Timestamp,
            Horizon = after.AddTo(last),
            Seed = detail["id"]?.GetValue<string>() ?? "replay",
            DealerId = input.DealerId,
            Hours = new BusinessHoursOptions(),
            Customer = customer ?? new CustomerProfile { Id = input.CustomerId, DealerId = input.DealerId, Email = "customer@example.com", Consent = new ConsentSettings { Email = true } },
            Declared = [.. names],
            Events = events,
        };
    }
}
