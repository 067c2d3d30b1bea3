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

    public static T? Deserialize<T>(string? json) => (T?)Deserialize(json, typeof(T));

    /// <summary>Deserialises <paramref name="json"/> to <paramref name="type"/>; null JSON gives null (the default of a value type).</summary>
    public static object? Deserialize(string? json, Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (json is null)
        {
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
        }

        if (type == typeof(string) && json.Length > 0 && json[0] != '"')
        {
            // A raw JSON document asked for as text.
            return json;
        }

        return JsonSerializer.Deserialize(json, type, Options);
    }
}
