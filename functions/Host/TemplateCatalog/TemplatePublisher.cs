using System.Collections.Concurrent;
using System.Text.Json;
using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Host.TemplateCatalog;

/// <summary>The outcome of publishing: the version that holds the document, and whether it is new.</summary>
public sealed record PublishOutcome(JourneyTemplate Template, int Version, bool Created);

/// <summary>
/// Validates and publishes template documents. A document whose template equals the latest published version (same
/// content, whatever its formatting or comments) publishes nothing and answers with that version, so re-publishing the
/// shipped templates at every start-up causes no version churn.
/// </summary>
public sealed class TemplatePublisher(IJourneyDataStore store, CachingTemplateCatalog catalog, TemplateValidator validator, TimeProvider time)
{
    private static readonly JsonSerializerOptions Canonical = new(JsonSerializerDefaults.Web);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);

    /// <summary>Loads and validates a document; errors carry paths into it (and lines where known).</summary>
    public TemplateValidationResult Validate(string text, string contentType) => validator.LoadAndValidate(text, contentType);

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

    /// <summary>Publishes a valid template unless the latest version has the same content.</summary>
    public async Task<PublishOutcome> PublishAsync(JourneyTemplate template, string source, string contentType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        var gate = _gates.GetOrAdd(template.Id, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var latest = await store.GetTemplateAsync(template.Id, null, cancellationToken);
            if (latest is not null && SameContent(latest.Template, template))
            {
                catalog.Add(latest.Template);
                return new PublishOutcome(latest.Template, latest.Template.Version, Created: false);
            }

            var version = await store.PublishTemplateAsync(template with { Version = 0 }, source, contentType, time.GetUtcNow(), cancellationToken);
            var published = template with { Version = version };
            catalog.Add(published);
            return new PublishOutcome(published, version, Created: true);
        }
        finally
        {
            gate.Release();
        }
    }

    private static bool SameContent(JourneyTemplate a, JourneyTemplate b) =>
        JsonSerializer.Serialize(a with { Version = 0 }, Canonical) == JsonSerializer.Serialize(b with { Version = 0 }, Canonical);
}
