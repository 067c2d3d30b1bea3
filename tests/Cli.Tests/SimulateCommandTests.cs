using System.Text.Json;
using System.Text.RegularExpressions;
using JourneyOrchestrator.Cli.Tests.Support;

namespace JourneyOrchestrator.Cli.Tests;

/// <summary><c>journey simulate</c>: the timeline in virtual time, as a table or as JSON that is the same bytes every run.</summary>
public sealed partial class SimulateCommandTests
{
    private static readonly string Scenario = Repo.Scenario("new-car-purchase", "books-test-drive-at-once");

    [Fact]
    public async Task Json_is_the_same_bytes_every_run()
    {
        var first = await CliRun.RunAsync("simulate", Repo.NewCarPurchase, Scenario, "--json");
        var second = await CliRun.RunAsync("simulate", Repo.NewCarPurchase, Scenario, "--json");

        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        Assert.True(second.ExitCode == ExitCodes.Ok, second.ToString());
        Assert.True(first.Output.Length > 1000, first.ToString());
        Assert.Equal(first.Output, second.Output, StringComparer.Ordinal);
    }

    [Fact]
    public async Task Json_has_the_timeline_with_the_rendered_subject_and_the_expectations()
    {
        var run = await CliRun.RunAsync("simulate", Repo.NewCarPurchase, Scenario, "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());

        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("books-test-drive-at-once", root.GetProperty("scenario").GetString());
        Assert.Equal("new-car-purchase", root.GetProperty("templateId").GetString());
        var timeline = root.GetProperty("timeline").EnumerateArray().ToList();
        Assert.NotEmpty(timeline);
        Assert.Equal(Enumerable.Range(timeline[0].GetProperty("index").GetInt32(), timeline.Count), timeline.Select(e => e.GetProperty("index").GetInt32()));

        var brochure = Assert.Single(timeline, e => e.GetProperty("kind").GetString() == "email" && e.GetProperty("name").GetString() == "brochure-follow-up");
        Assert.Equal("sent", brochure.GetProperty("status").GetString());
        Assert.Equal("2027-03-01T08:00:00Z", brochure.GetProperty("at").GetString());
        // The scenario's customer (Anna) and the entry event's data (model: Hybrid X), rendered into the e-mail's subject line.
        Assert.Equal("Anna, your Hybrid X brochure — and a test drive?", brochure.GetProperty("data").GetProperty("subject").GetString());

        var expectations = root.GetProperty("expectations").EnumerateArray().ToList();
        var scenarioText = await File.ReadAllTextAsync(Scenario);
        var written = scenarioText[scenarioText.IndexOf("expect:", StringComparison.Ordinal)..].Split('\n').Count(l => l.StartsWith("  - ", StringComparison.Ordinal));
        Assert.Equal(written, expectations.Count);
        Assert.Equal(Enumerable.Range(0, written).Select(i => $"expect[{i}]"), expectations.Select(e => e.GetProperty("path").GetString()));
        Assert.All(expectations, e => Assert.True(e.GetProperty("passed").GetBoolean(), e.ToString()));
        Assert.Contains(expectations, e => e.GetProperty("expectation").GetString() == "an email 'brochure-follow-up' between +P0D and +PT1H");
    }

    [Fact]
    public async Task The_table_shows_the_timeline_and_every_expectation()
    {
        var run = await CliRun.RunAsync("simulate", Repo.NewCarPurchase, Scenario);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("\"Anna, your Hybrid X brochure — and a test drive?\"", run.LineWith("email brochure-follow-up (sent)"), StringComparison.Ordinal);
        Assert.Contains("✓ expect[0]: an email 'brochure-follow-up' between +P0D and +PT1H", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("✗", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_expectation_says_which_what_happened_instead_and_where_in_the_timeline()
    {
        using var temp = new TempFolder();
        var template = temp.CopyTemplate("new-car-purchase");
        // The follow-up is sent at once; this scenario expects it a day later.
        var scenario = temp.Write("scenarios/late.yaml", (await File.ReadAllTextAsync(Scenario))
            .ReplaceOnce("  - email: brochure-follow-up\n    between: [+PT0S, +PT1H]\n", "  - email: brochure-follow-up\n    between: [+P1D, +P2D]\n"));

        var run = await CliRun.RunAsync("simulate", template, scenario);

        Assert.True(run.ExitCode == ExitCodes.Failed, run.ToString());
        var failure = run.LineWith("✗");
        Assert.Contains($"{scenario}: expect[0]: an email 'brochure-follow-up' between +P1D and +P2D: none in the window; outside it: +P0D (#", failure, StringComparison.Ordinal);
        Assert.Single(run.Lines, l => l.Contains('✗', StringComparison.Ordinal));

        // The #n it names is the e-mail in the timeline.
        var index = int.Parse(TimelineIndex().Match(failure).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var json = await CliRun.RunAsync("simulate", template, scenario, "--json");
        Assert.True(json.ExitCode == ExitCodes.Failed, json.ToString());
        using var document = JsonDocument.Parse(json.Output);
        var entry = document.RootElement.GetProperty("timeline").EnumerateArray().Single(e => e.GetProperty("index").GetInt32() == index);
        Assert.Equal("email", entry.GetProperty("kind").GetString());
        Assert.Equal("brochure-follow-up", entry.GetProperty("name").GetString());
        var result = document.RootElement.GetProperty("expectations")[0];
        Assert.False(result.GetProperty("passed").GetBoolean());
        Assert.Equal([index], result.GetProperty("entries").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task An_invalid_template_is_reported_at_the_template_file_and_its_lines()
    {
        using var temp = new TempFolder();
        var template = temp.CopyTemplate("new-car-purchase", t => t.ReplaceOnce("    email: testdrive-invitation\n    next: wait-booking\n", "    email: testdrive-invitation\n    next: wait-bokking\n"));
        var line = (await File.ReadAllTextAsync(template)).LineOf("next: wait-bokking");
        var scenario = temp.Write("scenarios/s.yaml", await File.ReadAllTextAsync(Scenario));

        var run = await CliRun.RunAsync("simulate", template, scenario);

        Assert.True(run.ExitCode == ExitCodes.Failed, run.ToString());
        // The line is the template's: the error names the template's file, not the scenario's.
        Assert.StartsWith($"{template}:{line}:", run.LineWith("steps[2].next"), StringComparison.Ordinal);
        Assert.DoesNotContain(scenario, run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_scenario_is_a_usage_error()
    {
        using var temp = new TempFolder();
        var run = await CliRun.RunAsync("simulate", Repo.NewCarPurchase, temp.PathOf("none.yaml"));

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("No file", run.Output, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"\(#(\d+)\)")]
    private static partial Regex TimelineIndex();
}
