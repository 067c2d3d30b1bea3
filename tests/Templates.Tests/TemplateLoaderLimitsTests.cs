using System.Text;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Documents built to exhaust the loader (issue 16): deep nesting, billion laughs, many aliases, many and duplicate keys,
/// long scalars, big documents. Each stops at its limit with the limit's name, value and path, and the work done is bounded
/// by the limits (the read statistics), not by what the document asks for.
/// </summary>
public sealed class TemplateLoaderLimitsTests
{
    private static readonly TemplateLimits Defaults = new();

    /// <summary>The document of the issue: anchors a0…a6, each a list of ten aliases of the one before (under 500 bytes).</summary>
    internal static readonly string BillionLaughs = BuildBillionLaughs();

    [Fact]
    public void Yaml_FlowNesting50000Deep_StopsAtMaxDepthAfterFewEvents()
    {
        var text = "bomb: " + new string('[', 50_000) + new string(']', 50_000) + "\n";
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(text, "application/yaml", Defaults, stats);

        var hit = AssertLimit(result, "MaxDepth", Defaults.MaxDepth);
        Assert.StartsWith("bomb[0][0]", hit.Path, StringComparison.Ordinal);
        Assert.Equal(Defaults.MaxDepth - 1, CountOf(hit.Path, "[0]"));
        Assert.Equal(1, hit.Position!.Value.Line);
        Assert.InRange(stats.Events, 1, Defaults.MaxDepth + 5);
        Assert.Contains("Journeys:Templates:Limits:MaxDepth", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_BlockSequenceNesting50000Deep_StopsAtMaxDepth()
    {
        var text = string.Concat(Enumerable.Repeat("- ", 50_000)) + "x\n";
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(text, "application/yaml", Defaults, stats);

        AssertLimit(result, "MaxDepth", Defaults.MaxDepth);
        Assert.InRange(stats.Events, 1, Defaults.MaxDepth + 5);
    }

    [Fact]
    public void Yaml_BlockMappingNesting_StopsAtMaxDepthWithThePathOfKeys()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 100; i++)
        {
            text.Append(' ', i).Append('k').Append(i).Append(":\n");
        }

        var result = TemplateLoader.Load(text.Append(' ', 100).Append("x\n").ToString(), "application/yaml", Defaults, null);

        var hit = AssertLimit(result, "MaxDepth", Defaults.MaxDepth);
        Assert.StartsWith("k0.k1.k2.", hit.Path, StringComparison.Ordinal);
        Assert.EndsWith($".k{Defaults.MaxDepth - 1}", hit.Path, StringComparison.Ordinal);
        Assert.Equal(Defaults.MaxDepth + 1, hit.Position!.Value.Line);
    }

    [Theory]
    [InlineData("[", "]")]
    [InlineData("{\"a\":", "}")]
    public void Json_Nesting50000Deep_StopsAtMaxDepthNotAtTheReadersOwnLimit(string open, string close)
    {
        var text = "{\"bomb\":" + string.Concat(Enumerable.Repeat(open, 50_000)) + "1" + string.Concat(Enumerable.Repeat(close, 50_000)) + "}";
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(text, "application/json", Defaults, stats);

        var hit = AssertLimit(result, "MaxDepth", Defaults.MaxDepth);
        Assert.StartsWith("bomb", hit.Path, StringComparison.Ordinal);
        Assert.InRange(stats.Events, 1, (2 * Defaults.MaxDepth) + 5);
    }

    [Fact]
    public void Yaml_DepthExactlyAtTheLimit_IsRead()
    {
        var limits = new TemplateLimits { MaxDepth = 10 };
        var inner = new string('[', 8) + "1" + new string(']', 8); // the top mapping, exit, then 8 lists: 10 levels

        var result = TemplateLoader.Load($"id: x\nname: n\nstart: a\nsteps: []\nevents: []\ngoals: []\nexit:\n  events: {inner}\n", "application/yaml", limits);
        var deeper = TemplateLoader.Load($"id: x\nexit:\n  events: [{inner}]\n", "application/yaml", limits);

        Assert.Null(result.LimitExceeded);
        Assert.NotNull(result.Template);
        AssertLimit(deeper, "MaxDepth", 10);
    }

