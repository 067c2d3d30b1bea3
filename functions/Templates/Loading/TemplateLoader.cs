using System.Text;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>The outcome of loading a document: the template when it could be bound, and every error found.</summary>
/// <param name="Template">Null when the document could not be parsed.</param>
/// <param name="Errors">Parse and binding errors (unknown properties, wrong types), with positions.</param>
/// <param name="Positions">Where each path was written, for locating later (validation) errors.</param>
public sealed record TemplateLoadResult(JourneyTemplate? Template, IReadOnlyList<TemplateError> Errors, IReadOnlyDictionary<string, SourcePosition> Positions)
{
    public bool Succeeded => Template is not null && Errors.Count == 0;

    /// <summary>Set when reading stopped at one of the <see cref="TemplateLimits"/> (then <see cref="Template"/> is null).</summary>
    public TemplateLimitExceeded? LimitExceeded { get; init; }

    /// <summary>
    /// Errors found but not listed (past <see cref="TemplateLimits.MaxErrors"/>); when more than 0, the last entry of
    /// <see cref="Errors"/> says how many.
    /// </summary>
    public int OmittedErrors { get; init; }

    /// <summary><see cref="Errors"/> without the last "...and N more" entry of a capped list.</summary>
    public IReadOnlyList<TemplateError> ListedErrors => OmittedErrors > 0 ? [.. Errors.Take(Errors.Count - 1)] : Errors;

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
/// <summary>A document read by <see cref="TemplateLoader.Parse{T}"/>.</summary>
internal sealed record ParsedDocument<T>(T? Value, IReadOnlyList<TemplateError> Errors, IReadOnlyDictionary<string, SourcePosition> Positions)
    where T : class
{
    public TemplateLimitExceeded? LimitExceeded { get; init; }
    public int OmittedErrors { get; init; }
}

public static class TemplateLoader
{
    /// <summary>Largest document accepted with the default limits, in UTF-8 bytes (<see cref="TemplateLimits.MaxDocumentBytes"/>).</summary>
    public const int MaxLength = 1024 * 1024;

    /// <summary>Loads <paramref name="text"/> within <paramref name="limits"/> (the defaults when null).</summary>
    public static TemplateLoadResult Load(string text, string? contentType = null, TemplateLimits? limits = null) =>
        Load(text, contentType, limits ?? new TemplateLimits(), stats: null);

    internal static TemplateLoadResult Load(string text, string? contentType, TemplateLimits limits, DocReadStats? stats)
    {
        var parsed = Parse<JourneyTemplate>(text, contentType, limits, "The document must be a mapping of template properties (id, name, start, steps, ...).", stats);
        return new(parsed.Value, parsed.Errors, parsed.Positions) { LimitExceeded = parsed.LimitExceeded, OmittedErrors = parsed.OmittedErrors };
    }

    /// <summary>
    /// Reads a YAML or JSON document of <typeparamref name="T"/> (a template, a scenario) within <paramref name="limits"/>:
    /// the value bound so far, every error with its path and line, and the position of every path. <see cref="ParsedDocument{T}.Value"/>
    /// is null when the document could not be read at all.
    /// </summary>
    internal static ParsedDocument<T> Parse<T>(string text, string? contentType, TemplateLimits limits, string notAMapping, DocReadStats? stats = null)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(limits);
        var empty = new Dictionary<string, SourcePosition>();
        if (text.Length > limits.MaxDocumentBytes || Encoding.UTF8.GetByteCount(text) > limits.MaxDocumentBytes)
        {
            var size = nameof(TemplateLimits.MaxDocumentBytes);
            return Refused<T>(new DocLimitException(size, limits.MaxDocumentBytes,
                $"The document is larger than {limits.MaxDocumentBytes:N0} bytes (limit {TemplateLimits.Key(size)}).", new SourcePosition(1, 1), "$"), empty);
        }

        text = text.TrimStart('\uFEFF');
        var builder = new DocTreeBuilder(limits, stats);
        DocNode root;
        try
        {
            root = IsJson(text, contentType) ? JsonDocReader.Read(text, builder) : YamlDocReader.Read(text, builder);
        }
        catch (DocLimitException e)
        {
            return Refused<T>(e, empty);
        }
        catch (DocParseException e)
        {
            return new(null, [Error(e)], empty);
        }

        if (root is not DocMapping)
        {
            return new(null, [new TemplateError("$", notAMapping) { Line = root.Position.Line, Column = root.Position.Column }], empty);
        }

        var binder = new DocBinder(limits.MaxErrors);
        var value = binder.Bind<T>(root);
        var found = builder.ErrorCount + binder.ErrorCount;
        var errors = limits.Cap([.. builder.Errors, .. binder.Errors], found);
        return new(value, errors, binder.Positions) { OmittedErrors = found > errors.Count ? found - (errors.Count - 1) : 0 };
    }

    private static ParsedDocument<T> Refused<T>(DocLimitException e, Dictionary<string, SourcePosition> empty)
        where T : class => new(null, [Error(e)], empty) { LimitExceeded = e.ToResult() };

    private static TemplateError Error(DocParseException e) => new(e.Path, e.Message) { Line = e.Position.Line, Column = e.Position.Column };

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
