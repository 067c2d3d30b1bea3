using System.Globalization;
using System.Text;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Loading;

/// <summary>
/// What reading one document took: the events (YAML) or tokens (JSON) consumed, the nodes counted (an alias counts the
/// nodes it repeats), the aliases and the key look-ups of duplicate detection. Tests use it to show that the work a
/// document causes is bounded by the <see cref="TemplateLimits"/>, not by what the document asks for.
/// </summary>
internal sealed class DocReadStats
{
    public int Events { get; set; }
    public int Nodes { get; set; }
    public int Aliases { get; set; }
    public int KeyLookups { get; set; }
}

/// <summary>
/// Builds the <see cref="DocNode"/> tree from a reader's events (start and end of mappings and lists, keys, scalars,
/// aliases) without recursion, checking every <see cref="TemplateLimits"/> as each event arrives: nesting depth, node
/// count, scalar length and aliases throw <see cref="DocLimitException"/> at once; duplicate keys (one hash set per
/// mapping, so linear time) are errors that do not stop reading (the first occurrence is kept), listed up to
/// <see cref="TemplateLimits.MaxErrors"/>.
/// </summary>
internal sealed class DocTreeBuilder(TemplateLimits limits, DocReadStats? stats = null)
{
    private const int PathKeyLength = 100;

    private readonly List<Frame> _frames = [];
    private readonly Dictionary<string, Anchored> _anchors = new(StringComparer.Ordinal);
    private readonly List<TemplateError> _errors = [];

    public TemplateLimits Limits { get; } = limits;
    public DocReadStats Stats { get; } = stats ?? new DocReadStats();

    /// <summary>The document's root, once its last event has arrived.</summary>
    public DocNode? Root { get; private set; }

    /// <summary>Errors that did not stop reading (duplicate keys), at most <see cref="TemplateLimits.MaxErrors"/>.</summary>
    public IReadOnlyList<TemplateError> Errors => _errors;

    /// <summary>How many such errors were found (more than <see cref="Errors"/> holds when the list was capped).</summary>
    public int ErrorCount { get; private set; }

    /// <summary>True when the next scalar is a key of the innermost mapping.</summary>
    public bool ExpectsKey => _frames.Count > 0 && _frames[^1].Entries is not null && _frames[^1].Key is null;

    public void StartMapping(SourcePosition position, string? anchor) => Start(mapping: true, position, anchor);

    public void StartSequence(SourcePosition position, string? anchor) => Start(mapping: false, position, anchor);

    /// <summary>The end of the innermost mapping or list.</summary>
    public void End()
    {
        var frame = _frames[^1];
        _frames.RemoveAt(_frames.Count - 1);
        DocNode node = frame.Entries is { } entries ? new DocMapping(frame.Position, entries) : new DocSequence(frame.Position, frame.Items!);
        Add(node, frame.Anchor, Stats.Nodes - frame.NodesBefore, frame.Height + 1);
    }

    /// <summary>A key of the innermost mapping (JSON property names; YAML scalars in key position come through <see cref="Scalar"/>).</summary>
    public void Key(string name, SourcePosition position)
    {
        CheckLength(name, position);
        Count(1, position);
        var frame = _frames[^1];
        frame.Key = name;
        Stats.KeyLookups++;
        if (!frame.Keys!.Add(name))
        {
            frame.SkipValue = true;
            AddError(position, $"Duplicate key '{Shorten(name)}'; a key may appear once in a mapping (the first one is kept).");
        }
    }

    public void Scalar(string? value, ScalarKind kind, SourcePosition position, string? anchor)
    {
        if (ExpectsKey)
        {
            Key(value ?? "", position);
            return;
        }

        if (value is not null)
        {
            CheckLength(value, position);
        }

        Count(1, position);
        Add(new DocScalar(position, value, kind), anchor, nodes: 1, height: 0);
    }

    /// <summary>
    /// A YAML alias (<c>*name</c>): the anchored node is shared, not copied, so an alias costs constant work; it counts the
    /// nodes it repeats against <see cref="TemplateLimits.MaxNodes"/> and its nesting against <see cref="TemplateLimits.MaxDepth"/>.
    /// </summary>
    public void Alias(string name, SourcePosition position)
    {
        if (ExpectsKey)
        {
            throw new DocParseException("Keys must be plain text (an alias cannot be a key).", position, Path());
        }

        Stats.Aliases++;
        if (Stats.Aliases > Limits.MaxAliases)
        {
            throw Limit(nameof(TemplateLimits.MaxAliases), Limits.MaxAliases, position, Limits.MaxAliases == 0
                ? "Aliases (*name) are not allowed in templates."
                : $"The document has more than {Limits.MaxAliases:N0} aliases (*name).");
        }

        if (!_anchors.TryGetValue(name, out var anchored))
        {
            throw new DocParseException($"The alias '*{Shorten(name)}' refers to no anchor '&{Shorten(name)}' written (and closed) before it.", position, Path());
        }

        if (_frames.Count + anchored.Height > Limits.MaxDepth)
        {
            throw DepthLimit(position);
        }

        Count(anchored.Nodes, position);
        Add(anchored.Node, anchor: null, anchored.Nodes, anchored.Height);
    }

