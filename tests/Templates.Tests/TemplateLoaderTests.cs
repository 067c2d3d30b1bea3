using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Tests;

public sealed class TemplateLoaderTests
{
    private const string Yaml = """
        id: welcome
        name: Welcome
        events: [brochure.downloaded, quote.sent]
        entry:
          events: [brochure.downloaded]
        start: hello
        steps:
          - id: hello
            kind: email
            email: brochure-follow-up
            next: wait
          - id: wait
            kind: waitForEvent
            events: [quote.sent]
            timeout: P3D
            on:
              quote.sent: done
            onTimeout: done
          - id: done
            kind: condition
            if:
              path: data.price
              greaterThan: 20000
            then: end
            else: end
          - id: end
            kind: end
        """;

    private const string Json = """
        {
          "id": "welcome",
          "name": "Welcome",
          "events": ["brochure.downloaded", "quote.sent"],
          "entry": { "events": ["brochure.downloaded"] },
          "start": "hello",
          "steps": [
            { "id": "hello", "kind": "email", "email": "brochure-follow-up", "next": "wait" },
            { "id": "wait", "kind": "waitForEvent", "events": ["quote.sent"], "timeout": "P3D", "on": { "quote.sent": "done" }, "onTimeout": "done" },
            { "id": "done", "kind": "condition", "if": { "path": "data.price", "greaterThan": 20000 }, "then": "end", "else": "end" },
            { "id": "end", "kind": "end" }
          ]
        }
        """;

    [Fact]
    public void Load_YamlAndJson_GiveTheSameTemplate()
    {
        var fromYaml = TemplateLoader.Load(Yaml, "application/yaml");
        var fromJson = TemplateLoader.Load(Json, "application/json");

        Assert.Empty(fromYaml.Errors);
        Assert.Empty(fromJson.Errors);
        Assert.Equal(Describe(fromJson.Template!), Describe(fromYaml.Template!));
        Assert.Equal("quote.sent", fromYaml.Template!.Steps[1].Events![0]);
        Assert.Equal("done", fromYaml.Template.Steps[1].On!["quote.sent"]);
        Assert.Equal(20000, fromYaml.Template.Steps[2].If!.GreaterThan);
    }

    [Theory]
    [InlineData("  {\"id\": \"x\"}", null, true)]
    [InlineData("id: x", null, false)]
    [InlineData("{\"id\": \"x\"}", "text/yaml", false)]
    [InlineData("id: x", "application/json; charset=utf-8", true)]
    public void IsJson_ContentTypeOrFirstCharacter_Decides(string text, string? contentType, bool expected) =>
        Assert.Equal(expected, TemplateLoader.IsJson(text, contentType));

    [Fact]
    public void Load_YamlSyntaxError_ReportsLineAndColumn()
    {
        var result = TemplateLoader.Load("id: x\nname: [unclosed\nstart: a\n");

        Assert.Null(result.Template);
        var error = Assert.Single(result.Errors);
        Assert.Equal("$", error.Path);
        Assert.StartsWith("Invalid YAML", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Line);
        Assert.True(error.Line >= 2);
    }

    [Theory]
    [InlineData("{\"id\": \"\\ud800\"}")]
    [InlineData("{\"\\udfff\": 1}")]
    public void Load_JsonLoneSurrogateEscape_IsTheDocumentsError_WithItsPosition(string json)
    {
        var result = TemplateLoader.Load(json, "application/json"); // found by RequestBodyPropertyTests: it was a 500

        Assert.Null(result.Template);
        var error = Assert.Single(result.Errors);
        Assert.Contains("not valid UTF-16", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void Load_JsonSyntaxError_ReportsLineAndColumn()
    {
        var result = TemplateLoader.Load("{\n  \"id\": \"x\",\n  \"name\": \"y\"\n  \"start\": \"a\"\n}");

        var error = Assert.Single(result.Errors);
        Assert.StartsWith("Invalid JSON", error.Message, StringComparison.Ordinal);
        Assert.Equal(4, error.Line);
        Assert.Equal(3, error.Column);
    }

    [Fact]
    public void Load_UnknownProperty_IsAnErrorWithPathAndSuggestion()
    {
        var result = TemplateLoader.Load("id: x\nname: y\nstart: a\nsteps:\n  - id: a\n    kind: end\n  - id: b\n    kind: email\n    nxt: a\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("steps[1].nxt", error.Path);
        Assert.Equal("Unknown property 'nxt'; did you mean 'next'?", error.Message);
        Assert.Equal(9, error.Line);
    }

    [Fact]
    public void Load_Escalate_BindsItsFields_AndAnUnknownOneIsAnErrorWithItsPath()
    {
        const string Yaml = "id: x\nname: y\nevents: [call.overdue]\nstart: a\nsteps:\n  - id: a\n    kind: task\n    task: call\n    title: Call\n" +
            "    escalate: { after: PT4H, action: event, event: call.overdue }\n    next: b\n  - id: b\n    kind: end\n";
        var good = TemplateLoader.Load(Yaml);
        var bad = TemplateLoader.Load(Yaml.Replace("after: PT4H", "aftr: PT4H", StringComparison.Ordinal));

        Assert.Empty(good.Errors);
        Assert.Equal(new EscalateSpec { After = "PT4H", Action = "event", Event = "call.overdue" }, good.Template!.Steps[0].Escalate);
        Assert.Contains(bad.Errors, e => e.Path == "steps[0].escalate.aftr" && e.Message == "Unknown property 'aftr'; did you mean 'after'?");
    }

    [Fact]
    public void Load_UnknownPropertyInJson_IsAnErrorToo()
    {
        var result = TemplateLoader.Load("{\"id\":\"x\",\"colour\":\"red\"}");

        Assert.Equal("colour", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_WrongType_IsAnErrorWithPath()
    {
        var result = TemplateLoader.Load("id: x\nsteps:\n  - id: r\n    kind: repeat\n    times: often\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("steps[0].times", error.Path);
        Assert.Equal("The value must be a whole number.", error.Message);
    }

    [Fact]
    public void Load_DuplicateKey_IsAParseError()
    {
        var result = TemplateLoader.Load("{\"id\":\"x\",\"id\":\"y\"}");

        Assert.Contains("Duplicate key 'id'", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotAMapping_IsAnError()
    {
        var result = TemplateLoader.Load("- just\n- a list\n");

        Assert.Null(result.Template);
        Assert.Equal("$", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Load_ConditionValues_KeepTheirYamlTypes()
    {
        var result = TemplateLoader.Load("id: x\nsteps:\n  - id: c\n    kind: condition\n    if:\n      path: data.x\n      in: [1, 'two', true]\n");

        var values = result.Template!.Steps[0].If!.In!;
        Assert.Equal("[1,\"two\",true]", new System.Text.Json.Nodes.JsonArray([.. values.Select(v => v?.DeepClone())]).ToJsonString());
    }

    private static string Describe(JourneyTemplate template) =>
        System.Text.Json.JsonSerializer.Serialize(template, Core.Authoring.JsonData.Options);
}
