using System.Text;
using System.Text.Json;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>
/// Reads JSON into <see cref="DocNode"/>s with line and column of every value (comments and trailing commas allowed),
/// token by token with <see cref="Utf8JsonReader"/> and without recursion; the <see cref="DocTreeBuilder"/> checks the
/// <see cref="TemplateLimits"/> at every token (the reader's own depth limit sits one level above ours, as a backstop).
/// </summary>
internal static class JsonDocReader
{
    public static DocNode Read(string text, TemplateLimits limits) => Read(text, new DocTreeBuilder(limits));

    public static DocNode Read(string text, DocTreeBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = LineStarts(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            MaxDepth = builder.Limits.MaxDepth + 1,
        });
        try
        {
            while (reader.Read())
            {
                builder.Stats.Events++;
                var position = Position(lines, reader.TokenStartIndex);
                if (builder.Root is not null)
                {
                    throw new DocParseException("Unexpected content after the end of the document.", position);
                }

                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        builder.StartMapping(position, anchor: null);
                        break;
                    case JsonTokenType.StartArray:
                        builder.StartSequence(position, anchor: null);
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        builder.End();
                        break;
                    case JsonTokenType.PropertyName:
                        builder.Key(Text(ref reader, position), position);
                        break;
                    case JsonTokenType.String:
                        builder.Scalar(Text(ref reader, position), ScalarKind.String, position, anchor: null);
                        break;
                    case JsonTokenType.Number:
                        builder.Scalar(Encoding.UTF8.GetString(reader.ValueSpan), ScalarKind.Number, position, anchor: null);
                        break;
                    case JsonTokenType.True:
                        builder.Scalar("true", ScalarKind.Boolean, position, anchor: null);
                        break;
                    case JsonTokenType.False:
                        builder.Scalar("false", ScalarKind.Boolean, position, anchor: null);
                        break;
                    default:
                        builder.Scalar(null, ScalarKind.Null, position, anchor: null);
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            var message = e.Message;
            var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                message = message[..cut];
            }

            throw new DocParseException($"Invalid JSON: {message}", new SourcePosition((int)(e.LineNumber ?? 0) + 1, (int)(e.BytePositionInLine ?? 0) + 1));
        }

        return builder.Root ?? throw new DocParseException("The document is empty.", new SourcePosition(1, 1));
    }

    /// <summary>A string token's text; an escape that is not valid UTF-16 (a lone surrogate such as <c>\ud800</c>) is the document's error, not the server's.</summary>
    private static string Text(ref Utf8JsonReader reader, SourcePosition position)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new DocParseException("Invalid JSON: a string holds an escape that is not valid UTF-16 (a lone surrogate such as \\ud800).", position);
        }
    }

    private static List<long> LineStarts(byte[] bytes)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static SourcePosition Position(List<long> lines, long offset)
    {
        var index = lines.BinarySearch(offset);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return new SourcePosition(index + 1, (int)(offset - lines[index]) + 1);
    }
}
