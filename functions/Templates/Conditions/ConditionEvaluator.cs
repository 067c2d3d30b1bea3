using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Conditions;

/// <summary>
/// Evaluates a <see cref="ConditionSpec"/> against the journey model. Pure and deterministic. A missing value is not equal
/// to anything, not greater or less than anything, and contains nothing; <c>notEqualTo</c> on a missing value is true.
/// Numbers compare as numbers (text that reads as a number too); text compares ordinally, except <c>contains</c> on text,
/// which ignores case.
/// </summary>
public static class ConditionEvaluator
{
    /// <summary>The operators written on <paramref name="condition"/> (for validation: exactly one is allowed).</summary>
    public static IEnumerable<string> OperatorsOf(ConditionSpec condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        (string Name, bool Present)[] all =
        [
            ("equalTo", condition.EqualTo is not null), ("notEqualTo", condition.NotEqualTo is not null), ("exists", condition.Exists is not null),
            ("greaterThan", condition.GreaterThan is not null), ("greaterOrEqual", condition.GreaterOrEqual is not null),
            ("lessThan", condition.LessThan is not null), ("lessOrEqual", condition.LessOrEqual is not null),
            ("in", condition.In is not null), ("contains", condition.Contains is not null),
            ("all", condition.All is not null), ("any", condition.Any is not null), ("not", condition.Not is not null),
        ];
        return all.Where(o => o.Present).Select(o => o.Name);
    }

    /// <exception cref="ArgumentException">The condition has no operator.</exception>
    public static bool Evaluate(ConditionSpec condition, JsonObject model)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(model);
        if (condition.All is { } all)
        {
            return all.TrueForAll(c => Evaluate(c, model));
        }

        if (condition.Any is { } any)
        {
            return any.Exists(c => Evaluate(c, model));
        }

        if (condition.Not is { } not)
        {
            return !Evaluate(not, model);
        }

        var value = condition.Path is null ? null : ModelPath.Resolve(model, condition.Path);
        if (condition.Exists is { } exists)
        {
            return (value is not null) == exists;
        }

        if (condition.EqualTo is { } equalTo)
        {
            return AreEqual(value, equalTo);
        }

        if (condition.NotEqualTo is { } notEqualTo)
        {
            return !AreEqual(value, notEqualTo);
        }

        if (condition.In is { } set)
        {
            return set.Exists(candidate => AreEqual(value, candidate));
        }

        if (condition.Contains is { } needle)
        {
            return value switch
            {
                JsonArray array => array.Any(item => AreEqual(item, needle)),
                JsonValue text when text.GetValueKind() == JsonValueKind.String && Text(needle) is { } part =>
                    text.GetValue<string>().Contains(part, StringComparison.OrdinalIgnoreCase),
                _ => false,
            };
        }

        var number = Number(value);
        return (condition.GreaterThan, condition.GreaterOrEqual, condition.LessThan, condition.LessOrEqual) switch
        {
            ({ } x, _, _, _) => number > x,
            (_, { } x, _, _) => number >= x,
            (_, _, { } x, _) => number < x,
            (_, _, _, { } x) => number <= x,
            _ => throw new ArgumentException("The condition has no operator.", nameof(condition)),
        };
    }

    private static bool AreEqual(JsonNode? left, JsonNode? right)
    {
        if (left is null || right is null)
        {
            return left is null && right is null;
        }

        if (Number(left) is { } a && Number(right) is { } b && left.GetValueKind() == JsonValueKind.Number && right.GetValueKind() == JsonValueKind.Number)
        {
            return a == b;
        }

        return JsonNode.DeepEquals(left, right);
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? Number(JsonNode? node) => node is JsonValue v
        ? v.GetValueKind() switch
        {
            JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
            JsonValueKind.String when double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        }
        : null;
}
