using System.Diagnostics;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>A template file read and validated (its e-mails from the <c>emails</c> folder beside it).</summary>
public sealed record TemplateFile(string Path, JourneyTemplate? Template, IReadOnlyList<TemplateError> Errors, IEmailTemplateSource Emails)
{
    public bool IsValid => Template is not null && Errors.Count == 0;
}

/// <summary>One scenario file's run: its errors (file problems) or its simulation, and how long it took.</summary>
public sealed record ScenarioRun(string File, string Name, string? TemplatePath, IReadOnlyList<TemplateError> Errors, SimulationResult? Result, TimeSpan Elapsed)
{
    public bool Passed => Errors.Count == 0 && Result is { Passed: true } && Result.Outcome != SimulationOutcomes.Failed && Result.Outcome != SimulationOutcomes.EpisodeLimit;
}

/// <summary>
/// Templates and scenarios on disk, as <c>journey validate | simulate | test</c> and the test suite read them. A scenario names its
/// template by id (<c>template:</c>); its file is <c>{id}.yaml</c> (or .yml, .json) in the scenario's folder or one above it.
/// Scenarios of a folder are the YAML and JSON files under any <c>scenarios</c> folder in it.
/// </summary>
public static class ScenarioFiles
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Largest file read, in bytes (the template loader's document limit).</summary>
    public const int MaxFileBytes = TemplateLoader.MaxLength;

    public static TemplateFile LoadTemplate(string path, string? emailFolder = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var emails = new FileEmailTemplateSource(emailFolder ?? System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, "emails"));
        if (ReadText(path, out var text) is { } problem)
        {
            return new(path, null, [problem], emails);
        }

        var result = new TemplateValidator(emails).LoadAndValidate(text!, ContentTypeOf(path));
        return new(path, result.Template, result.Errors, emails);
    }

    /// <summary>Every scenario file under a <c>scenarios</c> folder of <paramref name="folder"/> (or <paramref name="folder"/> itself when it is one), in name order.</summary>
    public static IReadOnlyList<string> Find(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var root = System.IO.Path.GetFullPath(folder);
        var inScenarios = System.IO.Path.GetFileName(root.TrimEnd(System.IO.Path.DirectorySeparatorChar)) == "scenarios";
        return [.. Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Where(f => inScenarios || System.IO.Path.GetRelativePath(root, f).Split(System.IO.Path.DirectorySeparatorChar).SkipLast(1).Contains("scenarios", StringComparer.Ordinal))
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The file of template <paramref name="templateId"/> for <paramref name="scenarioFile"/>: in its folder or the nearest one above.</summary>
    public static string? FindTemplate(string scenarioFile, string templateId)
    {
        ArgumentNullException.ThrowIfNull(scenarioFile);
        if (!TemplateValidator.TemplateIdPattern().IsMatch(templateId ?? ""))
        {
            return null;
        }

        for (var dir = new DirectoryInfo(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(scenarioFile))!); dir is not null; dir = dir.Parent)
        {
            foreach (var extension in Extensions)
            {
                var candidate = System.IO.Path.Combine(dir.FullName, templateId + extension);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    /// <summary>Runs one scenario file against <paramref name="templatePath"/> (or the template it names).</summary>
    public static async Task<ScenarioRun> RunAsync(string scenarioFile, string? templatePath = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenarioFile);
        var clock = Stopwatch.StartNew();
        var name = System.IO.Path.GetFileNameWithoutExtension(scenarioFile);
        if (ReadText(scenarioFile, out var text) is { } unreadable)
        {
            return Failed([unreadable], null);
        }

        if (templatePath is null)
        {
            var read = ScenarioLoader.Read(text!, ContentTypeOf(scenarioFile));
            if (read.Document is null)
            {
                return Failed(read.Errors, null);
            }

            if (read.Document.Template is not { } id)
            {
                return Failed([new TemplateError("template", "Name the template this scenario runs (template: new-car-purchase), or give the template file.")], null);
            }

            templatePath = FindTemplate(scenarioFile, id);
            if (templatePath is null)
            {
                return Failed([new TemplateError("template", $"No template file '{id}.yaml' (or .yml, .json) in the scenario's folder or above it.")], null);
            }
        }

        var template = LoadTemplate(templatePath);
        if (!template.IsValid)
        {
            return Failed([.. template.Errors.Select(e => e with { Message = $"{System.IO.Path.GetFileName(templatePath)}: {e.Message}" })], templatePath);
        }

        var loaded = ScenarioLoader.Load(text!, template.Template!, name, ContentTypeOf(scenarioFile));
        if (!loaded.Succeeded)
        {
            return Failed(loaded.Errors, templatePath);
        }

        try
        {
            var result = await new JourneySimulator(template.Emails).RunAsync(template.Template!, loaded.Scenario!, cancellationToken: cancellationToken);
            return new(scenarioFile, loaded.Scenario!.Name, templatePath, [], result, clock.Elapsed);
        }
        catch (SimulationLimitException e)
        {
            return Failed([new TemplateError("$", e.Message)], templatePath);
        }

        ScenarioRun Failed(IReadOnlyList<TemplateError> errors, string? template) => new(scenarioFile, name, template, errors, null, clock.Elapsed);
    }

    public static string ContentTypeOf(string path) =>
        string.Equals(System.IO.Path.GetExtension(path), ".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/yaml";

    private static TemplateError? ReadText(string path, out string? text)
    {
        text = null;
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            return new TemplateError("$", $"No file '{path}'.");
        }

        if (file.Length > MaxFileBytes)
        {
            return new TemplateError("$", $"The file is larger than {MaxFileBytes:N0} bytes (limit {TemplateLimits.Key(nameof(TemplateLimits.MaxDocumentBytes))}).");
        }

        text = File.ReadAllText(path);
        return null;
    }
}
