using System.Globalization;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// The journey's model for conditions and Liquid: <c>{customer, data, event, journey}</c>. Received events merge their data
/// into <c>data</c> (shallow) and become <c>event</c>.
/// </summary>
internal sealed class JourneyModel
{
    private JourneyModel(JsonObject root) => Root = root;

    public JsonObject Root { get; }
    public JsonObject Data => Root["data"]!.AsObject();
    public JsonObject Customer => Root["customer"]!.AsObject();

    public static JourneyModel Create(string instanceId, JourneyInput input)
    {
        var root = new JsonObject
        {
            ["customer"] = input.Customer?.DeepClone() ?? new JsonObject(),
            ["data"] = input.Data?.DeepClone() ?? new JsonObject(),
            ["event"] = null,
            ["journey"] = new JsonObject
            {
                ["id"] = instanceId,
                ["templateId"] = input.TemplateId,
                ["templateVersion"] = input.TemplateVersion,
                ["dealerId"] = input.DealerId,
                ["customerId"] = input.CustomerId,
                ["journeyKey"] = input.JourneyKey,
                ["phase"] = input.Phase,
                ["iteration"] = input.Iteration,
            },
        };
        if (input.Iteration == 0 && input.Trigger is { } trigger && trigger["name"] is JsonValue name)
        {
            root["event"] = new JsonObject
            {
                ["name"] = name.DeepClone(),
                ["eventId"] = trigger["eventId"]?.DeepClone(),
                ["data"] = trigger["data"]?.DeepClone() ?? new JsonObject(),
                ["occurredAt"] = trigger["occurredAt"]?.DeepClone(),
            };
        }

        return new JourneyModel(root);
    }

    public static TouchpointCause? TriggerCause(JsonObject? trigger)
    {
        if (trigger?["name"] is not JsonValue name)
        {
            return null;
        }

        return new TouchpointCause("event", name.ToString(), trigger["eventId"]?.ToString(), ParseTime(trigger["occurredAt"]));
    }

    public void SetPhase(string phase) => Root["journey"]!["phase"] = phase;

    /// <summary>A copy for an activity's input.</summary>
    public JsonObject Snapshot() => Root.DeepClone().AsObject();

    /// <summary>Takes in a received event; returns the touchpoint cause it makes.</summary>
    public TouchpointCause Absorb(string name, string eventId, string? payloadJson, DateTimeOffset now)
    {
        var payload = payloadJson is null ? null : JsonNode.Parse(payloadJson);
        JsonObject data;
        DateTimeOffset? occurredAt = null;
        if (payload is JsonObject obj && obj["data"] is JsonObject inner)
        {
            data = inner;
            occurredAt = ParseTime(obj["occurredAt"]);
            if (obj["customer"] is JsonObject customer)
            {
                Merge(Customer, customer);
            }
        }
        else
        {
            data = payload as JsonObject ?? [];
        }

        Merge(Data, data);
        var at = occurredAt ?? now;
        Root["event"] = new JsonObject
        {
            ["name"] = name,
            ["eventId"] = eventId,
            ["data"] = data.DeepClone(),
            ["occurredAt"] = at.ToString("O", CultureInfo.InvariantCulture),
        };
        return new TouchpointCause("event", name, eventId, at);
    }

    private static void Merge(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            target[key] = value?.DeepClone();
        }
    }

    private static DateTimeOffset? ParseTime(JsonNode? node) =>
        node is JsonValue v && DateTimeOffset.TryParse(v.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
}
