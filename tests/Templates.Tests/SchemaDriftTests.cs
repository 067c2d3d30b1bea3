using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>The JSON Schema for editors and the C# model must describe the same properties, so they cannot drift apart.</summary>
public sealed class SchemaDriftTests
{
    private static readonly JsonObject Schema = JsonNode.Parse(Repo.Read("journey-template.schema.json"))!.AsObject();

    public static TheoryData<string, string> ModelTypes() => new()
    {
        { nameof(JourneyTemplate), "" },
        { nameof(StepSpec), "step" },
        { nameof(EntrySpec), "entry" },
        { nameof(ExitSpec), "exit" },
        { nameof(GoalSpec), "goal" },
        { nameof(SplitBranch), "splitBranch" },
        { nameof(ConditionSpec), "condition" },
        { nameof(EscalateSpec), "escalate" },
    };

    [Theory]
    [MemberData(nameof(ModelTypes))]
    public void Schema_DescribesExactlyTheModelsProperties(string typeName, string definition)
    {
        var type = typeof(JourneyTemplate).Assembly.GetType($"{typeof(JourneyTemplate).Namespace}.{typeName}")!;
        var node = definition.Length == 0 ? Schema : Schema["$defs"]![definition]!;
        var inSchema = node["properties"]!.AsObject().Select(p => p.Key).Order();
        var inModel = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name)).Order();

        Assert.Equal(inModel, inSchema);
        Assert.False(node["additionalProperties"]!.GetValue<bool>());
    }

    [Fact]
    public void Schema_EveryProperty_HasADescriptionForCompletion()
    {
        var missing = new List<string>();
        foreach (var (name, node) in new[] { ("", Schema) }.Concat(Schema["$defs"]!.AsObject().Select(d => (d.Key, d.Value!.AsObject()))))
        {
            missing.AddRange(node["properties"]!.AsObject().Where(p => p.Value!["description"] is null).Select(p => $"{name}.{p.Key}"));
        }

        Assert.Empty(missing);
    }

    [Fact]
    public void Schema_PerKindRules_MatchTheValidators()
    {
        var rules = Schema["$defs"]!["step"]!["allOf"]!.AsArray()
            .Where(r => r!["then"]!["propertyNames"] is not null)
            .ToDictionary(r => r!["if"]!["properties"]!["kind"]!["const"]!.GetValue<string>(), r => r!["then"]!);

        Assert.Equal(StepKinds.All.Order(), rules.Keys.Order());
        Assert.Equal(StepKinds.All.Order(), Schema["$defs"]!["step"]!["properties"]!["kind"]!["enum"]!.AsArray().Select(k => k!.GetValue<string>()).Order());
        foreach (var kind in StepKinds.All)
        {
            var allowed = rules[kind]["propertyNames"]!["enum"]!.AsArray().Select(p => p!.GetValue<string>()).ToHashSet();
            var required = rules[kind]["required"]!.AsArray().Select(p => p!.GetValue<string>()).Order();

            Assert.Equal(StepRules.Allowed[kind].Concat(["id", "kind", "phase", "description"]).Order(), allowed.Order());
            Assert.Equal(StepRules.Required[kind].Order(), required);
        }
    }

    [Fact]
    public void Schema_PhasesMatchTheModel() =>
        Assert.Equal(Phases.All, Schema["$defs"]!["step"]!["properties"]!["phase"]!["enum"]!.AsArray().Select(p => p!.GetValue<string>()));

    [Fact]
    public void Schema_IsDraft2020_12() =>
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", Schema["$schema"]!.GetValue<string>());
}
