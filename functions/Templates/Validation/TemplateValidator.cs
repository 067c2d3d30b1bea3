using System.Text.RegularExpressions;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Validation;

/// <summary>The outcome of checking a document: the template (null when it could not be read) and every error, located.</summary>
public sealed record TemplateValidationResult(JourneyTemplate? Template, IReadOnlyList<TemplateError> Errors)
{
    public bool IsValid => Template is not null && Errors.Count == 0;

    /// <summary>Set when reading stopped at one of the <see cref="TemplateLimits"/> (then <see cref="Template"/> is null).</summary>
    public TemplateLimitExceeded? LimitExceeded { get; init; }
}

/// <summary>
/// Checks a template and returns ALL errors, each with a path into the document and a plain-English message: ids, references
/// between steps, reachability, loops without a real wait (<see cref="TemplateValidationOptions.MinimumLoopWait"/>), durations, declared events, per-kind properties, phases, e-mail
/// templates and Liquid syntax (and the Liquid limits, rendered with an empty model), categories, split weights, repeat bounds and conditions. See <c>docs/template-authors.md</c>.
/// </summary>
public sealed partial class TemplateValidator(IEmailTemplateSource? emails = null, TemplateValidationOptions? options = null)
{
    private readonly TemplateValidationOptions _options = options ?? new TemplateValidationOptions();
    private readonly LiquidRenderer _renderer = new((options ?? new TemplateValidationOptions()).Liquid);

    /// <summary>The limits this validator checks with.</summary>
    public TemplateValidationOptions Options => _options;

    /// <summary>
    /// Loads (YAML or JSON) within <paramref name="limits"/> (the defaults when null) and validates; errors carry line and
    /// column where known, at most <see cref="TemplateLimits.MaxErrors"/> of them over load and validation together.
    /// </summary>
    /// <param name="text">The document.</param>
    /// <param name="contentType">YAML or JSON (sniffed when null).</param>
    /// <param name="limits">The document limits.</param>
    /// <param name="authoredEmails">The names of e-mails published through the API (checked when they were published): a step may use them.</param>
    public TemplateValidationResult LoadAndValidate(string text, string? contentType = null, TemplateLimits? limits = null, IReadOnlySet<string>? authoredEmails = null)
    {
        limits ??= new TemplateLimits();
        var loaded = TemplateLoader.Load(text, contentType, limits);
        if (loaded.Template is null)
        {
            return new(null, loaded.Errors) { LimitExceeded = loaded.LimitExceeded };
        }

        var errors = loaded.Locate([.. loaded.ListedErrors, .. Validate(loaded.Template, authoredEmails)]);
        return new(loaded.Template, limits.Cap(errors, errors.Count + loaded.OmittedErrors));
    }

    /// <summary>Every problem in <paramref name="template"/>; empty when it is valid.</summary>
    public IReadOnlyList<TemplateError> Validate(JourneyTemplate template, IReadOnlySet<string>? authoredEmails = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var run = new Run(template, emails, _options, _renderer, authoredEmails ?? new HashSet<string>());
        run.CheckTemplate();
        return run.Errors;
    }

