using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Simulation;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests.Simulation;

/// <summary>Templates and scenarios from text, simulated with the shipped e-mails (or fakes).</summary>
internal static class SimulationTestKit
{
    public static JourneyTemplate Shipped(string id) => TemplateLoader.Load(Repo.Read(id + ".yaml")).Template! with { Version = 1 };

    public static JourneyTemplate Template(string yaml)
    {
        var loaded = TemplateLoader.Load(yaml);
        Assert.True(loaded.Errors.Count == 0, string.Join("\n", loaded.Errors));
        return loaded.Template! with { Version = 1 };
    }

    public static Scenario Scenario(JourneyTemplate template, string yaml)
    {
        var loaded = ScenarioLoader.Load(yaml, template, "test");
        Assert.True(loaded.Succeeded, string.Join("\n", loaded.Errors));
        return loaded.Scenario!;
    }

    public static Task<SimulationResult> RunAsync(JourneyTemplate template, string scenarioYaml, IEmailTemplateSource? emails = null) =>
        new JourneySimulator(emails ?? new FileEmailTemplateSource(Repo.EmailsFolder)).RunAsync(template, Scenario(template, scenarioYaml));

    public static IReadOnlyList<TimelineEntry> Of(this SimulationResult result, string kind, string? name = null) =>
        [.. result.Timeline.Where(e => e.Kind == kind && (name is null || e.Name == name))];
}
