using System.Collections.Concurrent;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// <see cref="ITemplateCatalog"/> over the data store (any <see cref="IJourneyDataStore"/>: SQLite, Azure Tables) with an immutable cache: a published version never changes, so once
/// read it is kept for the life of the process. Warmed at start-up and on every publish; a miss (a version published by an
/// earlier process and not warmed) is read from the store once.
/// </summary>
public sealed class CachingTemplateCatalog(IJourneyDataStore store) : ITemplateCatalog
{
    private readonly ConcurrentDictionary<(string Id, int Version), JourneyTemplate> _cache = new();

    public JourneyTemplate Get(string id, int version)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (_cache.TryGetValue((id, version), out var template))
        {
            return template;
        }

        // Called from orchestration code (synchronously, on the orchestration's own synchronization context): read on the
        // thread pool so the read never needs that context.
        var published = Task.Run(() => store.GetTemplateAsync(id, version)).GetAwaiter().GetResult()
            ?? throw new KeyNotFoundException($"No published template '{id}' version {version}.");
        return _cache.GetOrAdd((id, version), published.Template);
    }

    /// <summary>Caches a version just published or read.</summary>
    public void Add(JourneyTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentOutOfRangeException.ThrowIfLessThan(template.Version, 1, nameof(template));
        _cache.TryAdd((template.Id, template.Version), template);
    }

    /// <summary>Caches the latest version of every template.</summary>
    public async Task WarmAsync(CancellationToken cancellationToken)
    {
        foreach (var summary in await store.ListTemplatesAsync(cancellationToken))
        {
            if (await store.GetTemplateAsync(summary.Id, summary.LatestVersion, cancellationToken) is { } published)
            {
                Add(published.Template);
            }
        }
    }
}
