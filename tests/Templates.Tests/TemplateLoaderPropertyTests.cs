using System.Text;
using CsCheck;
using JourneyOrchestrator.Templates.Loading;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Property tests of the loaders (CsCheck): random nesting, aliases and key counts never throw anything but the loader's
/// own error, never build more than the limits allow, and hit a limit exactly when the document goes past one.
/// </summary>
public sealed class TemplateLoaderPropertyTests
{
    private static readonly TemplateLimits Small = new() { MaxDepth = 6, MaxNodes = 120, MaxAliases = 4, MaxErrors = 3, MaxScalarLength = 40 };

    /// <summary>A document as a list of operations (shrinks well): 0 open list, 1 open mapping, 2 close, 3 scalar,
    /// 4 anchored scalar, 5 alias of an earlier anchor, 6 open anchored list, 7 a repeated key, 8 long scalar.</summary>
    private static readonly Gen<int[]> Operations = Gen.Int[0, 8].Array[0, 150];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomStructures_MatchTheirExpectedLimits(bool json)
    {
        var outcomes = new int[2]; // [within the limits, past one]
        Operations.Sample(ops => outcomes[Check(Emit(ops, json), json) ? 0 : 1]++, iter: 1500, threads: 1);

        // Both kinds of document were generated, so both halves of the property were exercised.
        Assert.True(outcomes[0] > 100 && outcomes[1] > 100, $"within: {outcomes[0]}, past a limit: {outcomes[1]}");
    }

    [Fact]
    public void RandomText_OnlyEverGivesTheLoadersOwnErrors()
    {
        var text = Gen.Char["[]{}:,&*-!|>'\"#?%@`~.\\ \n\r\tab1Y"].Array[0, 200].Select(chars => new string(chars));

        text.Sample(t =>
        {
            foreach (var json in new[] { false, true })
            {
                var stats = new DocReadStats();
                try
                {
                    var root = Read(t, json, stats);
                    Assert.InRange(Depth(root), 0, Small.MaxDepth);
                }
                catch (DocParseException)
                {
                    // the loader's own error: fine
                }

                Assert.InRange(stats.Nodes, 0, Small.MaxNodes);
                var result = TemplateLoader.Load(t, json ? "application/json" : "application/yaml", Small); // never throws
                Assert.InRange(result.Errors.Count, 0, Small.MaxErrors + 1);
            }
        }, iter: 3000, threads: 1);
    }

    /// <summary>True when the document was within the limits (and read as expected), false when it stopped at one it exceeds.</summary>
    private static bool Check(Expected expected, bool json)
    {
        var stats = new DocReadStats();
        DocNode? root = null;
        DocLimitException? limit = null;
        try
        {
            root = Read(expected.Text, json, stats);
        }
        catch (DocLimitException e)
        {
            limit = e;
        }

        Assert.InRange(stats.Nodes, 0, Small.MaxNodes);
        Assert.InRange(stats.Aliases, 0, Small.MaxAliases + 1);
        if (expected.Exceeded.Count == 0)
        {
            Assert.True(limit is null, $"unexpected {limit?.Limit} in {expected.Text}");
            Assert.Equal(expected.Nodes, stats.Nodes);
            Assert.Equal(expected.Depth, Depth(root!));
            Assert.Equal(expected.Duplicates, new DocTreeBuilderProbe(expected.Text, json).Duplicates);
        }
        else
        {
            Assert.True(limit is not null, $"expected one of {string.Join(", ", expected.Exceeded)} in {expected.Text}");
            Assert.Contains(limit.Limit, expected.Exceeded);
        }

        var result = TemplateLoader.Load(expected.Text, json ? "application/json" : "application/yaml", Small);
        Assert.InRange(result.Errors.Count, 0, Small.MaxErrors + 1);
        Assert.Equal(limit?.Limit, result.LimitExceeded?.Limit);
        return limit is null;
    }

    private static DocNode Read(string text, bool json, DocReadStats stats)
    {
        var builder = new DocTreeBuilder(Small, stats);
        return json ? JsonDocReader.Read(text, builder) : YamlDocReader.Read(text, builder);
    }

    /// <summary>Levels of mappings and lists (a scalar: 0).</summary>
    private static int Depth(DocNode node)
    {
        var deepest = 0;
        var stack = new Stack<(DocNode Node, int Depth)>([(node, 0)]);
        while (stack.TryPop(out var item))
        {
            var children = item.Node switch
            {
                DocMapping m => m.Entries.Select(e => e.Value),
                DocSequence s => s.Items,
                _ => null,
            };
            if (children is null)
            {
                continue;
            }

            deepest = Math.Max(deepest, item.Depth + 1);
            foreach (var child in children)
            {
                stack.Push((child, item.Depth + 1));
            }
        }

        return deepest;
    }

    /// <summary>The document's text and what reading it must give, worked out independently of the loader.</summary>
    private sealed record Expected(string Text, int Nodes, int Depth, int Duplicates, HashSet<string> Exceeded);

    /// <summary>Counts the duplicate keys of a document the builder read completely.</summary>
    private sealed class DocTreeBuilderProbe
    {
        public DocTreeBuilderProbe(string text, bool json)
        {
            var builder = new DocTreeBuilder(Small);
            _ = json ? JsonDocReader.Read(text, builder) : YamlDocReader.Read(text, builder);
            Duplicates = builder.ErrorCount;
        }

