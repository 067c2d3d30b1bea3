using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>The outcome of loading a document: the template when it could be bound, and every error found.</summary>
/// <param name="Template">Null when the document could not be parsed.</param>
/// <param name="Errors">Parse and binding errors (unknown properties, wrong types), with positions.</param>
/// <param name="Positions">Where each path was written, for locating later (validation) errors.</param>
public sealed record TemplateLoadResult(JourneyTemplate? Template, IReadOnlyList<TemplateError> Errors, IReadOnlyDictionary<string, SourcePosition> Positions)
{
    public bool Succeeded => Template is not null && Errors.Count == 0;

    /// <summary>Adds the line and column of the nearest written ancestor of each error's path.</summary>
    public IReadOnlyList<TemplateError> Locate(IEnumerable<TemplateError> errors) => [.. errors.Select(Locate)];

    private TemplateError Locate(TemplateError error)
    {
        if (error.Line is not null)
        {
            return error;
        }

        for (var path = error.Path; path.Length > 0; path = Parent(path))
        {
            if (Positions.TryGetValue(path, out var position))
            {
                return error with { Line = position.Line, Column = position.Column };
            }
        }

        return error;
    }

    private static string Parent(string path)
    {
        var cut = Math.Max(path.LastIndexOf('.'), path.LastIndexOf('['));
        return cut > 0 ? path[..cut] : "";
    }
}

/// <summary>
/// Reads a template written in YAML or JSON (camelCase keys). The format comes from the content type
/// (<c>application/json</c>, <c>application/yaml</c>, <c>text/yaml</c>) or, without one, from the first non-blank character
/// (<c>{</c> means JSON). Unknown properties are errors, so a typo never passes silently.
/// </summary>
public static class TemplateLoader
{
    /// <summary>Largest document accepted, in characters.</summary>
    public const int MaxLength = 1_000_000;

    public static TemplateLoadResult Load(string text, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var empty = new Dictionary<string, SourcePosition>();
        if (text.Length > MaxLength)
        {
            return new(null, [new TemplateError("$", $"The document is larger than {MaxLength:N0} characters.")], empty);
        }

        text = text.TrimStart('\uFEFF');
        DocNode root;
        try
        {
            root = IsJson(text, contentType) ? JsonDocReader.Read(text) : YamlDocReader.Read(text);
        }
        catch (DocParseException e)
        {
            return new(null, [new TemplateError("$", e.Message) { Line = e.Position.Line, Column = e.Position.Column }], empty);
        }

        if (root is not DocMapping)
        {
            return new(null, [new TemplateError("$", "The document must be a mapping of template properties (id, name, start, steps, ...).") { Line = root.Position.Line, Column = root.Position.Column }], empty);
        }

        var binder = new DocBinder();
        var template = binder.Bind<JourneyTemplate>(root);
        return new(template, binder.Errors, binder.Positions);
    }

    /// <summary>True for JSON content types, or for a document starting with '{' when no known type is given.</summary>
    public static bool IsJson(string text, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(text);
        var type = contentType?.Split(';')[0].Trim().ToUpperInvariant() ?? "";
        if (type.EndsWith("JSON", StringComparison.Ordinal))
        {
            return true;
        }

        if (type.EndsWith("YAML", StringComparison.Ordinal) || type.EndsWith("YML", StringComparison.Ordinal))
        {
            return false;
        }

        var first = text.AsSpan().TrimStart();
        return first.Length > 0 && first[0] == '{';
    }
}
