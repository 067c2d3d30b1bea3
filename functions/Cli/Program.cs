using JourneyOrchestrator.Cli;
using Spectre.Console;

if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 200; // a file or a pipe: one line per timeline entry
}

return await JourneyCli.RunAsync(args, AnsiConsole.Console, Environment.GetEnvironmentVariable);
