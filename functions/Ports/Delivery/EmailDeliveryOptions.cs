namespace JourneyOrchestrator.Templates.Delivery;

/// <summary>
/// Policy for e-mail delivery that the send-e-mail activity applies: the marketing frequency cap and how often a
/// refused (429/5xx) send is tried again. Registered as a singleton; <c>AddJourneyDelivery</c> binds it from configuration.
/// </summary>
public sealed record EmailDeliveryOptions
{
    /// <summary>At most this many marketing e-mails per customer within <see cref="FrequencyWindow"/>; 0 for no cap.</summary>
    public int MaxMarketingEmailsPerWindow { get; init; }
    public TimeSpan FrequencyWindow { get; init; } = TimeSpan.FromDays(7);
    /// <summary>Per-dealer overrides of <see cref="MaxMarketingEmailsPerWindow"/>.</summary>
    public IReadOnlyDictionary<string, int> DealerMaxMarketingEmails { get; init; } = new Dictionary<string, int>();

    public int CapFor(string dealerId) => DealerMaxMarketingEmails.TryGetValue(dealerId, out var max) ? max : MaxMarketingEmailsPerWindow;
}