    [GeneratedRegex("^d-[0-9a-f]{32}$", RegexOptions.CultureInvariant)]
    internal static partial Regex SendGridTemplateIdPattern();

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    internal static partial Regex TemplateIdPattern();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,100}$", RegexOptions.CultureInvariant)]
    internal static partial Regex StepIdPattern();

    private sealed partial class Run(JourneyTemplate template, IEmailTemplateSource? emails, TemplateValidationOptions options, LiquidRenderer renderer, IReadOnlySet<string> authoredEmails)
    {
        private readonly HashSet<string> _declared = new(template.Events, StringComparer.Ordinal);
        private readonly Dictionary<string, int> _stepIndex = new(StringComparer.Ordinal);

        public List<TemplateError> Errors { get; } = [];

        private void Add(string path, string message) => Errors.Add(new TemplateError(path, message));

        public void CheckTemplate()
        {
            if (string.IsNullOrEmpty(template.Id))
            {
                Add("id", "The template needs an id.");
            }
            else if (!TemplateIdPattern().IsMatch(template.Id))
            {
                Add("id", $"The id '{template.Id}' must be 1-100 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. new-car-purchase).");
            }

            if (string.IsNullOrWhiteSpace(template.Name))
            {
                Add("name", "The template needs a name.");
            }

            CheckEvents();
            IndexSteps();
            if (string.IsNullOrEmpty(template.Start))
            {
                Add("start", "The template needs a start: the id of its first step.");
            }
            else
            {
                CheckReference("start", template.Start);
            }

            for (var i = 0; i < template.Goals.Count; i++)
            {
                CheckGoal(i, template.Goals[i]);
            }

            for (var i = 0; i < template.Steps.Count; i++)
            {
                CheckStep(i, template.Steps[i]);
            }

            if (_stepIndex.ContainsKey(template.Start))
            {
                CheckReachability(); // without a valid start every step would be reported
            }

            CheckLoops();
        }

        private void CheckEvents()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < template.Events.Count; i++)
            {
                var name = template.Events[i];
                if (string.IsNullOrWhiteSpace(name) || name.Length > 200 || name.Any(char.IsControl))
                {
                    Add($"events[{i}]", "An event name must be 1-200 characters without control characters (e.g. testdrive.booked).");
                }
                else if (!seen.Add(name))
                {
                    Add($"events[{i}]", $"The event '{name}' is declared twice.");
                }
            }

            if (template.Entry is { } entry)
            {
                CheckUsedEvents("entry.events", entry.Events);
            }

            if (template.Exit is { } exit)
            {
                CheckUsedEvents("exit.events", exit.Events);
            }
        }

        private void CheckUsedEvents(string path, List<string> names)
        {
            for (var i = 0; i < names.Count; i++)
            {
                CheckDeclared($"{path}[{i}]", names[i]);
            }
        }

        private void CheckDeclared(string path, string? name)
        {
            if (string.IsNullOrEmpty(name))
            {
                Add(path, "The event name is empty.");
            }
            else if (!_declared.Contains(name))
            {
                Add(path, $"The event '{name}' is not declared; add it to the template's 'events' list.");
            }
        }

        private void IndexSteps()
        {
            for (var i = 0; i < template.Steps.Count; i++)
            {
                var id = template.Steps[i].Id;
                if (string.IsNullOrEmpty(id))
                {
                    Add($"steps[{i}].id", "The step needs an id.");
                }
                else if (!StepIdPattern().IsMatch(id))
                {
                    Add($"steps[{i}].id", $"The step id '{id}' must be 1-100 letters, digits, '-' or '_'.");
                }
                else if (!_stepIndex.TryAdd(id, i))
                {
                    Add($"steps[{i}].id", $"The step id '{id}' is already used by steps[{_stepIndex[id]}]; step ids must be unique.");
                }
            }

            if (template.Steps.Count == 0)
            {
                Add("steps", "The template needs at least one step.");
            }
        }

        private void CheckReference(string path, string? target)
        {
            if (string.IsNullOrEmpty(target))
            {
                Add(path, "The step id is empty.");
            }
            else if (!_stepIndex.ContainsKey(target))
            {
                Add(path, $"No step has the id '{target}'.");
            }
        }

        private void CheckPhase(string path, string? phase)
        {
            if (phase is not null && !Phases.All.Contains(phase))
            {
                Add(path, $"Unknown phase '{phase}'; use one of: {string.Join(", ", Phases.All)}.");
            }
        }

        private void CheckGoal(int index, GoalSpec goal)
        {
            var path = $"goals[{index}]";
            CheckDeclared($"{path}.event", goal.Event);
            if (template.Exit?.Events.Contains(goal.Event) == true)
            {
                Add($"{path}.event", $"The event '{goal.Event}' is both an exit event and a goal; it can only be one.");
            }

            if (template.Goals.Take(index).Any(g => g.Event == goal.Event))
            {
                Add($"{path}.event", $"Another goal already listens for '{goal.Event}'.");
            }

            CheckPhase($"{path}.phase", goal.Phase);
            if (goal.Forward && goal.Phase is null)
            {
                Add($"{path}.forward", "A forward goal needs 'phase': it fires while the journey is in an earlier phase than this one.");
            }

            if (string.IsNullOrEmpty(goal.Goto))
            {
                Add($"{path}.goto", "The goal needs 'goto': the step the journey continues at when the goal event arrives.");
            }
            else
            {
                CheckReference($"{path}.goto", goal.Goto);
            }
        }
    }
}
