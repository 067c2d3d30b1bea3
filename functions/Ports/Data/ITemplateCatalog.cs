using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// Published template versions for the interpreter. Synchronous and deterministic on purpose: versions are
/// immutable, so the answer for (id, version) never changes, and orchestration code may call it.
/// </summary>
public interface ITemplateCatalog
{
    /// <exception cref="KeyNotFoundException">No such published version.</exception>
    JourneyTemplate Get(string id, int version);
}
