using System.Globalization;
using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Templates.Conditions;

/// <summary>
/// Dotted paths into the journey model: <c>customer.firstName</c>, <c>data.deliveryDate</c>, <c>event.data.km</c>,
/// <c>journey.phase</c>. A numeric segment indexes an array (<c>data.options.0</c>).
/// </summary>
public static class ModelPath
{
    private static readonly string[] Roots = ["customer", "data", "event", "journey"];

    /// <summary>True when <paramref name="path"/> starts with a known root and has no empty segment.</summary>
    public static bool IsValid(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var segments = path.Split('.');
        return segments.Length >= 2 && Roots.Contains(segments[0]) && segments.All(s => s.Length > 0 && !s.Any(char.IsWhiteSpace));
    }

    /// <summary>The node at <paramref name="path"/>; null when any segment is missing.</summary>
    public static JsonNode? Resolve(JsonObject model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(path);
        JsonNode? current = model;
        foreach (var segment in path.Split('.'))
        {
            current = current switch
            {
                JsonObject obj => obj.TryGetPropertyValue(segment, out var child) ? child : null,
                JsonArray array when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < array.Count => array[i],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }
}
