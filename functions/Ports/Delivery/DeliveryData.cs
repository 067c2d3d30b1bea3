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

/// <summary>What <see cref="IDeliveryStore.EraseCustomerAsync"/> deleted.</summary>
public sealed record DeliveryErasure(int Sends, int Suppressions);
