using JourneyOrchestrator.Templates.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>
/// Reads one YAML document into <see cref="DocNode"/>s with line and column of every node, straight from the parser's
/// events (no representation model): the <see cref="DocTreeBuilder"/> checks the <see cref="TemplateLimits"/> at every
/// event, so a document nested 50,000 levels or a "billion laughs" of aliases stops at the limit after a bounded amount of
/// work. Aliases are shared, never copied, and bounded by <see cref="TemplateLimits.MaxAliases"/> and
/// <see cref="TemplateLimits.MaxNodes"/>; a second document (<c>---</c>) is an error as soon as it starts.
/// </summary>
internal static class YamlDocReader
{
    public static DocNode Read(string text, TemplateLimits limits) => Read(text, new DocTreeBuilder(limits));

    public static DocNode Read(string text, DocTreeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var parser = new Parser(new StringReader(text));
        var documents = 0;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                builder.Stats.Events++;
                switch (current)
                {
                    case DocumentStart when ++documents > 1:
                        throw new DocParseException("Write one template per document (found several '---' documents).", Position(current));
                    case MappingStart mapping:
                        builder.StartMapping(Position(current), Anchor(mapping.Anchor));
                        break;
                    case SequenceStart sequence:
                        builder.StartSequence(Position(current), Anchor(sequence.Anchor));
                        break;
                    case MappingEnd or SequenceEnd:
                        builder.End();
                        break;
                    case Scalar scalar:
                        builder.Scalar(scalar.Value, scalar.Style is ScalarStyle.Plain or ScalarStyle.Any ? ScalarKind.Plain : ScalarKind.String,
                            Position(current), Anchor(scalar.Anchor));
                        break;
                    case AnchorAlias alias:
                        builder.Alias(alias.Value.Value, Position(current));
                        break;
                    default:
                        break; // stream start and end, document end, comments
                }
            }
        }
        catch (YamlException e)
        {
            var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
            throw new DocParseException($"Invalid YAML: {Clean(message)}", new SourcePosition((int)e.Start.Line, (int)e.Start.Column));
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner gives up this way on some unterminated constructs (e.g. "[a" at the end of the text).
            var at = parser.Current?.Start;
            throw new DocParseException("Invalid YAML: the document ends inside an unterminated list, mapping or quoted text.",
                at is null ? new SourcePosition(1, 1) : new SourcePosition((int)at.Value.Line, (int)at.Value.Column));
        }
        catch (Exception e) when (e is not DocParseException and not OutOfMemoryException)
        {
            // YamlDotNet's parser throws other types on some malformed input too: ArgumentException for "!!b]" ("Global tags
            // must be valid URIs"), found by the loader's property tests. Whatever it throws, the text is not YAML we can read;
            // the position is that of the last event it produced.
            var at = parser.Current?.End;
            throw new DocParseException($"Invalid YAML: {e.Message.Split(" (Parameter", 2)[0]}",
                at is null ? new SourcePosition(1, 1) : new SourcePosition((int)at.Value.Line, (int)at.Value.Column));
        }

        return builder.Root ?? throw new DocParseException("The document is empty.", new SourcePosition(1, 1));
    }

    private static string? Anchor(AnchorName anchor) => anchor.IsEmpty ? null : anchor.Value;

    private static SourcePosition Position(ParsingEvent e) => new((int)e.Start.Line, (int)e.Start.Column);

    private static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the position is reported separately.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith("(Line", StringComparison.Ordinal) ? message[(cut + 3)..] : message;
    }
}
