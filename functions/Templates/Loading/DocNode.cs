using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>A parsed document, YAML or JSON, before it is bound to the model: every node knows where it was written.</summary>
internal abstract record DocNode(SourcePosition Position);

internal sealed record DocMapping(SourcePosition Position, IReadOnlyList<KeyValuePair<string, DocNode>> Entries) : DocNode(Position);

internal sealed record DocSequence(SourcePosition Position, IReadOnlyList<DocNode> Items) : DocNode(Position);

/// <summary>A scalar. <see cref="ScalarKind.Plain"/> is an untyped YAML scalar whose type comes from its text.</summary>
internal sealed record DocScalar(SourcePosition Position, string? Value, ScalarKind Kind) : DocNode(Position);

internal enum ScalarKind
{
    String,
    Number,
    Boolean,
    Null,
    Plain,
}

/// <summary>A document that could not be parsed at all.</summary>
internal class DocParseException(string message, SourcePosition position, string path = "$") : Exception(message)
{
    public SourcePosition Position { get; } = position;

    /// <summary>Where in the document (<c>$</c> for the document itself).</summary>
    public string Path { get; } = path;
}

/// <summary>A document that went past one of the <see cref="TemplateLimits"/>; reading stopped where it was detected.</summary>
internal sealed class DocLimitException(string limit, long value, string message, SourcePosition position, string path)
    : DocParseException(message, position, path)
{
    /// <summary>The limit's name (a property of <see cref="TemplateLimits"/>).</summary>
    public string Limit { get; } = limit;

    /// <summary>Its configured value.</summary>
    public long Value { get; } = value;

    public TemplateLimitExceeded ToResult() => new(Limit, Value, Path, Position, Message);
}
