using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Simulation;
using Spectre.Console;

namespace JourneyOrchestrator.Cli.Commands;

/// <summary>How the commands print: errors as <c>file:line:column: path: message</c> (as compilers do), timelines as tables.</summary>
internal static class Output
{
    public static int Usage(CliContext cli, string message)
    {
        cli.Console.MarkupLineInterpolated($"[red]error:[/] {message}");
        return ExitCodes.Usage;
    }

    public static int Errors(CliContext cli, string file, IReadOnlyList<TemplateError> errors)
    {
        foreach (var e in errors)
        {
            var at = e.Line is { } line ? $"{file}:{line}:{e.Column}" : file;
            cli.Console.MarkupLineInterpolated($"{at}: [red]error[/] {e.Path}: {e.Message}");
        }

        cli.Console.MarkupLineInterpolated($"[red]{errors.Count} error(s)[/]");
        return ExitCodes.Failed;
    }

    /// <summary>Text exactly as given (JSON), not wrapped to the console's width.</summary>
    public static void Raw(CliContext cli, string text)
    {
        cli.Console.Profile.Out.Writer.Write(text);
        cli.Console.Profile.Out.Writer.WriteLine();
        cli.Console.Profile.Out.Writer.Flush();
    }

    public static void Timeline(CliContext cli, SimulationResult result)
    {
        cli.Console.MarkupLineInterpolated($"[bold]{result.Scenario}[/]: {result.TemplateId} v{result.TemplateVersion}, from {result.Start:yyyy-MM-dd HH:mm}Z to {result.Horizon:yyyy-MM-dd}, dealer time {result.DealerTimeZone}");
        var table = new Table().Border(TableBorder.Simple).AddColumns("#", "after start", "dealer's time", "what", "step", "detail");
        foreach (var e in result.Timeline.Where(e => e.Kind is not TimelineKinds.Step))
        {
            table.AddRow(
                e.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                e.Elapsed,
                e.Local + (e.CustomerLocal is null ? "" : $" (customer {e.CustomerLocal})"),
                Markup.Escape(Kind(e)),
                Markup.Escape(e.Step ?? ""),
                Markup.Escape(e.Detail ?? ""));
        }

        cli.Console.Write(table);
        cli.Console.MarkupLineInterpolated($"outcome: [bold]{result.Outcome}[/]{(result.EndReason is null ? "" : $" ({result.EndReason})")}{(result.Failure is null ? "" : $": {result.Failure}")}");
    }

    public static void Expectations(CliContext cli, string file, SimulationResult result, bool failedOnly = false)
    {
        foreach (var x in result.Expectations.Where(x => !failedOnly || !x.Passed))
        {
            if (x.Passed)
            {
                cli.Console.MarkupLineInterpolated($"[green]✓[/] {x.Path}: {x.Expectation}");
            }
            else
            {
                cli.Console.MarkupLineInterpolated($"[red]✗[/] {file}: {x.Path}: {x.Expectation}: {x.Failure}");
            }
        }

        if (result.Outcome is SimulationOutcomes.Failed or SimulationOutcomes.EpisodeLimit)
        {
            cli.Console.MarkupLineInterpolated($"[red]✗[/] {file}: the journey {result.Outcome}: {result.Failure}");
        }
    }

    private static string Kind(TimelineEntry e) => e.Kind switch
    {
        TimelineKinds.Email or TimelineKinds.Task => $"{e.Kind} {e.Name} ({e.Status})",
        TimelineKinds.Event => $"event {e.Name} ({e.Status})",
        TimelineKinds.Phase or TimelineKinds.Goal => $"{e.Kind} {e.Name}",
        _ => e.Kind,
    };
}
