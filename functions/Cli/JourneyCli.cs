using System.CommandLine;
using JourneyOrchestrator.Cli.Commands;
using Spectre.Console;

namespace JourneyOrchestrator.Cli;

/// <summary>Exit codes of the <c>journey</c> command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Validation errors, failed expectations, failed scenarios.</summary>
    public const int Failed = 1;
    /// <summary>Bad usage or configuration: a missing file or API key, an unreadable profile.</summary>
    public const int Usage = 2;
    /// <summary>The host answered with an error (its problem details are printed) or could not be reached.</summary>
    public const int Remote = 3;
}

/// <summary>
/// The <c>journey</c> command line: <c>validate</c>, <c>simulate</c>, <c>test</c> and <c>replay</c> run locally in virtual
/// time; <c>publish</c>, <c>raise</c> and <c>inspect</c> call a running host with an API key from an environment variable or a
/// profile (never printed).
/// </summary>
public static class JourneyCli
{
    /// <param name="args">The command line.</param>
    /// <param name="console">Where output goes (tests pass a recording console).</param>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <param name="handler">The HTTP handler for host calls (tests may pass one; null: a normal client).</param>
    public static async Task<int> RunAsync(string[] args, IAnsiConsole console, Func<string, string?> environment, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(environment);
        var context = new CliContext(console, environment, handler);
        var root = new RootCommand("journey: validate, simulate and test journey templates in virtual time, and work with a running JourneyOrchestrator host.");
        root.Subcommands.Add(LocalCommands.Validate(context));
        root.Subcommands.Add(LocalCommands.Simulate(context));
        root.Subcommands.Add(LocalCommands.Test(context));
        root.Subcommands.Add(RemoteCommands.Replay(context));
        root.Subcommands.Add(RemoteCommands.Publish(context));
        root.Subcommands.Add(RemoteCommands.Raise(context));
        root.Subcommands.Add(RemoteCommands.Inspect(context));
        var output = new StringWriter();
        var parsed = root.Parse(args);
        var code = await parsed.InvokeAsync(new InvocationConfiguration { Output = output, Error = output });
        if (parsed.Errors.Count > 0)
        {
            code = ExitCodes.Usage; // the parser's own code is 1, which means failed scenarios here
        }

        if (output.GetStringBuilder().Length > 0)
        {
            console.Write(new Text(output.ToString()));
        }

        return code;
    }
}

/// <summary>What every command gets: the console, the environment and the HTTP handler.</summary>
internal sealed record CliContext(IAnsiConsole Console, Func<string, string?> Environment, HttpMessageHandler? Handler);
