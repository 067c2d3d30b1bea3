using JourneyOrchestrator.Cli.Tests.Support;

namespace JourneyOrchestrator.Cli.Tests;

/// <summary><c>journey validate</c>: templates and scenarios, every error as <c>file:line:column: error path: message</c>.</summary>
public sealed class ValidateCommandTests
{
    private const string BooksTestDrive = "books-test-drive-at-once";

    [Fact]
    public async Task The_shipped_template_is_valid()
    {
        var run = await CliRun.RunAsync("validate", Repo.NewCarPurchase);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("valid template 'new-car-purchase'", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("error", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_shipped_scenario_is_valid_against_the_template_it_names()
    {
        var run = await CliRun.RunAsync("validate", Repo.Scenario("new-car-purchase", BooksTestDrive));

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains($"valid scenario '{BooksTestDrive}' for new-car-purchase.yaml", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_next_to_a_missing_step_is_an_error_at_its_line_with_its_path()
    {
        using var temp = new TempFolder();
        const string broken = "    next: wait-bokking\n";
        var path = temp.CopyTemplate("new-car-purchase", t => t.ReplaceOnce("    email: testdrive-invitation\n    next: wait-booking\n", "    email: testdrive-invitation\n" + broken));
        var text = File.ReadAllText(path);
        var line = text.LineOf("next: wait-bokking");
        var step = StepIndexAt(text, line); // testdrive-invitation is the template's third step

        var run = await CliRun.RunAsync("validate", path);

        Assert.True(run.ExitCode == ExitCodes.Failed, run.ToString());
        var error = run.LineWith($"steps[{step}].next");
        Assert.StartsWith($"{path}:{line}:", error, StringComparison.Ordinal);
        Assert.Contains($": error steps[{step}].next: ", error, StringComparison.Ordinal);
        Assert.Contains("wait-bokking", error, StringComparison.Ordinal);
        // The steps only that next led to are unreachable now: errors too, each on its own line, all counted.
        var errors = run.Lines.Where(l => l.Contains(": error ", StringComparison.Ordinal)).ToList();
        Assert.All(errors, l => Assert.StartsWith(path + ":", l, StringComparison.Ordinal));
        Assert.Contains($"{errors.Count} error(s)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scenario_event_the_template_does_not_know_is_an_error_at_its_line()
    {
        using var temp = new TempFolder();
        temp.CopyTemplate("new-car-purchase");
        var scenario = temp.Write("scenarios/lost.yaml", Shipped(BooksTestDrive).ReplaceOnce("name: quote.sent", "name: quote.lost"));
        var line = File.ReadAllText(scenario).LineOf("name: quote.lost");

        var run = await CliRun.RunAsync("validate", scenario);

        Assert.True(run.ExitCode == ExitCodes.Failed, run.ToString());
        var error = run.LineWith("events[3].name");
        Assert.StartsWith($"{scenario}:{line}:", error, StringComparison.Ordinal);
        Assert.Contains(": error events[3].name: 'quote.lost' is not an event of template 'new-car-purchase'", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2027-02-01T08:00:00Z", "is before the scenario's start")]
    [InlineData("+soon", "is not a duration after the start")]
    [InlineData("next week", "is neither a duration after the start")]
    public async Task A_scenario_event_time_before_the_start_or_not_a_duration_is_an_error_naming_its_at(string at, string message)
    {
        using var temp = new TempFolder();
        temp.CopyTemplate("new-car-purchase");
        var scenario = temp.Write("scenarios/when.yaml", Shipped(BooksTestDrive).ReplaceOnce("  - at: +P5D\n", $"  - at: {at}\n"));
        var line = File.ReadAllText(scenario).LineOf($"at: {at}");

        var run = await CliRun.RunAsync("validate", scenario);

        Assert.True(run.ExitCode == ExitCodes.Failed, run.ToString());
        var error = run.LineWith($"events[3].at: '{at}'");
        Assert.StartsWith($"{scenario}:{line}:", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_file_is_a_usage_error()
    {
        using var temp = new TempFolder();
        var missing = temp.PathOf("nothing-here.yaml");

        var run = await CliRun.RunAsync("validate", missing);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains($"No file '{missing}'", run.Output, StringComparison.Ordinal);
    }

    private static string Shipped(string scenario) => File.ReadAllText(Repo.Scenario("new-car-purchase", scenario));

    /// <summary>The index in <c>steps</c> of the step that <paramref name="line"/> (1-based) is in.</summary>
    private static int StepIndexAt(string text, int line)
    {
        var lines = text.Split('\n');
        var inSteps = false;
        var index = -1;
        for (var i = 0; i < line; i++)
        {
            if (lines[i] == "steps:")
            {
                inSteps = true;
            }
            else if (inSteps && lines[i].StartsWith("  - id: ", StringComparison.Ordinal))
            {
                index++;
            }
        }

        Assert.True(index >= 0, $"line {line} is not in a step");
        return index;
    }
}
