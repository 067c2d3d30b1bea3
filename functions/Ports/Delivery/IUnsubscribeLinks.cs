namespace JourneyOrchestrator.Templates.Delivery;

/// <summary>Makes the signed one-click unsubscribe link of a marketing e-mail.</summary>
public interface IUnsubscribeLinks
{
    /// <summary>An absolute https URL that unsubscribes the customer from the dealer's marketing e-mail; null when not configured.</summary>
    Uri? Create(string dealerId, string customerId);
}
