using System.Text.Json;
using System.Text.Json.Serialization;

namespace JourneyOrchestrator.Core.History;

/// <summary>The one JSON shape for history events in storage and in the API (camelCase, "type" discriminator).</summary>
public static class HistoryJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    public static string Serialize(HistoryEvent historyEvent) => JsonSerializer.Serialize(historyEvent, Options);

    /// <exception cref="JsonException">The text is not a known history event.</exception>
    public static HistoryEvent Deserialize(string json) =>
        JsonSerializer.Deserialize<HistoryEvent>(json, Options) ?? throw new JsonException("A history event was null.");

    public static string Serialize(FailureDetails failure) => JsonSerializer.Serialize(failure, Options);

    public static FailureDetails? DeserializeFailure(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<FailureDetails>(json, Options);
}
