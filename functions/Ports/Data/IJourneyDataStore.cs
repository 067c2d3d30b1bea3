using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// The product's own data beside the runtime's: templates, customers, tasks, touchpoints, the dev mailbox.
/// Every write is idempotent on its id, so activities may run twice without duplicates.
/// </summary>
public interface IJourneyDataStore : IAsyncDisposable
{
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a new immutable version (previous latest + 1) and returns it.</summary>
    /// <summary>
    /// Stores the next version of <paramref name="template"/>, with the versions of the API-authored e-mails it renders
    /// (<paramref name="emailVersions"/>: the ones current at this publish, by name), and returns its version.
    /// </summary>
    Task<int> PublishTemplateAsync(JourneyTemplate template, string source, string contentType, DateTimeOffset now, IReadOnlyDictionary<string, int>? emailVersions = null, CancellationToken cancellationToken = default);
    /// <summary>A version, or the latest when <paramref name="version"/> is null; null when unknown.</summary>
    Task<PublishedTemplate?> GetTemplateAsync(string id, int? version = null, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<TemplateSummary>> ListTemplatesAsync(CancellationToken cancellationToken = default);
    Task<IReadOnlyList<int>> ListTemplateVersionsAsync(string id, CancellationToken cancellationToken = default);

    Task UpsertCustomerAsync(CustomerProfile customer, CancellationToken cancellationToken = default);
    Task<CustomerProfile?> GetCustomerAsync(string dealerId, string customerId, CancellationToken cancellationToken = default);

    /// <summary>False when a task with that id exists (nothing changed).</summary>
    Task<bool> CreateTaskAsync(SalesTask task, CancellationToken cancellationToken = default);
    Task<SalesTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<SalesTask>> ListTasksAsync(string? dealerId, string? status, CancellationToken cancellationToken = default);
    /// <summary>Completes an open task; a completed one is returned unchanged; null when unknown.</summary>
    Task<SalesTask?> CompleteTaskAsync(string taskId, string outcome, string? notes, DateTimeOffset now, string? completedBy = null, CancellationToken cancellationToken = default);
    /// <summary>
    /// Sets the <see cref="SalesTask.Assignee"/> of an open task and returns it (idempotent: the same assignee again changes
    /// nothing); a completed task is returned unchanged; null when unknown.
    /// </summary>
    Task<SalesTask?> ReassignTaskAsync(string taskId, string assignee, CancellationToken cancellationToken = default);

    /// <summary>False when a touchpoint with that id exists.</summary>
    Task<bool> AddTouchpointAsync(Touchpoint touchpoint, CancellationToken cancellationToken = default);
    Task<IReadOnlyList<Touchpoint>> ListTouchpointsAsync(string journeyId, CancellationToken cancellationToken = default);

    /// <summary>False when a message with that id exists.</summary>
    Task<bool> AddMailAsync(MailboxMessage message, CancellationToken cancellationToken = default);
    /// <summary>Newest first; filtered by recipient and/or journey when given.</summary>
    Task<IReadOnlyList<MailboxMessage>> ListMailAsync(string? to, string? journeyId, int limit, CancellationToken cancellationToken = default);

    // ---- erasure (GDPR right to erasure) ----------------------------------------------------------------

    /// <summary>
    /// Erases one customer of one dealer, atomically (one transaction, or restartable: every step may be redone): deletes the
    /// profile (<paramref name="dealerId"/>, <paramref name="customerId"/>), the customer's sales tasks (open and completed:
    /// titles and notes are free text), and the dealer's development-mailbox messages whose <see cref="MailboxMessage.CustomerId"/>
    /// is the customer or whose recipient is <paramref name="email"/> (case-insensitive; when given); and anonymises the
    /// customer's touchpoints: <see cref="Touchpoint.CustomerId"/> becomes <paramref name="pseudonym"/> and
    /// <see cref="Touchpoint.Detail"/> null (they stay listed under their journey, for reporting). Other dealers' rows are never
    /// touched. Idempotent: a second call finds nothing and returns <c>(false, 0, 0, 0)</c>.
    /// </summary>
    Task<CustomerErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string pseudonym, CancellationToken cancellationToken = default);

    /// <summary>Inserts or replaces (by <see cref="ErasureRecord.Id"/>) an erasure audit record.</summary>
    Task SaveErasureAsync(ErasureRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erasure audit records, newest <see cref="ErasureRecord.RequestedAt"/> first (ties: newest saved first), at most
    /// <paramref name="limit"/> (≥ 1); only the dealer's and/or only those of <paramref name="customerHash"/> when given.
    /// </summary>
    Task<IReadOnlyList<ErasureRecord>> ListErasuresAsync(string? dealerId, string? customerHash, int limit, CancellationToken cancellationToken = default);
}
