using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Delivery;

/// <summary>The dead-letter list. Adding the same id again updates it.</summary>
public interface IDeadLetterStore
{
    Task UpsertDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken = default);

    /// <summary>Newest first; all dealers when <paramref name="dealerId"/> is null.</summary>
    Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(string? dealerId, CancellationToken cancellationToken = default);

    Task<DeadLetter?> GetDeadLetterAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>True when it was there.</summary>
    Task<bool> RemoveDeadLetterAsync(string id, CancellationToken cancellationToken = default);
}
