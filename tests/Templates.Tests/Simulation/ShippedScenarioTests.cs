using JourneyOrchestrator.Templates.Simulation;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests.Simulation;

/// <summary>Every scenario shipped under functions/journey-templates/scenarios passes, as <c>journey test</c> runs it.</summary>
public sealed class ShippedScenarioTests
{
    public static TheoryData<string> Files() => [.. ScenarioFiles.Find(Repo.TemplatesFolder).Select(f => Path.GetRelativePath(Repo.TemplatesFolder, f))];

    [Theory]
    [MemberData(nameof(Files))]
    public async Task Passes(string file)
    {
        var run = await ScenarioFiles.RunAsync(Path.Combine(Repo.TemplatesFolder, file));
        Assert.True(run.Errors.Count == 0, string.Join("\n", run.Errors));
        var failed = run.Result!.Expectations.Where(e => !e.Passed).Select(e => $"{e.Path}: {e.Expectation}: {e.Failure}");
        Assert.True(run.Passed, $"{run.Result.Outcome} {run.Result.Failure}\n" + string.Join("\n", failed));
        Assert.NotEmpty(run.Result.Expectations);
    }

    [Fact]
    public void The_stories_the_issue_names_are_shipped()
    {
        var names = ScenarioFiles.Find(Repo.TemplatesFolder).Select(f => Path.GetRelativePath(Repo.TemplatesFolder, f).Replace('\\', '/')).ToList();
        foreach (var expected in new[]
        {
            "scenarios/new-car-purchase/books-test-drive-at-once.yaml", "scenarios/new-car-purchase/never-answers-quote.yaml",
            "scenarios/new-car-purchase/unsubscribes.yaml", "scenarios/new-car-purchase/delivery-without-payment.yaml",
            "scenarios/new-car-purchase/fifteen-years.yaml", "scenarios/service-reminder/books-after-reminder.yaml",
        })
        {
            Assert.Contains(expected, names);
        }
    }
}
