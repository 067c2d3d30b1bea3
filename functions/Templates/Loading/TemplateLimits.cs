using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>
/// How much a template document may ask of the loader. Every limit is checked <em>while</em> the document is read (YAML
/// from the parser's events, JSON from the reader's tokens), so a hostile document stops at the limit instead of after the
/// work it asks for. The host binds these from <c>Journeys:Templates:Limits:*</c>; the defaults are far above what real
/// templates need (the shipped ones: under 10 KB, under 1,000 nodes, nesting under 10). See <c>docs/security.md</c>.
/// </summary>
public sealed class TemplateLimits
{
    /// <summary>The configuration section the host binds (<c>Journeys__Templates__Limits__MaxDepth</c>, ...).</summary>
    public const string Section = "Journeys:Templates:Limits";

    /// <summary>The deepest <see cref="MaxDepth"/> that may be configured: the template is stored as JSON, whose writer stops at 64 levels.</summary>
    public const int DepthCeiling = 60;

    /// <summary>Largest document, in UTF-8 bytes (the API refuses a larger body with 413 before reading it all). Default 1 MiB.</summary>
    public int MaxDocumentBytes { get; set; } = 1024 * 1024;

    /// <summary>Deepest nesting of mappings and lists (the top-level mapping is level 1). Default 32; at most <see cref="DepthCeiling"/>.</summary>
    public int MaxDepth { get; set; } = 32;

    /// <summary>Most nodes (mappings, lists, keys and scalars, with aliases counted as the nodes they stand for). Default 50,000.</summary>
    public int MaxNodes { get; set; } = 50_000;

    /// <summary>Longest scalar (a text, number or key), in characters. Default 100,000.</summary>
    public int MaxScalarLength { get; set; } = 100_000;

    /// <summary>Most YAML aliases (<c>*name</c>) in a document; 0 refuses aliases. Each alias also counts its nodes against <see cref="MaxNodes"/>. Default 100.</summary>
    public int MaxAliases { get; set; } = 100;

    /// <summary>Most errors listed for one document; the rest are summed up in one last entry. Default 100.</summary>
    public int MaxErrors { get; set; } = 100;

    /// <summary>Problems with the configured values (each a sentence naming the setting); empty when usable.</summary>
    public IReadOnlyList<string> Check()
    {
        var problems = new List<string>();
        Positive(nameof(MaxDocumentBytes), MaxDocumentBytes, 1, int.MaxValue / 2);
        Positive(nameof(MaxDepth), MaxDepth, 2, DepthCeiling);
        Positive(nameof(MaxNodes), MaxNodes, 1, int.MaxValue / 2);
        Positive(nameof(MaxScalarLength), MaxScalarLength, 1, int.MaxValue / 2);
        Positive(nameof(MaxAliases), MaxAliases, 0, int.MaxValue / 2);
        Positive(nameof(MaxErrors), MaxErrors, 1, int.MaxValue / 2);
        return problems;

        void Positive(string name, int value, int min, int max)
        {
            if (value < min || value > max)
            {
                problems.Add($"{Key(name).Replace(":", "__", StringComparison.Ordinal)} is {value}; use {min:N0} to {max:N0}.");
            }
        }
    }

    /// <summary>The configuration key of a limit, e.g. <c>Journeys:Templates:Limits:MaxDepth</c>.</summary>
    public static string Key(string limit) => $"{Section}:{limit}";

    /// <summary>
    /// Caps <paramref name="errors"/> at <see cref="MaxErrors"/>: the first ones, then, when <paramref name="total"/> (default:
    /// the list's length) is larger, one last entry at <c>$</c> saying how many more were found.
    /// </summary>
    public IReadOnlyList<TemplateError> Cap(IReadOnlyList<TemplateError> errors, int? total = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var found = Math.Max(total ?? errors.Count, errors.Count);
        if (found <= MaxErrors)
        {
            return errors;
        }

        return [.. errors.Take(MaxErrors), MoreErrors(found - Math.Min(MaxErrors, errors.Count))];
    }

    /// <summary>The last entry of a capped list: how many errors were left out.</summary>
    public TemplateError MoreErrors(int omitted) =>
        new("$", $"…and {omitted:N0} more error(s); only the first {MaxErrors:N0} are listed ({Key(nameof(MaxErrors))}).");
}

/// <summary>A document that went past one of the <see cref="TemplateLimits"/>: reading stopped there.</summary>
/// <param name="Limit">The limit's name, e.g. <c>MaxDepth</c> (its configuration key: <see cref="TemplateLimits.Key"/>).</param>
/// <param name="Value">The configured value that was exceeded.</param>
/// <param name="Path">Where in the document (<c>$</c> for the whole document).</param>
/// <param name="Position">Line and column where reading stopped, when known.</param>
/// <param name="Message">A plain-English sentence for the template author.</param>
public sealed record TemplateLimitExceeded(string Limit, long Value, string Path, SourcePosition? Position, string Message)
{
    /// <summary>True for the document size limit (the API answers 413), false for a structure limit (422).</summary>
    public bool IsSize => Limit == nameof(TemplateLimits.MaxDocumentBytes);
}
