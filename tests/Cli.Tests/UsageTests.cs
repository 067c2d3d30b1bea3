using JourneyOrchestrator.Cli.Tests.Support;

namespace JourneyOrchestrator.Cli.Tests;

/// <summary>Bad usage (a missing argument, an unknown command or option) is exit code 2, not 1 (which means failed scenarios).</summary>
public sealed class UsageTests
{
    public static TheoryData<string[], string> BadUsage() => new()
    {
        { ["validate"], "Required argument missing" },
        { ["frobnicate"], "Unrecognized command or argument 'frobnicate'" },
        { ["test", "functions/journey-templates", "--junt", "x.xml"], "Unrecognized command or argument '--junt'" },
        { [], "Required command was not provided" },
    };

    [Theory]
    [MemberData(nameof(BadUsage))]
    public async Task Bad_usage_is_exit_code_2_with_the_parser_message_and_the_help(string[] args, string message)
    {
        var run = await CliRun.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains(message, run.Output, StringComparison.Ordinal);
        Assert.Contains("Usage:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_is_exit_code_0()
    {
        var run = await CliRun.RunAsync("--help");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        foreach (var command in new[] { "validate", "simulate", "test", "replay", "publish", "raise", "inspect" })
        {
            Assert.Contains(command, run.Output, StringComparison.Ordinal);
        }
    }
}
