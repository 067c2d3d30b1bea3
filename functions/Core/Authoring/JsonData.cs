using System.Text.Json;

namespace JourneyOrchestrator.Core.Authoring;

/// <summary>How inputs, outputs, payloads and custom status are (de)serialised: System.Text.Json, web defaults.</summary>
public static class JsonData
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    public static string? Serialize(object? value) => value switch
    {
        null => null,
        JsonElement { ValueKind: JsonValueKind.Undefined } => null,
        _ => JsonSerializer.Serialize(value, value.GetType(), Options),
    };

    public static T? Deserialize<T>(string? json)
    {
        if (json is null)
        {
            return default;
        }

        if (typeof(T) == typeof(string) && json.Length > 0 && json[0] != '"')
        {
            // A raw JSON document asked for as text.
            return (T)(object)json;
        }

        return JsonSerializer.Deserialize<T>(json, Options);
    }
}
