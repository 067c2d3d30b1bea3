namespace JourneyOrchestrator.Templates.Delivery;

/// <summary>States of an <see cref="OutboundSend"/>: the never-twice ledger of a channel.</summary>
public static class SendStates
{
    /// <summary>Claimed: the provider is being (or was, before a crash) called. A re-run that finds this state does not send.</summary>
    public const string Pending = "pending";
    /// <summary>The provider accepted it (SendGrid 202).</summary>
    public const string Sent = "sent";
    /// <summary>The provider refused it for now (429, 5xx, no connection): nothing was accepted, a later attempt may send.</summary>
    public const string Retry = "retry";
    /// <summary>The provider refused it for good (4xx other than 429), or retries ran out.</summary>
    public const string Failed = "failed";
    /// <summary>A run found <see cref="Pending"/>: it may or may not have been accepted; not resent (at most once).</summary>
    public const string Unknown = "unknown";
}

/// <summary>
/// One message a channel delivers, keyed by its delivery key (stable across crashes and across the orchestration's
/// retries of the same step). Recorded <see cref="SendStates.Pending"/> before the provider is called.
/// </summary>
public sealed record OutboundSend
{
    public required string Key { get; init; }
    /// <summary><c>email</c> or <c>crm</c>.</summary>
    public required string Channel { get; init; }
    public required string DealerId { get; init; }
    public required string CustomerId { get; init; }
    public required string JourneyId { get; init; }
    public required string StepId { get; init; }
    /// <summary><c>marketing</c> or <c>transactional</c> for e-mail.</summary>
    public string? Category { get; init; }
    public required string State { get; init; }
    /// <summary>How many times the provider was called for this key.</summary>
    public int Attempts { get; init; }
    public string? Detail { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>When the provider accepted it.</summary>
    public DateTimeOffset? SentAt { get; init; }
}

/// <summary>The answer of <see cref="IDeliveryStore.ClaimSendAsync"/>: <see cref="Claimed"/> means "call the provider now".</summary>
public sealed record SendClaim(bool Claimed, OutboundSend Send);

/// <summary>Suppression scopes: what a suppression blocks.</summary>
public static class SuppressionScopes
{
    /// <summary>Marketing e-mail only (unsubscribe, spam report).</summary>
    public const string Marketing = "marketing";
    /// <summary>All e-mail, transactional too (bounce, dropped: the address does not work).</summary>
    public const string All = "all";
}

/// <summary>A customer or address that must not be e-mailed (per dealer).</summary>
public sealed record Suppression
{
    public required string DealerId { get; init; }
    /// <summary>The customer, when known.</summary>
    public string? CustomerId { get; init; }
    /// <summary>The address, lower case, when known.</summary>
    public string? Email { get; init; }
    /// <summary><see cref="SuppressionScopes"/>.</summary>
    public required string Scope { get; init; }
    /// <summary>Why: <c>unsubscribe</c>, <c>bounce</c>, <c>dropped</c>, <c>spamreport</c>, <c>group_unsubscribe</c>, ...</summary>
    public required string Reason { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
}

/// <summary>
/// Delivery's own data: the outbound ledger (never twice), suppressions, and seen webhook event ids. Every write is
/// idempotent on its key.
/// </summary>
public interface IDeliveryStore
{
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Atomically: when no row has <paramref name="send"/>'s key, inserts it as <see cref="SendStates.Pending"/> with one
    /// attempt and claims it; when the row is <see cref="SendStates.Retry"/>, moves it back to pending, counts an attempt and
    /// claims it; otherwise returns the row unclaimed (sent, failed, unknown, or pending from a run that crashed).
    /// </summary>
    Task<SendClaim> ClaimSendAsync(OutboundSend send, CancellationToken cancellationToken = default);

    /// <summary>Sets the state (and detail) of a row; <see cref="SendStates.Sent"/> also sets <see cref="OutboundSend.SentAt"/>.</summary>
    Task UpdateSendAsync(string key, string state, string? detail, DateTimeOffset now, CancellationToken cancellationToken = default);

    Task<OutboundSend?> GetSendAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>When the customer's sends of a category were accepted since <paramref name="since"/>, oldest first.</summary>
    Task<IReadOnlyList<DateTimeOffset>> ListSentAtAsync(string dealerId, string customerId, string category, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>False when the same (dealer, customer, e-mail, scope) is suppressed already.</summary>
    Task<bool> AddSuppressionAsync(Suppression suppression, CancellationToken cancellationToken = default);

    /// <summary>The suppressions of the dealer that match the customer id or the address (case-insensitive).</summary>
    Task<IReadOnlyList<Suppression>> FindSuppressionsAsync(string dealerId, string? customerId, string? email, CancellationToken cancellationToken = default);

    /// <summary>True when the provider's event id was recorded (processed) before.</summary>
    Task<bool> HasWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken = default);

    /// <summary>Records a provider's event id once it is processed; false when it was recorded before (a webhook retry).</summary>
    Task<bool> TryRecordWebhookEventAsync(string provider, string eventId, DateTimeOffset now, CancellationToken cancellationToken = default);

    // ---- erasure (GDPR right to erasure) ----------------------------------------------------------------

    /// <summary>
    /// Erases a customer's delivery data for one dealer, atomically (or restartably): records the erased-address marker
    /// (<paramref name="dealerId"/>, <paramref name="addressHash"/>) with the time <paramref name="now"/>, or moves an existing
    /// marker's time forward to <paramref name="now"/> (never back: the marker's time is the address's latest erase), deletes the dealer's ledger rows (<see cref="OutboundSend"/>) of <paramref name="customerId"/>, and deletes the
    /// dealer's suppressions whose customer id is <paramref name="customerId"/> or whose address is <paramref name="email"/>
    /// (case-insensitive): the marker replaces them, blocking all e-mail to the address. Write the marker first if the store
    /// cannot do it in one transaction. <paramref name="addressHash"/> and <paramref name="email"/> are null when the customer
    /// has no known address (only ledger and customer-id suppressions are deleted). Idempotent: a second call deletes nothing.
    /// </summary>
    Task<DeliveryErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string? addressHash, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>When the address with <paramref name="addressHash"/> was last erased for the dealer, or null when it never was.</summary>
    Task<DateTimeOffset?> GetErasedAddressAsync(string dealerId, string addressHash, CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="IDeliveryStore.EraseCustomerAsync"/> deleted.</summary>
public sealed record DeliveryErasure(int Sends, int Suppressions);
