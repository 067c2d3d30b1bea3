using System.Text;
using System.Text.Json;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>Reads JSON into <see cref="DocNode"/>s with line and column of every value (comments and trailing commas allowed).</summary>
internal static class JsonDocReader
{
    public static DocNode Read(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = LineStarts(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = 64 });
        try
        {
            if (!reader.Read())
            {
                throw new DocParseException("The document is empty.", new SourcePosition(1, 1));
            }

            var node = ReadValue(ref reader, lines);
            if (reader.Read())
            {
                throw new DocParseException("Unexpected content after the end of the document.", Position(lines, reader.TokenStartIndex));
            }

            return node;
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
    }

    private static DocNode ReadValue(ref Utf8JsonReader reader, List<long> lines)
    {
        var position = Position(lines, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<KeyValuePair<string, DocNode>>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    var keyPosition = Position(lines, reader.TokenStartIndex);
                    var key = reader.GetString()!;
                    if (entries.Exists(e => e.Key == key))
                    {
                        throw new DocParseException($"Duplicate key '{key}'.", keyPosition);
                    }

                    reader.Read();
                    entries.Add(new(key, ReadValue(ref reader, lines)));
                }

                return new DocMapping(position, entries);
            case JsonTokenType.StartArray:
                var items = new List<DocNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines));
                }

                return new DocSequence(position, items);
            case JsonTokenType.String:
                return new DocScalar(position, reader.GetString(), ScalarKind.String);
            case JsonTokenType.Number:
                return new DocScalar(position, Encoding.UTF8.GetString(reader.ValueSpan), ScalarKind.Number);
            case JsonTokenType.True:
                return new DocScalar(position, "true", ScalarKind.Boolean);
            case JsonTokenType.False:
                return new DocScalar(position, "false", ScalarKind.Boolean);
            default:
                return new DocScalar(position, null, ScalarKind.Null);
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
