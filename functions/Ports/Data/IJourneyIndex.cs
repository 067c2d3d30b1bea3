namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// One journey as the product knows it, whatever engine runs it: who owns it (dealer, customer), which template version,
/// the keyed hash of its journey key, the entry event that started it. Written by the API <em>before</em> the engine is
/// asked to start the journey, so the row is the claim on the id: an engine instance without a row is never reached by a
/// dealer, a row without an instance (a crash between the two writes) is started again by the next request that derives
/// the same id, or skipped.
/// </summary>
public sealed record JourneyIndexEntry
{
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    /// <summary>The customer's id; the erasure pseudonym once the customer is erased.</summary>
    public required string CustomerId { get; init; }
    public required string TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    /// <summary>The keyed hash of the journey key (never the key itself: dealers use e-mail addresses and deal numbers); null without a key.</summary>
    public string? KeyHash { get; init; }
    /// <summary>The <c>eventId</c> of the entry event that started the journey, when one did (a retry of it is a duplicate).</summary>
    public string? TriggerEventId { get; init; }
    /// <summary>Stored to the tick; read back in UTC (the same instant, so an entry read back equals the one written).</summary>
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>
    /// True once the journey was seen finished (completed, failed, terminated) or erased. Set, never cleared; a journey that
    /// is finished but not yet marked is found by the engine's status, which is the truth.
    /// </summary>
    public bool Finished { get; init; }
}

/// <summary>A page of <see cref="IJourneyIndex.QueryAsync"/>: newest first.</summary>
public sealed record JourneyIndexPage(IReadOnlyList<JourneyIndexEntry> Entries, string? ContinuationToken);

/// <summary>What <see cref="IJourneyIndex.QueryAsync"/> filters on; null = any.</summary>
public sealed record JourneyIndexQuery
{
    public string? DealerId { get; init; }
    public string? CustomerId { get; init; }
    public string? TemplateId { get; init; }
    /// <summary>Only finished (true) or only not-yet-marked-finished (false) entries.</summary>
    public bool? Finished { get; init; }
    /// <summary>1..1000.</summary>
    public int PageSize { get; init; } = 50;
    /// <summary>From a previous page; opaque; an unusable one throws <see cref="FormatException"/>.</summary>
    public string? ContinuationToken { get; init; }
}

/// <summary>
/// The journey index: how the API finds a dealer's, a customer's or a template's journeys without asking the engine to
/// scan (DurableTask.AzureStorage and Durable Functions cannot query by tag; the embedded engine could only scan). Every
/// look-up is by key or by an index range: its cost grows with the log of the number of journeys and with the page, not
/// with the store. Lives beside the product data (SQLite file, Azure Tables), shared by every host process.
/// </summary>
public interface IJourneyIndex
{
    /// <summary>
    /// Adds <paramref name="entry"/>; when a row with its <see cref="JourneyIndexEntry.JourneyId"/> exists, returns that row
    /// unchanged (whoever holds it: the caller compares the owner). Atomic: two concurrent adds of one id return the same row.
    /// </summary>
    Task<JourneyIndexEntry> AddOrGetAsync(JourneyIndexEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The row of a journey; null when none.</summary>
    Task<JourneyIndexEntry?> GetAsync(string journeyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The journeys of one customer of one dealer, newest first, at most <paramref name="max"/> (1..1000); only those not
    /// marked finished when <paramref name="unfinishedOnly"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="max"/> is not 1..1000.</exception>
    Task<IReadOnlyList<JourneyIndexEntry>> ListByCustomerAsync(string dealerId, string customerId, bool unfinishedOnly, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// A page of journeys matching <paramref name="query"/>, newest <see cref="JourneyIndexEntry.CreatedAt"/> first (ties by id,
    /// ascending ordinal); the token is null on the last page. Pages of one query cover every matching entry exactly once
    /// (entries added meanwhile may or may not appear). See <see cref="JourneyIndexPaging"/> for the checks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The page size is not 1..1000.</exception>
    /// <exception cref="ArgumentException">A customer id without a dealer id.</exception>
    /// <exception cref="FormatException">The continuation token is not one of this query's.</exception>
    Task<JourneyIndexPage> QueryAsync(JourneyIndexQuery query, CancellationToken cancellationToken = default);

    /// <summary>Marks a journey finished (idempotent; false when there is no row).</summary>
    Task<bool> MarkFinishedAsync(string journeyId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Erasure: every row of (<paramref name="dealerId"/>, <paramref name="customerId"/>) gets <paramref name="pseudonym"/>
    /// as its customer id, no key hash and no trigger event id, and is marked finished. Returns how many rows changed;
    /// idempotent (a second call changes none). Rows of other dealers are never touched. Restartable: a call that failed
    /// part-way is completed by the next.
    /// </summary>
    /// <exception cref="ArgumentException">The pseudonym is empty or equals the customer id.</exception>
    Task<int> EraseCustomerAsync(string dealerId, string customerId, string pseudonym, CancellationToken cancellationToken = default);

    /// <summary>Removes a journey's row (after its instance is purged); false when there was none.</summary>
    Task<bool> RemoveAsync(string journeyId, CancellationToken cancellationToken = default);
}
