using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Delivery.Consent;

/// <summary>Unsubscribes customers: a suppression every later send honours, and <c>customer.unsubscribed</c> into their journeys.</summary>
/// <remarks>
/// An erased customer (no profile, and an erasure record for the customer id) gets no suppression: the erased-address marker
/// blocks their address already, and a suppression would store their customer id again.
/// </remarks>
public sealed partial class ConsentService(
    IDeliveryStore delivery, IJourneyDataStore customers, IJourneyIndex journeys, DurableTaskClient client, TimeProvider time, ILogger<ConsentService> logger, ErasureHasher? erasureHasher = null)
{
    /// <summary>The event raised into a customer's journeys when they unsubscribe.</summary>
    public const string UnsubscribedEvent = "customer.unsubscribed";

    /// <summary>How many of the customer's unfinished journeys are told at most (the journey index's per-customer page).</summary>
    public const int MaxJourneys = 1000;

    /// <summary>
    /// Suppresses the customer's marketing e-mail with the dealer and raises <see cref="UnsubscribedEvent"/> into each of
    /// their running journeys with the event id <c>unsubscribe-{hash of <paramref name="cause"/>}</c>, so repeating the same
    /// request (a second click, a webhook retry) changes nothing. Returns how many journeys were told (a repeat tells them again; each journey applies an event id once).
    /// </summary>
    public async Task<int> UnsubscribeAsync(string dealerId, string customerId, string reason, string cause, JsonObject? data, CancellationToken cancellationToken)
    {
        var profile = await customers.GetCustomerAsync(dealerId, customerId, cancellationToken);
        var erased = profile is null
            && (await customers.ListErasuresAsync(dealerId, (erasureHasher ?? new ErasureHasher()).CustomerHash(dealerId, customerId), 1, cancellationToken)).Count > 0;
        if (!erased)
        {
            await delivery.AddSuppressionAsync(new Suppression
            {
                DealerId = dealerId,
                CustomerId = customerId,
                Email = profile?.Email.ToLowerInvariant(),
                Scope = SuppressionScopes.Marketing,
                Reason = reason,
                CreatedAt = time.GetUtcNow(),
            }, cancellationToken);
        }

        var eventId = "unsubscribe-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(cause)))[..32];
        var told = 0;
        foreach (var journey in await journeys.ListByCustomerAsync(dealerId, customerId, unfinishedOnly: true, MaxJourneys, cancellationToken))
        {
            var instance = await client.GetInstanceAsync(journey.JourneyId, getInputsAndOutputs: false, cancellationToken);
            if (instance is null || instance.IsCompleted)
            {
                continue;
            }

            await client.RaiseEventAsync(journey.JourneyId, UnsubscribedEvent, new JourneyEventPayload { EventId = eventId, Data = data ?? new JsonObject { ["reason"] = reason } }, cancellationToken);
            told++;
        }

        Log.Unsubscribed(logger, dealerId, customerId, reason, told);
        return told;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Customer {CustomerId} of dealer {DealerId} unsubscribed ({Reason}); {Journeys} journey(s) told.")]
        public static partial void Unsubscribed(ILogger logger, string dealerId, string customerId, string reason, int journeys);
    }
}
