using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>
/// Binds <see cref="DocNode"/>s to the template model by its camelCase property names. Unlike a serializer it does not stop
/// at the first problem: every unknown property and every value of the wrong type becomes an error with its path (the
/// first <paramref name="maxErrors"/> are kept, the rest only counted). Its work is linear in the nodes it binds.
/// </summary>
internal sealed class DocBinder(int maxErrors = int.MaxValue)
{
    private readonly List<TemplateError> _errors = [];
    private readonly Dictionary<string, SourcePosition> _positions = new(StringComparer.Ordinal);

    public IReadOnlyList<TemplateError> Errors => _errors;

    /// <summary>How many errors were found (more than <see cref="Errors"/> holds when they were capped).</summary>
    public int ErrorCount { get; private set; }
    public IReadOnlyDictionary<string, SourcePosition> Positions => _positions;

    public T Bind<T>(DocNode node) where T : class, new() => (T?)BindValue(node, typeof(T), "") ?? new T();

    private object? BindValue(DocNode node, Type type, string path)
    {
        _positions[path.Length == 0 ? "$" : path] = node.Position;
        var underlying = Nullable.GetUnderlyingType(type);
        if (node is DocScalar { Kind: ScalarKind.Null } or DocScalar { Kind: ScalarKind.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" })
        {
            return null;
        }

        if (type == typeof(JsonNode))
        {
            return ToJson(node);
        }

        if (type == typeof(string))
        {
            return node is DocScalar scalar ? scalar.Value : Fail(node, path, "must be text");
        }

        var scalarType = underlying ?? type;
        if (scalarType == typeof(int) || scalarType == typeof(double) || scalarType == typeof(bool))
        {
            return BindScalar(node, scalarType, path);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            return BindList(node, type, path);
        }

        if (type == typeof(Dictionary<string, string>))
        {
            return BindDictionary(node, path);
        }

        return BindObject(node, type, path);
    }

    private object? BindScalar(DocNode node, Type type, string path)
    {
        var text = (node as DocScalar)?.Value;
        if (type == typeof(bool))
        {
            return text is not null && bool.TryParse(text, out var flag) && (node as DocScalar)!.Kind != ScalarKind.String
                ? flag
                : Fail(node, path, "must be true or false");
        }

        if (type == typeof(int))
        {
            return text is not null && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
                ? number
                : Fail(node, path, "must be a whole number");
        }

        return text is not null && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real)
            ? real
            : Fail(node, path, "must be a number");
    }

    private object? BindList(DocNode node, Type type, string path)
    {
        if (node is not DocSequence sequence)
        {
            return Fail(node, path, "must be a list");
        }

        var itemType = type.GetGenericArguments()[0];
        var list = (IList)Activator.CreateInstance(type)!;
        for (var i = 0; i < sequence.Items.Count; i++)
        {
            list.Add(BindValue(sequence.Items[i], itemType, $"{path}[{i}]"));
        }

        return list;
    }

    private Dictionary<string, string>? BindDictionary(DocNode node, string path)
    {
        if (node is not DocMapping mapping)
        {
            return (Dictionary<string, string>?)Fail(node, path, "must be a mapping of names to step ids");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Entries)
        {
            var child = $"{path}[\"{key}\"]";
            if (BindValue(value, typeof(string), child) is string text)
            {
                result[key] = text;
            }
            else if (value is DocScalar { Value: null } or DocScalar { Kind: ScalarKind.Null })
            {
                Fail(value, child, "must be a step id");
            }
        }

        return result;
    }

    private object? BindObject(DocNode node, Type type, string path)
    {
        if (node is not DocMapping mapping)
        {
            return Fail(node, path, "must be an object (a mapping of properties)");
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name), StringComparer.Ordinal);
        var target = Activator.CreateInstance(type)!;
        foreach (var (key, value) in mapping.Entries)
        {
            var child = path.Length == 0 ? key : $"{path}.{key}";
            if (!properties.TryGetValue(key, out var property))
            {
                var hint = ErrorCount < maxErrors ? Suggest(key, properties.Keys) : null;
                _positions[child] = value.Position;
                var name = DocTreeBuilder.Shorten(key);
                Add(child, value.Position, hint is null ? $"Unknown property '{name}'." : $"Unknown property '{name}'; did you mean '{hint}'?");
                continue;
            }

            var bound = BindValue(value, property.PropertyType, child);
            if (bound is not null || IsNullable(property))
            {
                property.SetValue(target, bound);
            }
        }

        return target;
    }

    private static bool IsNullable(PropertyInfo property) =>
        !property.PropertyType.IsValueType
            ? new NullabilityInfoContext().Create(property).WriteState != NullabilityState.NotNull
            : Nullable.GetUnderlyingType(property.PropertyType) is not null;

    private object? Fail(DocNode node, string path, string what)
    {
        Add(path.Length == 0 ? "$" : path, node.Position, $"The value {what}.");
        return null;
    }

    private void Add(string path, SourcePosition position, string message)
    {
        ErrorCount++;
        if (_errors.Count < maxErrors)
        {
            _errors.Add(new TemplateError(path, message) { Line = position.Line, Column = position.Column });
        }
    }

    internal static JsonNode? ToJson(DocNode node) => node switch
    {
        DocMapping mapping => new JsonObject(mapping.Entries.Select(e => new KeyValuePair<string, JsonNode?>(e.Key, ToJson(e.Value)))),
        DocSequence sequence => new JsonArray([.. sequence.Items.Select(ToJson)]),
        DocScalar { Kind: ScalarKind.Null } => null,
        DocScalar { Kind: ScalarKind.String } s => JsonValue.Create(s.Value),
        DocScalar { Kind: ScalarKind.Boolean } s => JsonValue.Create(s.Value == "true"),
        DocScalar { Kind: ScalarKind.Number } s => JsonNode.Parse(s.Value!),
        DocScalar s => Plain(s.Value),
        _ => null,
    };

    private static JsonValue? Plain(string? text) => text switch
    {
        null or "" or "~" or "null" or "Null" or "NULL" => null,
        "true" or "True" or "TRUE" => JsonValue.Create(true),
        "false" or "False" or "FALSE" => JsonValue.Create(false),
        _ when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) => JsonValue.Create(whole),
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && !double.IsInfinity(real) => JsonValue.Create(real),
        _ => JsonValue.Create(text),
    };

    private static string? Suggest(string key, IEnumerable<string> known) =>
        known.Where(k => Math.Abs(k.Length - key.Length) <= 2) // the distance is at least the difference in length
            .Select(k => (k, d: Distance(key.ToUpperInvariant(), k.ToUpperInvariant()))).Where(x => x.d <= 2).OrderBy(x => x.d).Select(x => x.k).FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
