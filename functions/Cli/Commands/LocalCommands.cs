using System.CommandLine;
using System.Globalization;
using System.Xml.Linq;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Simulation;
using Spectre.Console;

namespace JourneyOrchestrator.Cli.Commands;

/// <summary><c>validate</c>, <c>simulate</c>, <c>test</c>: files on disk, virtual time, nothing stored or sent.</summary>
internal static class LocalCommands
{
    public static Command Validate(CliContext cli)
    {
        var file = new Argument<FileInfo>("file") { Description = "A template (YAML or JSON) or a scenario file." };
        var emails = EmailsOption();
        var command = new Command("validate", "Check a template (or a scenario against its template): every error with its line and path; exit code 1 when there are any.") { file, emails };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!.FullName;
            if (!File.Exists(path))
            {
                return Output.Usage(cli, $"No file '{path}'.");
            }

            if (IsScenario(path))
            {
                var run = await ScenarioFiles.RunAsync(path, cancellationToken: cancellationToken);
                if (run.Errors.Count > 0)
                {
                    return Output.Errors(cli, ErrorFile(run), run.Errors);
                }

                cli.Console.MarkupLineInterpolated($"[green]valid[/] scenario '{run.Name}' for {Path.GetFileName(run.TemplatePath)}");
                return ExitCodes.Ok;
            }

            var template = ScenarioFiles.LoadTemplate(path, parse.GetValue(emails)?.FullName);
            if (!template.IsValid)
            {
                return Output.Errors(cli, path, template.Errors);
            }

            cli.Console.MarkupLineInterpolated($"[green]valid[/] template '{template.Template!.Id}' ({template.Template.Steps.Count} steps)");
            return ExitCodes.Ok;
        });
        return command;
    }

    public static Command Simulate(CliContext cli)
    {
        var template = new Argument<FileInfo>("template") { Description = "The template file (YAML or JSON); its e-mails are in the 'emails' folder beside it." };
        var scenario = new Argument<FileInfo>("scenario") { Description = "The scenario file: customer, dealer, events with their times, expectations." };
        var json = JsonOption();
        var command = new Command("simulate", "Run a template against a scenario in virtual time and print the timeline (every touchpoint, wait, decision, phase and goal).") { template, scenario, json };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var templatePath = parse.GetValue(template)!.FullName;
            var scenarioPath = parse.GetValue(scenario)!.FullName;
            foreach (var p in new[] { templatePath, scenarioPath }.Where(p => !File.Exists(p)))
            {
                return Output.Usage(cli, $"No file '{p}'.");
            }

            var run = await ScenarioFiles.RunAsync(scenarioPath, templatePath, cancellationToken);
            if (run.Errors.Count > 0)
            {
                return Output.Errors(cli, ErrorFile(run), run.Errors);
            }

            if (parse.GetValue(json))
            {
                Output.Raw(cli, run.Result!.ToJson());
            }
            else
            {
                Output.Timeline(cli, run.Result!);
                Output.Expectations(cli, run.File, run.Result!);
                cli.Console.MarkupLineInterpolated($"[grey]{run.Result!.Timeline.Count} entries, {run.Result.Episodes} episodes, {run.Elapsed.TotalMilliseconds:F0} ms[/]");
            }

            return run.Passed ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    public static Command Test(CliContext cli)
    {
        var folder = new Argument<DirectoryInfo>("folder") { Description = "A folder with templates and their 'scenarios' folders (or a scenarios folder)." };
        var junit = new Option<FileInfo?>("--junit") { Description = "Also write a JUnit XML report to this file (for CI)." };
        var command = new Command("test", "Run every scenario under the folder's 'scenarios' folders and check its expectations; exit code 1 when one fails.") { folder, junit };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var root = parse.GetValue(folder)!.FullName;
            if (!Directory.Exists(root))
            {
                return Output.Usage(cli, $"No folder '{root}'.");
            }

            var files = ScenarioFiles.Find(root);
            if (files.Count == 0)
            {
                return Output.Usage(cli, $"No scenario files under a 'scenarios' folder in '{root}'.");
            }

            var runs = new List<ScenarioRun>();
            foreach (var file in files)
            {
                runs.Add(await ScenarioFiles.RunAsync(file, cancellationToken: cancellationToken));
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("scenario", "template", "result", "expectations", "ms");
            foreach (var run in runs)
            {
                var expectations = run.Result?.Expectations ?? [];
                table.AddRow(
                    Markup.Escape(Path.GetRelativePath(root, run.File)),
                    Markup.Escape(run.TemplatePath is null ? "?" : Path.GetFileName(run.TemplatePath)),
                    run.Passed ? "[green]passed[/]" : "[red]failed[/]",
                    $"{expectations.Count(e => e.Passed)}/{expectations.Count}",
                    run.Elapsed.TotalMilliseconds.ToString("F0", CultureInfo.InvariantCulture));
            }

            cli.Console.Write(table);
            foreach (var run in runs.Where(r => !r.Passed))
            {
                if (run.Errors.Count > 0)
                {
                    Output.Errors(cli, ErrorFile(run), run.Errors);
                }
                else
                {
                    Output.Expectations(cli, run.File, run.Result!, failedOnly: true);
                }
            }

            var failed = runs.Count(r => !r.Passed);
            cli.Console.MarkupLineInterpolated($"{runs.Count} scenarios, [{(failed == 0 ? "green" : "red")}]{failed} failed[/]");
            if (parse.GetValue(junit) is { } report)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(report.FullName)!); // TestResults/ is not there on a fresh clone
                await File.WriteAllTextAsync(report.FullName, JUnit(root, runs).ToString(), cancellationToken);
            }

            return failed == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    internal static Option<bool> JsonOption() => new("--json") { Description = "Print JSON instead of a table (the same bytes for the same inputs)." };

    private static Option<DirectoryInfo?> EmailsOption() => new("--emails") { Description = "The folder of the template's .liquid e-mails (default: 'emails' beside the file)." };

    /// <summary>The file a run's errors (and their lines) are in: the template's when it is the template that is invalid.</summary>
    private static string ErrorFile(ScenarioRun run) =>
        run.TemplatePath is not null && run.Errors[0].Message.StartsWith(Path.GetFileName(run.TemplatePath) + ":", StringComparison.Ordinal) ? run.TemplatePath : run.File;

    /// <summary>A scenario has events and no steps; anything else is taken as a template.</summary>
    private static bool IsScenario(string path)
    {
        var read = ScenarioLoader.Read(File.ReadAllText(path), ScenarioFiles.ContentTypeOf(path));
        return read.Document is { Events: not null } && !read.Errors.Any(e => e.Path == "steps");
    }

    private static XDocument JUnit(string root, List<ScenarioRun> runs) => new(
        new XElement("testsuites",
            new XElement("testsuite",
                new XAttribute("name", "journey test"),
                new XAttribute("tests", runs.Count),
                new XAttribute("failures", runs.Count(r => !r.Passed)),
                runs.Select(run => new XElement("testcase",
                    new XAttribute("classname", run.TemplatePath is null ? "journey" : Path.GetFileNameWithoutExtension(run.TemplatePath)),
                    new XAttribute("name", Path.GetRelativePath(root, run.File)),
                    new XAttribute("time", run.Elapsed.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture)),
                    run.Passed ? null : new XElement("failure",
                        new XAttribute("message", run.Errors.Count > 0 ? run.Errors[0].ToString() : run.Result!.Expectations.First(e => !e.Passed).Expectation),
                        string.Join("\n", run.Errors.Select(e => e.ToString()).Concat(
                            (run.Result?.Expectations ?? []).Where(e => !e.Passed).Select(e => $"{e.Path}: {e.Expectation}: {e.Failure}")))))))));
}
