using Spectre.Console.Testing;

namespace JourneyOrchestrator.Cli.Tests.Support;

/// <summary>What one run of the CLI did: its exit code and everything it printed.</summary>
internal sealed record CliResult(int ExitCode, string Output)
{
    /// <summary>The printed lines (one per error, table row or message: the console is wide enough never to wrap).</summary>
    public IReadOnlyList<string> Lines => Output.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    /// <summary>The one printed line that contains <paramref name="text"/> (fails the test when none does).</summary>
    public string LineWith(string text) =>
        Lines.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No line of the output contains '{text}'. Exit code {ExitCode}; output:\n{Output}");

    public override string ToString() => $"exit code {ExitCode}\n{Output}";
}

/// <summary>Runs the <c>journey</c> CLI in-process with a recording console and an environment of the test's own.</summary>
internal static class CliRun
{
    /// <summary>No variables at all: no API key, no host, no profiles file.</summary>
    public static readonly Func<string, string?> EmptyEnvironment = _ => null;

    public static Task<CliResult> RunAsync(params string[] args) => RunAsync(args, EmptyEnvironment);

    public static async Task<CliResult> RunAsync(string[] args, Func<string, string?> environment, HttpMessageHandler? handler = null)
    {
        using var console = new TestConsole().Width(1000);
        var code = await JourneyCli.RunAsync(args, console, environment, handler);
        return new CliResult(code, console.Output);
    }
}