    /// <summary>Where the next node goes: <c>$</c> at the top, then keys and indexes (<c>steps[2].if.all[0]</c>).</summary>
    public string Path()
    {
        var path = new StringBuilder();
        foreach (var frame in _frames)
        {
            if (frame.Items is { } items)
            {
                path.Append('[').Append(items.Count.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (frame.Key is { } key)
            {
                if (IsName(key))
                {
                    path.Append(path.Length == 0 ? "" : ".").Append(key);
                }
                else
                {
                    path.Append("[\"").Append(Shorten(key).Replace("\"", "\\\"", StringComparison.Ordinal)).Append("\"]");
                }
            }
        }

        return path.Length == 0 ? "$" : path.ToString();
    }

    /// <summary><paramref name="text"/> cut to 100 characters for messages and paths.</summary>
    public static string Shorten(string text) => text.Length <= PathKeyLength ? text : string.Concat(text.AsSpan(0, PathKeyLength), "…");

    private void Start(bool mapping, SourcePosition position, string? anchor)
    {
        if (ExpectsKey)
        {
            throw new DocParseException("Keys must be plain text.", position, Path());
        }

        if (_frames.Count + 1 > Limits.MaxDepth)
        {
            throw DepthLimit(position);
        }

        var before = Stats.Nodes;
        Count(1, position);
        _frames.Add(mapping
            ? new Frame(position, anchor, before) { Entries = [], Keys = new HashSet<string>(StringComparer.Ordinal) }
            : new Frame(position, anchor, before) { Items = [] });
    }

    private void Add(DocNode node, string? anchor, int nodes, int height)
    {
        if (anchor is not null)
        {
            _anchors[anchor] = new Anchored(node, nodes, height); // YAML lets a later anchor of the same name replace an earlier one
        }

        if (_frames.Count == 0)
        {
            Root = node;
            return;
        }

        var parent = _frames[^1];
        parent.Height = Math.Max(parent.Height, height);
        if (parent.Items is { } items)
        {
            items.Add(node);
            return;
        }

        if (!parent.SkipValue)
        {
            parent.Entries!.Add(new(parent.Key!, node));
        }

        parent.Key = null;
        parent.SkipValue = false;
    }

    private void Count(int nodes, SourcePosition position)
    {
        if ((long)Stats.Nodes + nodes > Limits.MaxNodes)
        {
            throw Limit(nameof(TemplateLimits.MaxNodes), Limits.MaxNodes, position,
                $"The document has more than {Limits.MaxNodes:N0} nodes (mappings, lists, keys and values; an alias counts every node it repeats).");
        }

        Stats.Nodes += nodes;
    }

    private void CheckLength(string text, SourcePosition position)
    {
        if (text.Length > Limits.MaxScalarLength)
        {
            throw Limit(nameof(TemplateLimits.MaxScalarLength), Limits.MaxScalarLength, position,
                $"A value or key is longer than {Limits.MaxScalarLength:N0} characters ({text.Length:N0}).");
        }
    }

    private void AddError(SourcePosition position, string message)
    {
        ErrorCount++;
        if (_errors.Count < Limits.MaxErrors)
        {
            _errors.Add(new TemplateError(Path(), message) { Line = position.Line, Column = position.Column });
        }
    }

    private DocLimitException DepthLimit(SourcePosition position) =>
        Limit(nameof(TemplateLimits.MaxDepth), Limits.MaxDepth, position,
            $"The document is nested deeper than {Limits.MaxDepth:N0} levels of mappings and lists.");

    private DocLimitException Limit(string limit, int value, SourcePosition position, string message) =>
        new(limit, value, $"{message} Reading stopped here (limit {TemplateLimits.Key(limit)} = {value:N0}).", position, Path());

    private static bool IsName(string key)
    {
        if (key.Length == 0)
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '$'))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Frame(SourcePosition position, string? anchor, int nodesBefore)
    {
        public SourcePosition Position { get; } = position;
        public string? Anchor { get; } = anchor;
        public int NodesBefore { get; } = nodesBefore;

        /// <summary>Set for a mapping.</summary>
        public List<KeyValuePair<string, DocNode>>? Entries { get; init; }
        public HashSet<string>? Keys { get; init; }

        /// <summary>Set for a list.</summary>
        public List<DocNode>? Items { get; init; }

        /// <summary>The key whose value comes next (mappings).</summary>
        public string? Key { get; set; }

        /// <summary>The value that comes next belongs to a duplicate key: read (and counted) but not kept.</summary>
        public bool SkipValue { get; set; }

        /// <summary>The largest height (levels of nested mappings and lists) of a child so far.</summary>
        public int Height { get; set; }
    }

    private sealed record Anchored(DocNode Node, int Nodes, int Height);
}