    [Fact]
    public void Yaml_BillionLaughs_StopsAtMaxNodesWithoutExpanding()
    {
        Assert.InRange(Encoding.UTF8.GetByteCount(BillionLaughs), 300, 500);
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(BillionLaughs, "application/yaml", Defaults, stats);

        var hit = AssertLimit(result, "MaxNodes", Defaults.MaxNodes);
        Assert.StartsWith("a4", hit.Path, StringComparison.Ordinal); // a3 holds 11,111 nodes, a4 would hold 111,111
        Assert.InRange(stats.Nodes, 1, Defaults.MaxNodes);
        Assert.InRange(stats.Events, 1, 100);
        Assert.InRange(stats.Aliases, 1, 50);
    }

    [Fact]
    public void Yaml_BillionLaughsWithHugeNodeLimit_SharesNodesInsteadOfCopying()
    {
        // With a node limit large enough, the document is read: the aliases share the anchored lists, so the work is the
        // 419 bytes' worth of events while the tree stands for 11 million nodes.
        var limits = new TemplateLimits { MaxNodes = int.MaxValue / 2, MaxErrors = 5 };
        var stats = new DocReadStats();
        var builder = new DocTreeBuilder(limits, stats);

        var root = Assert.IsType<DocMapping>(YamlDocReader.Read(BillionLaughs, builder));

        Assert.Equal(7, root.Entries.Count);
        Assert.Equal(11_111_111 + 1_111_111 + 111_111 + 11_111 + 1_111 + 111 + 11 + 7 + 1, stats.Nodes);
        Assert.InRange(stats.Events, 1, 100);
        var a6 = Assert.IsType<DocSequence>(root.Entries[6].Value);
        Assert.Same(root.Entries[5].Value, a6.Items[0]);
    }

    [Fact]
    public void Yaml_ManyAliases_StopAtMaxAliases()
    {
        var text = "base: &b x\nlist: [" + string.Join(", ", Enumerable.Repeat("*b", 10_000)) + "]\n";
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(text, "application/yaml", Defaults, stats);

        var hit = AssertLimit(result, "MaxAliases", Defaults.MaxAliases);
        Assert.Equal($"list[{Defaults.MaxAliases}]", hit.Path);
        Assert.Equal(Defaults.MaxAliases + 1, stats.Aliases);
    }

