using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Delivery.Consent;
using JourneyOrchestrator.Delivery.Email;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Delivery.Webhooks;

/// <summary>What one webhook delivery did.</summary>
public sealed record WebhookOutcome(int Events, int Raised, int Duplicates, int Ignored);

/// <summary>
/// Turns verified SendGrid events into journey events and suppressions. Each event is processed once (deduplicated on
/// <c>sg_event_id</c>); events are raised with the id <c>sendgrid-{sg_event_id}</c>, so even a repeat that slips past the
/// dedupe (a crash before it was recorded) is a duplicate for the runtime. Only events whose <c>custom_args</c> name a journey
/// reach a journey; unknown or finished journeys are skipped (SendGrid must not retry for them). An event about an erased
/// address of a customer without a profile (a late bounce or unsubscribe after the erase) adds no suppression: the
/// erased-address marker blocks the address already, and a suppression would store the address again.
/// </summary>
public sealed partial class SendGridEventProcessor(
    IDeliveryStore delivery, DurableTaskClient client, ConsentService consent, TimeProvider time, ILogger<SendGridEventProcessor> logger,
    ErasureHasher? erasureHasher = null, IJourneyDataStore? customers = null)
{
    /// <summary>SendGrid event type to journey event name.</summary>
    public static readonly IReadOnlyDictionary<string, string> EventNames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["delivered"] = "email.delivered",
        ["open"] = "email.opened",
        ["click"] = "email.clicked",
        ["bounce"] = "email.bounced",
        ["dropped"] = "email.dropped",
        ["spamreport"] = "email.spamreported",
        ["unsubscribe"] = ConsentService.UnsubscribedEvent,
        ["group_unsubscribe"] = ConsentService.UnsubscribedEvent,
    };

    /// <exception cref="JsonException">The body is not a JSON array of objects.</exception>
    public async Task<WebhookOutcome> ProcessAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var events = JsonNode.Parse(body.Span) as JsonArray ?? throw new JsonException("The SendGrid event webhook body must be a JSON array.");
        int raised = 0, duplicates = 0, ignored = 0;
        foreach (var node in events)
        {
            if (node is not JsonObject e)
            {
                ignored++;
                continue;
            }

            var id = Text(e, "sg_event_id") ?? Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(e.ToJsonString())))[..32];
            if (await delivery.HasWebhookEventAsync("sendgrid", id, cancellationToken))
            {
                duplicates++;
                continue;
            }

            if (await ApplyAsync(id, e, cancellationToken))
            {
                raised++;
            }
            else
            {
                ignored++;
            }

            await delivery.TryRecordWebhookEventAsync("sendgrid", id, time.GetUtcNow(), cancellationToken);
        }

        return new WebhookOutcome(events.Count, raised, duplicates, ignored);
    }

    private async Task<bool> ApplyAsync(string id, JsonObject e, CancellationToken cancellationToken)
    {
        var type = Text(e, "event") ?? "";
        if (!EventNames.TryGetValue(type, out var name))
        {
            return false;
        }

        var dealer = Text(e, SendGridEmailSender.DealerIdArg);
        var customer = Text(e, SendGridEmailSender.CustomerIdArg);
        var email = Text(e, "email");
        var now = time.GetUtcNow();
        var data = new JsonObject
        {
            ["provider"] = "sendgrid",
            ["event"] = type,
            ["stepId"] = Text(e, SendGridEmailSender.StepIdArg),
            ["idempotencyKey"] = Text(e, SendGridEmailSender.IdempotencyKeyArg),
        };
        if (Text(e, "url") is { } url)
        {
            data["url"] = url;
        }

        if (Text(e, "reason") is { } reason)
        {
            data["reason"] = reason;
        }

        var erased = dealer is not null && email is not null
            && await delivery.GetErasedAddressAsync(dealer, (erasureHasher ?? new ErasureHasher()).AddressHash(dealer, email), cancellationToken) is not null
            && (customer is null || customers is null || await customers.GetCustomerAsync(dealer, customer, cancellationToken) is null);
        if (dealer is not null && !erased)
        {
            switch (type)
            {
                case "bounce" or "dropped":
                    await delivery.AddSuppressionAsync(new Suppression { DealerId = dealer, CustomerId = customer, Email = email?.ToLowerInvariant(), Scope = SuppressionScopes.All, Reason = type, CreatedAt = now }, cancellationToken);
                    break;
                case "spamreport":
                    await delivery.AddSuppressionAsync(new Suppression { DealerId = dealer, CustomerId = customer, Email = email?.ToLowerInvariant(), Scope = SuppressionScopes.Marketing, Reason = type, CreatedAt = now }, cancellationToken);
                    break;
                case "unsubscribe" or "group_unsubscribe" when customer is not null:
                    // Suppress and tell every running journey of the customer, not only the one that sent the e-mail.
                    await consent.UnsubscribeAsync(dealer, customer, type, "sendgrid:" + id, data, cancellationToken);
                    return true;
                case "unsubscribe" or "group_unsubscribe":
                    await delivery.AddSuppressionAsync(new Suppression { DealerId = dealer, Email = email?.ToLowerInvariant(), Scope = SuppressionScopes.Marketing, Reason = type, CreatedAt = now }, cancellationToken);
                    break;
                default:
                    break;
            }
        }

        if (Text(e, SendGridEmailSender.JourneyIdArg) is not { } journey)
        {
            return false;
        }

        var eventId = "sendgrid-" + id;
        var instance = await client.GetInstanceAsync(journey, getInputsAndOutputs: false, cancellationToken);
        if (instance is null || instance.IsCompleted)
        {
            Log.NotRaised(logger, name, journey);
            return false; // an unknown or finished journey: nothing to tell
        }

        await client.RaiseEventAsync(journey, name, new JourneyEventPayload { EventId = eventId, Data = data, OccurredAt = Timestamp(e) }, cancellationToken);
        Log.Raised(logger, name, journey);
        return true;
    }

    private static DateTimeOffset? Timestamp(JsonObject e) =>
        e["timestamp"] is JsonValue v && v.TryGetValue<long>(out var seconds) ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;

    private static string? Text(JsonObject e, string name) =>
        e[name] is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? v.ToString() : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "SendGrid event {Name} raised into journey {JourneyId}.")]
        public static partial void Raised(ILogger logger, string name, string journeyId);

        [LoggerMessage(EventId = 4203, Level = LogLevel.Debug, Message = "SendGrid event {Name} for journey {JourneyId} not raised: no such running journey.")]
        public static partial void NotRaised(ILogger logger, string name, string journeyId);
    }
}
