using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.FunctionApp.Events;

/// <summary>
/// One queue message of a dealer system's bulk drop: <c>{"customerId": "...", "event": {...}}</c>, where <c>event</c> is
/// exactly the body of <c>POST /api/customers/{customerId}/events</c> (name, eventId, dealerId, journeyKey, customer, data).
/// </summary>
public sealed record QueuedCustomerEvent
{
    public string? CustomerId { get; init; }
    public CustomerEventRequest? Event { get; init; }
}

/// <summary>
/// Applies queued customer events as the HTTP route does (the same <see cref="CustomerEventRouter"/>, checks and limits,
/// as the message's dealer: it reaches that dealer's customers and journeys only). A message that is wrong in itself
/// (not JSON, too large, an invalid field, an unknown template, a forbidden dealer: a 4xx problem on the HTTP route) is
/// dead-lettered at once with the problem, since a retry cannot change the answer. Anything else (storage or the engine
/// not answering) is thrown: the Functions host retries the message and after <c>maxDequeueCount</c> (host.json: 5) moves it
/// to <c>journey-events-poison</c> itself. Both kinds are listed and replayed by <see cref="Http.EventDeadLetterEndpoints"/>.
/// The event id makes a retried or replayed message harmless (a repeat changes nothing).
/// </summary>
public sealed partial class QueuedCustomerEvents(CustomerEventRouter router, EventDeadLetters deadLetters, ILogger<QueuedCustomerEvents> logger)
{
    /// <summary>An Azure queue message is at most 64 KiB; a larger one is refused before it is parsed.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    public async Task ProcessAsync(string messageId, BinaryData body, long dequeueCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            var message = Parse(body);
            InputRules.RouteId(message.CustomerId, "$.customerId");
            var request = message.Event ?? throw ApiProblemException.Invalid("$.event", "Required: the body of POST /api/customers/{customerId}/events.");
            if (request.Data is { } data)
            {
                EventDataRules.Check(data, "$.event.data");
            }

            if (!InputRules.IsId(request.DealerId))
            {
                throw ApiProblemException.Invalid("$.event.dealerId", "Required: the dealer whose customer this is (letters, digits, '.', '_', ':', '@', '-').");
            }

            var accepted = await router.RaiseAsync(message.CustomerId!, request, new Caller(Roles.Dealer, request.DealerId), cancellationToken);
            Log.Applied(logger, messageId, accepted.EventId, accepted.Journeys.Count);
        }
        catch (ApiProblemException problem) when (problem.Status is >= 400 and < 500 and not StatusCodes.Status429TooManyRequests)
        {
            Log.DeadLettered(logger, messageId, problem.Status, problem.Message);
            await deadLetters.AddAsync(messageId, body, problem, dequeueCount, cancellationToken);
        }
    }

    private static QueuedCustomerEvent Parse(BinaryData body)
    {
        var bytes = body.ToMemory();
        if (bytes.Length > MaxMessageBytes)
        {
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "Message too large", $"A queued event is at most {MaxMessageBytes} bytes; this one has {bytes.Length}.");
        }

        try
        {
            return JsonSerializer.Deserialize<QueuedCustomerEvent>(bytes.Span, RequestBody.Json)
                ?? throw ApiProblemException.Invalid("$", "The message must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            throw ApiProblemException.Invalid(e.Path ?? "$", "Not valid JSON for a queued event: " + e.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Queued event message {MessageId} (event {EventId}) reached {Journeys} journey(s).")]
        public static partial void Applied(ILogger logger, string messageId, string eventId, int journeys);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Queued event message {MessageId} was dead-lettered: {Status} {Problem}")]
        public static partial void DeadLettered(ILogger logger, string messageId, int status, string problem);
    }
}
