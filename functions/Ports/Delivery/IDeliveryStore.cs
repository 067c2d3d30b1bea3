namespace JourneyOrchestrator.Templates.Delivery;

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
