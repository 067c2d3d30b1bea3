using System.Collections.Concurrent;
using System.Text.Json;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>The outcome of publishing: the version that holds the document, and whether it is new.</summary>
public sealed record PublishOutcome(JourneyTemplate Template, int Version, bool Created);

/// <summary>
/// Validates and publishes template documents. A document whose template equals the latest published version (same
/// content, whatever its formatting or comments) publishes nothing and answers with that version, so re-publishing the
/// shipped templates at every start-up causes no version churn. Documents are read within the configured
/// <see cref="TemplateLimits"/> (<c>Journeys:Templates:Limits</c>).
/// </summary>
public sealed class TemplatePublisher(
    IJourneyDataStore store, CachingTemplateCatalog catalog, TemplateValidator validator, TimeProvider time, TemplateLimits limits, IEmailContentStore? emails = null)
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>The limits documents are read within.</summary>
    public TemplateLimits Limits => limits;

    /// <summary>
    /// Loads and validates a document; errors carry paths into it (and lines where known), at most
    /// <see cref="TemplateLimits.MaxErrors"/> of them. A document past a limit has that one error and no template.
    /// </summary>
    public TemplateValidationResult Validate(string text, string contentType) => validator.LoadAndValidate(text, contentType, limits);

    /// <summary>As <see cref="Validate(string, string)"/> for an upload (the API-authored e-mails known): a document past a limit is refused.</summary>
    /// <exception cref="ApiProblemException">413 (<c>MaxDocumentBytes</c>) or 422 (a structure limit) naming the limit, its value and where it was hit.</exception>
    public async Task<TemplateValidationResult> ValidateUploadAsync(string text, string contentType, CancellationToken cancellationToken)
    {
        // E-mails published through the API count as known (they were validated when published).
        var authored = emails is null ? null : (await emails.ListEmailsAsync(cancellationToken)).Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var result = validator.LoadAndValidate(text, contentType, limits, authored);
        return result.LimitExceeded is { } exceeded ? throw LimitProblem(exceeded) : result;
    }

    /// <summary>The problem details of a document past one of the limits.</summary>
    public static ApiProblemException LimitProblem(TemplateLimitExceeded exceeded)
    {
        ArgumentNullException.ThrowIfNull(exceeded);
        var setting = TemplateLimits.Key(exceeded.Limit);
        var (line, column) = (exceeded.Position?.Line, exceeded.Position?.Column);
        return new ApiProblemException(
            exceeded.IsSize ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status422UnprocessableEntity,
            exceeded.IsSize ? "Template too large" : "Template too complex",
            exceeded.Message,
            [new FieldError(exceeded.Path, exceeded.Message, line, column)])
        {
            Extensions = new Dictionary<string, object?>
            {
                ["limit"] = setting,
                ["value"] = exceeded.Value,
                ["path"] = exceeded.Path,
                ["line"] = line,
                ["column"] = column,
            },
        };
    }

    /// <summary>Field errors for the API, with <paramref name="expectedId"/> (the route's id) checked against the document's.</summary>
    public static IReadOnlyList<FieldError> Errors(TemplateValidationResult result, string? expectedId)
    {
        ArgumentNullException.ThrowIfNull(result);
        var errors = result.Errors.Select(e => new FieldError(e.Path, e.Message, e.Line, e.Column)).ToList();
        if (expectedId is not null && result.Template is { } template && !string.IsNullOrEmpty(template.Id) && template.Id != expectedId)
        {
            errors.Add(new FieldError("id", $"The document's id '{template.Id}' is not the id in the URL, '{expectedId}'."));
        }

        return errors;
    }

    /// <summary>
    /// Publishes a valid template unless the latest version has the same content and pins the same e-mail versions. The
    /// version pins the latest version of every API-authored e-mail its steps use: journeys of it render those, whatever is
    /// published later (publish the template again to take a newer e-mail).
    /// </summary>
    public async Task<PublishOutcome> PublishAsync(JourneyTemplate template, string source, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        var gate = _gates.GetOrAdd(template.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var pins = await PinsAsync(template, cancellationToken);
            var latest = await store.GetTemplateAsync(template.Id, null, cancellationToken);
            if (latest is not null && SameContent(latest.Template, template) && SamePins(latest.EmailVersions, pins))
            {
                catalog.Add(latest.Template);
                return new PublishOutcome(latest.Template, latest.Template.Version, Created: false);
            }

            var version = await store.PublishTemplateAsync(template with { Version = 0 }, source, contentType, time.GetUtcNow(), pins, cancellationToken);
            var published = template with { Version = version };
            catalog.Add(published);
            return new PublishOutcome(published, version, Created: true);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The latest version of each API-authored e-mail the template's steps use.</summary>
    private async Task<Dictionary<string, int>> PinsAsync(JourneyTemplate template, CancellationToken cancellationToken)
    {
        var pins = new Dictionary<string, int>(StringComparer.Ordinal);
        if (emails is null)
        {
            return pins;
        }

        foreach (var name in template.Steps.Select(s => s.Email).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            if (await emails.GetEmailAsync(name, null, cancellationToken) is { } email)
            {
                pins[name] = email.Version;
            }
        }

        return pins;
    }

    private static bool SamePins(IReadOnlyDictionary<string, int> a, Dictionary<string, int> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    /// <summary>
    /// Publishes every <c>*.yaml</c> / <c>*.yml</c> of <paramref name="folder"/> (in name order) that differs from its latest
    /// version: the shipped templates, at a host's start. Nothing when the folder does not exist.
    /// </summary>
    /// <exception cref="HostConfigurationException">A template does not validate (its errors listed): the host must not start.</exception>
    public async Task<IReadOnlyList<(string File, PublishOutcome Outcome)>> PublishFolderAsync(string folder, CancellationToken cancellationToken)
    {
        var files = Directory.Exists(folder)
            ? Directory.GetFiles(folder, "*.yaml").Concat(Directory.GetFiles(folder, "*.yml")).Order(StringComparer.Ordinal).ToList()
            : [];
        var outcomes = new List<(string, PublishOutcome)>();
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file, cancellationToken);
            var result = Validate(text, "application/yaml");
            if (!result.IsValid)
            {
                throw new HostConfigurationException([$"The shipped template '{file}' is not valid:", .. result.Errors.Select(e => "    " + e)]);
            }

            outcomes.Add((file, await PublishAsync(result.Template!, text, "application/yaml", cancellationToken)));
        }

        return outcomes;
    }

    private static bool SameContent(JourneyTemplate a, JourneyTemplate b) =>
        JsonSerializer.Serialize(a with { Version = 0 }, Canonical) == JsonSerializer.Serialize(b with { Version = 0 }, Canonical);
}
