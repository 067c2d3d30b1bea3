using System.Collections.Concurrent;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>An in-memory <see cref="ITemplateCatalog"/>: published versions added once, never changed (tests, simulator, host cache).</summary>
public sealed class InMemoryTemplateCatalog : ITemplateCatalog
{
    private readonly ConcurrentDictionary<(string Id, int Version), JourneyTemplate> _templates = new();

    /// <summary>Adds a published version (<see cref="JourneyTemplate.Version"/> at least 1).</summary>
    /// <exception cref="InvalidOperationException">A different template is already stored under that id and version.</exception>
    public void Add(JourneyTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentOutOfRangeException.ThrowIfLessThan(template.Version, 1, nameof(template));
        var stored = _templates.GetOrAdd((template.Id, template.Version), template);
        if (!ReferenceEquals(stored, template))
        {
            throw new InvalidOperationException($"Template '{template.Id}' version {template.Version} is already in the catalog; versions are immutable.");
        }
    }

    public JourneyTemplate Get(string id, int version) =>
        _templates.TryGetValue((id, version), out var template)
            ? template
            : throw new KeyNotFoundException($"No published template '{id}' version {version}.");
}
