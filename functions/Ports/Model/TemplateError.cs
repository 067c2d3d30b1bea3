namespace JourneyOrchestrator.Templates.Model;

/// <summary>A 1-based line and column in a template document.</summary>
public readonly record struct SourcePosition(int Line, int Column);

/// <summary>
/// One problem in a template document: <see cref="Path"/> points into the document (dotted, with indexes:
/// <c>steps[3].next</c>, <c>goals[0].goto</c>, <c>steps[2].on["quote.sent"]</c>; <c>$</c> is the whole document),
/// <see cref="Message"/> says in plain English what is wrong. <see cref="Line"/> and <see cref="Column"/> are set when known.
/// </summary>
public sealed record TemplateError(string Path, string Message)
{
    public int? Line { get; init; }
    public int? Column { get; init; }

    public override string ToString() => Line is { } line ? $"{Path} (line {line}, column {Column}): {Message}" : $"{Path}: {Message}";
}