    [Fact]
    public void Yaml_AliasesRefusedWhenMaxAliasesIsZero()
    {
        var result = TemplateLoader.Load("id: &i x\nname: *i\n", "application/yaml", new TemplateLimits { MaxAliases = 0 });

        AssertLimit(result, "MaxAliases", 0);
        Assert.Contains("not allowed", result.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Yaml_BoundedAlias_IsReadAsACopyOfItsAnchor()
    {
        const string Text = "id: x\nname: n\nstart: c\nsteps:\n  - id: c\n    kind: condition\n    if: &young\n      path: data.age\n      in: [18, 19]\n    then: d\n    else: d\n  - id: d\n    kind: condition\n    if: *young\n    then: e\n    else: e\n  - id: e\n    kind: end\n";

        var result = TemplateLoader.Load(Text);

        Assert.Empty(result.Errors);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(result.Template!.Steps[0].If), System.Text.Json.JsonSerializer.Serialize(result.Template.Steps[1].If));
        Assert.Equal(2, result.Template.Steps[1].If!.In!.Count);
        Assert.Equal("data.age", result.Template.Steps[1].If!.Path);
    }

    [Fact]
    public void Yaml_AliasNestingCountsTowardsMaxDepth()
    {
        var limits = new TemplateLimits { MaxDepth = 5 };

        var result = TemplateLoader.Load("a: &deep [[[1]]]\nb: [[*deep]]\n", "application/yaml", limits); // b's list: 2 + 3 + the top mapping

        AssertLimit(result, "MaxDepth", 5);
        Assert.Equal("b[0][0]", result.LimitExceeded!.Path);
    }

    [Theory]
    [InlineData("a: *nowhere\n")]
    [InlineData("a: &self [1, *self]\n")]
    public void Yaml_AliasWithoutAClosedAnchor_IsAParseErrorAtItsPath(string text)
    {
        var result = TemplateLoader.Load(text);

        var error = Assert.Single(result.Errors);
        Assert.Null(result.LimitExceeded);
        Assert.StartsWith("a", error.Path, StringComparison.Ordinal);
        Assert.Contains("refers to no anchor", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/json")]
    public void Keys80000_StopAtMaxNodes(string contentType)
    {
        var limits = new TemplateLimits { MaxDocumentBytes = 10 * 1024 * 1024 }; // the default 1 MiB would refuse it first
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(ManyKeys(80_000, contentType, distinct: true), contentType, limits, stats);

        AssertLimit(result, "MaxNodes", Defaults.MaxNodes);
        Assert.InRange(stats.KeyLookups, 1, Defaults.MaxNodes);
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/json")]
    public void Keys80000_WithRoomForThem_OneLookupPerKeyAndACappedErrorList(string contentType)
    {
        var limits = new TemplateLimits { MaxNodes = 1_000_000, MaxDocumentBytes = 10 * 1024 * 1024 };
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(ManyKeys(80_000, contentType, distinct: true), contentType, limits, stats);

        Assert.Null(result.LimitExceeded);
        Assert.Equal(80_001, stats.KeyLookups);
        Assert.Equal(limits.MaxErrors + 1, result.Errors.Count);
        Assert.All(result.Errors.Take(limits.MaxErrors), e => Assert.StartsWith("Unknown property 'k", e.Message, StringComparison.Ordinal));
        Assert.Equal(80_000 - limits.MaxErrors, result.OmittedErrors);
        Assert.StartsWith("…and 79,900 more error(s)", result.Errors[^1].Message, StringComparison.Ordinal);
        Assert.Equal(limits.MaxErrors, result.ListedErrors.Count);
    }

    [Theory]
    [InlineData("application/yaml")]
    [InlineData("application/json")]
    public void DuplicateKeys80000_FoundInOneLookupEach_FirstKept(string contentType)
    {
        var limits = new TemplateLimits { MaxNodes = 1_000_000, MaxDocumentBytes = 10 * 1024 * 1024 };
        var stats = new DocReadStats();

        var result = TemplateLoader.Load(ManyKeys(80_000, contentType, distinct: false), contentType, limits, stats);

        Assert.Equal(80_001, stats.KeyLookups);
        Assert.Equal("v0", result.Template!.Name);
        Assert.Equal(limits.MaxErrors + 1, result.Errors.Count);
        Assert.All(result.ListedErrors, e => Assert.Equal("name", e.Path));
        Assert.Contains("Duplicate key 'name'", result.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(3, result.Errors[0].Line);
        Assert.Equal(79_999 - limits.MaxErrors, result.OmittedErrors);
    }

    [Fact]
    public void DuplicateKey_InANestedMapping_HasItsPathAndPosition()
    {
        var result = TemplateLoader.Load("id: x\nsteps:\n  - id: a\n    kind: end\n    id: b\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("steps[0].id", error.Path);
        Assert.Equal((5, 5), (error.Line, error.Column));
        Assert.Equal("a", result.Template!.Steps[0].Id);
    }

    [Theory]
    [InlineData("application/yaml", "name: '{0}'\n")]
    [InlineData("application/json", "{{\"name\":\"{0}\"}}")]
    [InlineData("application/yaml", "'{0}': 1\n")]
    public void LongScalarOrKey_StopsAtMaxScalarLength(string contentType, string format)
    {
        var limits = new TemplateLimits { MaxScalarLength = 1000 };
        var text = string.Format(System.Globalization.CultureInfo.InvariantCulture, format, new string('x', 1001));

        var result = TemplateLoader.Load(text, contentType, limits);
        var fits = TemplateLoader.Load(text.Replace(new string('x', 1001), new string('x', 1000), StringComparison.Ordinal), contentType, limits);

        AssertLimit(result, "MaxScalarLength", 1000);
        Assert.Null(fits.LimitExceeded);
    }

    [Fact]
    public void DocumentSize_CountsUtf8Bytes()
    {
        var limits = new TemplateLimits { MaxDocumentBytes = 100 };
        var text = "name: " + new string('é', 60) + "\n"; // 67 characters, 127 bytes

        var result = TemplateLoader.Load(text, "application/yaml", limits);

        var hit = AssertLimit(result, "MaxDocumentBytes", 100);
        Assert.True(hit.IsSize);
        Assert.Equal("$", hit.Path);
        Assert.Null(TemplateLoader.Load("name: " + new string('e', 60) + "\n", "application/yaml", limits).LimitExceeded);
    }

    [Fact]
    public void DefaultLimits_RefuseADocumentOverOneMebibyte()
    {
        var result = TemplateLoader.Load("# " + new string('x', 1024 * 1024) + "\nid: x\n");

        Assert.Equal("MaxDocumentBytes", result.LimitExceeded?.Limit);
        Assert.Equal(1024 * 1024, result.LimitExceeded!.Value);
    }

    [Fact]
    public void Yaml_SecondDocument_IsAnErrorAtItsStart()
    {
        var stats = new DocReadStats();
        var text = "id: x\n---\n" + string.Concat(Enumerable.Repeat("- a\n", 10_000));

        var result = TemplateLoader.Load(text, "application/yaml", Defaults, stats);

        var error = Assert.Single(result.Errors);
        Assert.Contains("one template per document", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, error.Line);
        Assert.InRange(stats.Events, 1, 20);
    }

    [Theory]
    [InlineData("a: [1, 2", "Invalid YAML")]
    [InlineData("{\"a\": [1, 2", "Invalid JSON")]
    [InlineData("", "empty")]
    [InlineData("# only a comment\n", "empty")]
    [InlineData("[1] [2]", "Invalid")]
    [InlineData("!!b]\n!\n]b]-,>{?", "Invalid YAML: Global tags must be valid URIs.")] // found by the property tests: YamlDotNet threw ArgumentException
    public void Malformed_IsAParseErrorNotAnException(string text, string expected)
    {
        var result = TemplateLoader.Load(text);

        Assert.Null(result.Template);
        Assert.Contains(expected, Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ShippedTemplatesTests.Templates), MemberType = typeof(ShippedTemplatesTests))]
    public void ShippedTemplates_FitWellWithinTheDefaults(string file)
    {
        // A tenth of the default size and node budget, half the default depth: real templates are far from the limits.
        var tight = new TemplateLimits
        {
            MaxDocumentBytes = Defaults.MaxDocumentBytes / 10,
            MaxNodes = Defaults.MaxNodes / 10,
            MaxDepth = Defaults.MaxDepth / 2,
            MaxScalarLength = Defaults.MaxScalarLength / 10,
            MaxAliases = 0,
        };

        var result = TemplateLoader.Load(Repo.Read(file), "application/yaml", tight);

        Assert.Null(result.LimitExceeded);
        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Limits_Check_NamesEverySettingOutOfRange()
    {
        var limits = new TemplateLimits { MaxDepth = 61, MaxNodes = 0, MaxAliases = -1, MaxErrors = 0, MaxDocumentBytes = 0, MaxScalarLength = 0 };

        var problems = limits.Check();

        Assert.Equal(6, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Journeys__Templates__Limits__MaxDepth is 61", StringComparison.Ordinal));
        Assert.Empty(new TemplateLimits().Check());
    }

    [Fact]
    public void Limits_Cap_KeepsShortListsAndSumsUpTheRest()
    {
        var limits = new TemplateLimits { MaxErrors = 2 };
        var three = new[] { new Model.TemplateError("a", "1"), new Model.TemplateError("b", "2"), new Model.TemplateError("c", "3") };

        Assert.Same(three, new TemplateLimits { MaxErrors = 3 }.Cap(three));
        var capped = limits.Cap(three);

        Assert.Equal(["a", "b", "$"], capped.Select(e => e.Path));
        Assert.StartsWith("…and 1 more", capped[2].Message, StringComparison.Ordinal);
        Assert.StartsWith("…and 8 more", limits.Cap(three, 10)[2].Message, StringComparison.Ordinal);
    }

    internal static TemplateLimitExceeded AssertLimit(TemplateLoadResult result, string limit, long value)
    {
        var hit = result.LimitExceeded;
        Assert.True(hit is not null, "no limit exceeded: " + string.Join("; ", result.Errors));
        Assert.Equal(limit, hit.Limit);
        Assert.Equal(value, hit.Value);
        Assert.Null(result.Template);
        var error = Assert.Single(result.Errors);
        Assert.Equal(hit.Path, error.Path);
        Assert.Equal(hit.Position?.Line, error.Line);
        Assert.Contains(TemplateLimits.Key(limit), error.Message, StringComparison.Ordinal);
        return hit;
    }

    private static string ManyKeys(int count, string contentType, bool distinct)
    {
        var text = new StringBuilder();
        var json = contentType.EndsWith("json", StringComparison.Ordinal);
        text.Append(json ? "{\"id\":\"x\"" : "id: x\n");
        for (var i = 0; i < count; i++)
        {
            var key = distinct ? $"k{i}" : "name";
            text.Append(json ? $",\n\"{key}\":\"v{i}\"" : $"{key}: v{i}\n");
        }

        return text.Append(json ? "}" : "").ToString();
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string BuildBillionLaughs()
    {
        var text = new StringBuilder("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i <= 6; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"a{i}: &a{i} [").Append(string.Join(",", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        }

        return text.ToString();
    }
}
