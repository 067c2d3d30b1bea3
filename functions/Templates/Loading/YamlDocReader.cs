using JourneyOrchestrator.Templates.Model;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>Reads one YAML document into <see cref="DocNode"/>s with line and column of every node.</summary>
internal static class YamlDocReader
{
    public static DocNode Read(string text)
    {
        var stream = new YamlStream();
        var parser = new Parser(new StringReader(text));
        try
        {
            stream.Load(parser);
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

        return stream.Documents.Count switch
        {
            0 => throw new DocParseException("The document is empty.", new SourcePosition(1, 1)),
            > 1 => throw new DocParseException("Write one template per document (found several '---' documents).", Position(stream.Documents[1].RootNode)),
            _ => Convert(stream.Documents[0].RootNode, depth: 0),
        };
    }

    private static DocNode Convert(YamlNode node, int depth)
    {
        if (depth > 64)
        {
            throw new DocParseException("The document is nested too deeply.", Position(node));
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                var entries = new List<KeyValuePair<string, DocNode>>();
                foreach (var (key, value) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: { } name })
                    {
                        throw new DocParseException("Keys must be plain text.", Position(key));
                    }

                    if (entries.Exists(e => e.Key == name))
                    {
                        throw new DocParseException($"Duplicate key '{name}'.", Position(key));
                    }

                    entries.Add(new(name, Convert(value, depth + 1)));
                }

                return new DocMapping(Position(node), entries);
            case YamlSequenceNode sequence:
                return new DocSequence(Position(node), [.. sequence.Children.Select(c => Convert(c, depth + 1))]);
            case YamlScalarNode scalar:
                return scalar.Style is ScalarStyle.Plain or ScalarStyle.Any
                    ? new DocScalar(Position(node), scalar.Value, ScalarKind.Plain)
                    : new DocScalar(Position(node), scalar.Value, ScalarKind.String);
            default:
                throw new DocParseException("Unsupported YAML node (aliases are not supported).", Position(node));
        }
    }

    private static SourcePosition Position(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);

    private static string Clean(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the position is reported separately.
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return cut >= 0 && message.StartsWith("(Line", StringComparison.Ordinal) ? message[(cut + 3)..] : message;
    }
}
