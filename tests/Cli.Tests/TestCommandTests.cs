using System.Xml.Linq;
using JourneyOrchestrator.Cli.Tests.Support;

namespace JourneyOrchestrator.Cli.Tests;

/// <summary><c>journey test</c>: every scenario of a folder, a summary, the failures, and a JUnit report for CI.</summary>
public sealed class TestCommandTests
{
    [Fact]
    public async Task The_shipped_templates_pass_and_every_shipped_scenario_is_listed()
    {
        var shipped = Directory.EnumerateFiles(Path.Combine(Repo.TemplatesFolder, "scenarios"), "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.TemplatesFolder, f)).ToList();
        Assert.True(shipped.Count >= 8, string.Join(", ", shipped));

        var run = await CliRun.RunAsync("test", Repo.TemplatesFolder);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        foreach (var file in shipped)
        {
            var row = run.LineWith(file);
            Assert.Contains("passed", row, StringComparison.Ordinal);
        }

        Assert.Contains($"{shipped.Count} scenarios, 0 failed", run.Output, StringComparison.Ordinal);
        Assert.Single(run.Lines, l => l.Contains("failed", StringComparison.Ordinal)); // the summary, no row
    }

    [Fact]
    public async Task One_failing_scenario_fails_the_run_and_the_JUnit_report_says_which_and_why()
    {
        using var temp = new TempFolder();
        temp.CopyTemplate("new-car-purchase");
        var shipped = await File.ReadAllTextAsync(Repo.Scenario("new-car-purchase", "no-booking"));
        temp.Write("scenarios/a-passes.yaml", shipped.ReplaceOnce("scenario: no-booking", "scenario: passes"));
        // The invitation goes out after a day; this copy expects it after five.
        var failing = temp.Write("scenarios/b-fails.yaml", shipped.ReplaceOnce("scenario: no-booking", "scenario: fails")
            .ReplaceOnce("  - email: testdrive-invitation\n    between: [+P1D, +P2D]\n", "  - email: testdrive-invitation\n    between: [+P5D, +P6D]\n"));
        var report = temp.PathOf("junit.xml");

        var run = await CliRun.RunAsync("test", temp.Root, "--junit", report);

        Assert.True(run.ExitCode == ExitCodes.Failed, run.ToString());
        Assert.Contains("passed", run.LineWith(Path.Combine("scenarios", "a-passes.yaml")), StringComparison.Ordinal);
        Assert.Contains("failed", run.LineWith(Path.Combine("scenarios", "b-fails.yaml")), StringComparison.Ordinal);
        Assert.Contains($"{failing}: expect[1]: an email 'testdrive-invitation' between +P5D and +P6D: none in the window; outside it: +P1D", run.Output, StringComparison.Ordinal);
        Assert.Contains("2 scenarios, 1 failed", run.Output, StringComparison.Ordinal);

        Assert.True(File.Exists(report), "no JUnit report written");
        var suite = XDocument.Load(report).Root!.Element("testsuite")!;
        Assert.Equal("2", suite.Attribute("tests")?.Value);
        Assert.Equal("1", suite.Attribute("failures")?.Value);
        var cases = suite.Elements("testcase").ToList();
        Assert.Equal(2, cases.Count);
        Assert.All(cases, c => Assert.Equal("new-car-purchase", c.Attribute("classname")?.Value));
        var passed = Assert.Single(cases, c => c.Attribute("name")?.Value == Path.Combine("scenarios", "a-passes.yaml"));
        Assert.Null(passed.Element("failure"));
        var failed = Assert.Single(cases, c => c.Attribute("name")?.Value == Path.Combine("scenarios", "b-fails.yaml"));
        var failure = failed.Element("failure");
        Assert.NotNull(failure);
        Assert.Equal("an email 'testdrive-invitation' between +P5D and +P6D", failure.Attribute("message")?.Value);
        Assert.StartsWith("expect[1]: an email 'testdrive-invitation' between +P5D and +P6D: none in the window; outside it: +P1D", failure.Value, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_template_is_reported_at_the_template_file_and_its_lines()
    {
        using var temp = new TempFolder();
        var template = temp.CopyTemplate("new-car-purchase", t => t.ReplaceOnce("    email: testdrive-invitation\n    next: wait-booking\n", "    email: testdrive-invitation\n    next: wait-bokking\n"));
        var line = (await File.ReadAllTextAsync(template)).LineOf("next: wait-bokking");
        var scenario = temp.Write("scenarios/s.yaml", await File.ReadAllTextAsync(Repo.Scenario("new-car-purchase", "no-booking")));

        var run = await CliRun.RunAsync("test", temp.Root);

        Assert.True(run.ExitCode == ExitCodes.Failed, run.ToString());
        Assert.Contains("failed", run.LineWith(Path.Combine("scenarios", "s.yaml")), StringComparison.Ordinal);
        Assert.StartsWith($"{template}:{line}:", run.LineWith("steps[2].next"), StringComparison.Ordinal);
        Assert.DoesNotContain($"{scenario}:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_without_scenarios_is_a_usage_error()
    {
        using var temp = new TempFolder();
        temp.CopyTemplate("new-car-purchase");

        var run = await CliRun.RunAsync("test", temp.Root);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("No scenario files", run.Output, StringComparison.Ordinal);
    }
}