        public int Duplicates { get; }
    }

    private sealed class Container(bool mapping, string? anchor, int nodesBefore)
    {
        public bool Mapping { get; } = mapping;
        public string? Anchor { get; } = anchor;
        public int NodesBefore { get; } = nodesBefore;
        public int Count { get; set; }
        public int Height { get; set; }
        public HashSet<string> Keys { get; } = [];
    }

    /// <summary>Writes <paramref name="ops"/> as one flow-style document (YAML) or JSON, with the nodes, depth and aliases it holds.</summary>
    private static Expected Emit(int[] ops, bool json)
    {
        var text = new StringBuilder();
        var open = new List<Container>();
        var anchors = new Dictionary<string, (int Nodes, int Height)>();
        var exceeded = new HashSet<string>();
        int nodes = 0, aliases = 0, duplicates = 0, depth = 0, next = 0;
        var rootDone = false;

        Start(mapping: true, anchor: null); // the document is a mapping
        foreach (var op in ops)
        {
            if (rootDone)
            {
                break;
            }

            switch (op)
            {
                case 0:
                    Value(() => Start(mapping: false, anchor: null));
                    break;
                case 1:
                    Value(() => Start(mapping: true, anchor: null));
                    break;
                case 2:
                    Close();
                    break;
                case 3:
                    Value(() => Scalar("v", anchor: null));
                    break;
                case 4:
                    // YamlDotNet 18 cannot parse an anchored plain scalar followed by ',' in a flow mapping ({a: &x v, b: w}),
                    // valid YAML though it is: anchored scalars go into lists only.
                    Value(() => Scalar("v", anchor: json || open[^1].Mapping ? null : $"a{next++}"));
                    break;
                case 5 when !json && anchors.Count > 0:
                    Value(() =>
                    {
                        var name = anchors.Keys.ElementAt(next++ % anchors.Count);
                        var (count, height) = anchors[name];
                        aliases++;
                        if (aliases > Small.MaxAliases)
                        {
                            exceeded.Add(nameof(TemplateLimits.MaxAliases));
                        }

                        depth = Math.Max(depth, open.Count + height);
                        nodes += count;
                        Added(height);
                        text.Append('*').Append(name);
                    });
                    break;
                case 5:
                    Value(() => Scalar("5", anchor: null));
                    break;
                case 6:
                    Value(() => Start(mapping: false, anchor: json ? null : $"a{next++}"));
                    break;
                case 7:
                    Value(() => Scalar("dup", anchor: null), key: "k0");
                    break;
                default:
                    Value(() => Scalar(new string('x', Small.MaxScalarLength + 1), anchor: null));
                    break;
            }
        }

        while (!rootDone)
        {
            Close();
        }

        if (nodes > Small.MaxNodes)
        {
            exceeded.Add(nameof(TemplateLimits.MaxNodes));
        }

        if (depth > Small.MaxDepth)
        {
            exceeded.Add(nameof(TemplateLimits.MaxDepth));
        }

        return new Expected(text.ToString(), nodes, depth, duplicates, exceeded);

        void Value(Action write, string? key = null)
        {
            var parent = open[^1];
            if (parent.Count++ > 0)
            {
                text.Append(", ");
            }

            if (parent.Mapping)
            {
                key ??= $"k{parent.Count}";
                nodes++;
                if (!parent.Keys.Add(key))
                {
                    duplicates++;
                }

                text.Append(json ? $"\"{key}\": " : $"{key}: ");
            }

            write();
        }

        void Start(bool mapping, string? anchor)
        {
            if (anchor is not null)
            {
                text.Append('&').Append(anchor).Append(' ');
            }

            text.Append(mapping ? '{' : '[');
            open.Add(new Container(mapping, anchor, nodes));
            nodes++;
            depth = Math.Max(depth, open.Count);
        }

        void Close()
        {
            var closing = open[^1];
            open.RemoveAt(open.Count - 1);
            text.Append(closing.Mapping ? '}' : ']');
            var count = nodes - closing.NodesBefore;
            if (closing.Anchor is not null)
            {
                anchors[closing.Anchor] = (count, closing.Height + 1);
            }

            if (open.Count == 0)
            {
                rootDone = true;
                return;
            }

            Added(closing.Height + 1);
        }

        void Scalar(string value, string? anchor)
        {
            if (value.Length > Small.MaxScalarLength)
            {
                exceeded.Add(nameof(TemplateLimits.MaxScalarLength));
            }

            if (anchor is not null)
            {
                text.Append('&').Append(anchor).Append(' ');
                anchors[anchor] = (1, 0);
            }

            text.Append(json ? $"\"{value}\"" : value);
            nodes++;
            Added(0);
        }

        void Added(int height) => open[^1].Height = Math.Max(open[^1].Height, height);
    }

    [Fact]
    public void Emit_DescribesItsDocument()
    {
        // The generator's own bookkeeping, checked on one document by hand: {k1: [v, &a0 v], k2: *a0}.
        var expected = Emit([0, 3, 4, 2, 5], json: false);

        Assert.Equal("{k1: [v, &a0 v], k2: *a0}", expected.Text);
        Assert.Equal(7, expected.Nodes); // mapping, 2 keys, list, 2 scalars, the alias's scalar
        Assert.Equal(2, expected.Depth);
        Assert.Empty(expected.Exceeded);
    }
}
