using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Delivery;

/// <summary>The default: no dealer has a CRM webhook.</summary>
public sealed class NoCrmTaskPusher : ICrmTaskPusher
{
    public bool IsConfigured(string dealerId) => false;

    public Task PushAsync(SalesTask task, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A CRM push failed; <see cref="Exception.Message"/> says how (status and a short body, or the network error).</summary>
public sealed class CrmPushException : Exception
{
    public CrmPushException(string message) : base(message) { }

    public CrmPushException(string message, Exception inner) : base(message, inner) { }

    public CrmPushException() { }
}

/// <summary>A push that exhausted its retries, kept until it is replayed successfully.</summary>
public sealed record DeadLetter
{
    /// <summary>The dead letter's id: <c>crm:{taskId}</c> (one per task).</summary>
    public required string Id { get; init; }
    /// <summary><c>crm</c>.</summary>
    public required string Channel { get; init; }
    public required string DealerId { get; init; }
    public required string TaskId { get; init; }
    public required string JourneyId { get; init; }
    /// <summary>The last error.</summary>
    public required string LastError { get; init; }
    /// <summary>Attempts made so far (the runtime's retries plus replays).</summary>
    public required int Attempts { get; init; }
    public required DateTimeOffset FailedAt { get; init; }
}

/// <summary>The default dead-letter list (tests, simulation).</summary>
public sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly Dictionary<string, DeadLetter> _letters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public Task UpsertDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        lock (_lock)
        {
            _letters[letter.Id] = letter;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(string? dealerId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<DeadLetter>>([.. _letters.Values.Where(l => dealerId is null || l.DealerId == dealerId).OrderByDescending(l => l.FailedAt)]);
        }
    }

    public Task<DeadLetter?> GetDeadLetterAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_letters.GetValueOrDefault(id));
        }
    }

    public Task<bool> RemoveDeadLetterAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_letters.Remove(id));
        }
    }
}
