using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using JourneyOrchestrator.Api.Http;

namespace JourneyOrchestrator.FunctionApp.Events;

/// <summary>One dead-lettered queued event, as <c>GET /api/events/deadletters</c> lists it.</summary>
public sealed record EventDeadLetter(string MessageId, string Reason, int? Status, string? Detail, IReadOnlyList<FieldError> Errors, long DequeueCount, DateTimeOffset? FailedAt, JsonNode? Message, string? RawMessage);

/// <summary>
/// The dead-letter place of the bulk event queue: the queue <c>{queue}-poison</c> the Functions host moves a message to after
/// its retries, to which <see cref="QueuedCustomerEvents"/> also writes a message that cannot succeed, wrapped with its
/// problem (<c>{"deadLetter": {...}, "message": {...}}</c>). Listing peeks (at most 32, Azure's limit; nothing is taken);
/// replay moves messages back to the event queue (at most 32 a call), where the event id keeps a repeat harmless.
/// </summary>
public sealed class EventDeadLetters(QueueServiceClient queues)
{
    /// <summary>The queue dealer systems drop events into (the trigger's queue).</summary>
    public const string QueueName = "journey-events";

    /// <summary>The Functions host's poison queue of <see cref="QueueName"/>.</summary>
    public const string PoisonQueueName = QueueName + "-poison";

    /// <summary>The most one list or replay handles (Azure's batch limit).</summary>
    public const int Batch = 32;

    private QueueClient Events => queues.GetQueueClient(QueueName);
    private QueueClient Poison => queues.GetQueueClient(PoisonQueueName);

    /// <summary>Creates both queues when missing (at start-up).</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await Events.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    public async Task AddAsync(string messageId, BinaryData original, ApiProblemException problem, long dequeueCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(problem);
        var envelope = new JsonObject
        {
            ["deadLetter"] = new JsonObject
            {
                ["messageId"] = messageId,
                ["status"] = problem.Status,
                ["title"] = problem.Title,
                ["detail"] = problem.Message,
                ["errors"] = JsonSerializer.SerializeToNode(problem.Errors, RequestBody.Json),
                ["dequeueCount"] = dequeueCount,
                ["failedAt"] = DateTimeOffset.UtcNow,
            },
            // The original as text: it may not be JSON at all. Truncated so that the envelope fits a queue message.
            ["message"] = Truncate(original.ToString(), QueuedCustomerEvents.MaxMessageBytes / 2),
        };
        await Poison.SendMessageAsync(BinaryData.FromString(envelope.ToJsonString()), cancellationToken: cancellationToken);
    }

    public async Task<(int Count, IReadOnlyList<EventDeadLetter> Items)> ListAsync(CancellationToken cancellationToken)
    {
        var properties = await Poison.GetPropertiesAsync(cancellationToken);
        PeekedMessage[] peeked = (await Poison.PeekMessagesAsync(Batch, cancellationToken)).Value;
        return (properties.Value.ApproximateMessagesCount, [.. peeked.Select(m => Describe(m.MessageId, m.Body, m.DequeueCount, m.InsertedOn))]);
    }

    /// <summary>Moves up to <see cref="Batch"/> dead letters back to the event queue (the original message); returns how many.</summary>
    public async Task<int> ReplayAsync(CancellationToken cancellationToken)
    {
        QueueMessage[] received = (await Poison.ReceiveMessagesAsync(Batch, TimeSpan.FromMinutes(1), cancellationToken)).Value;
        foreach (var message in received)
        {
            var original = Unwrap(message.Body, out _) ?? message.Body.ToString();
            await Events.SendMessageAsync(BinaryData.FromString(original), cancellationToken: cancellationToken);
            await Poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
        }

        return received.Length;
    }

    internal static EventDeadLetter Describe(string messageId, BinaryData body, long dequeueCount, DateTimeOffset? insertedOn)
    {
        var original = Unwrap(body, out var letter);
        var text = original ?? body.ToString();
        JsonNode? parsed = null;
        try
        {
            parsed = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            // Not JSON: shown as text.
        }

        if (letter is null)
        {
            return new EventDeadLetter(messageId, "retries exhausted", null, "The message failed every attempt the Functions host made (host.json queues.maxDequeueCount); see the app's logs for the errors.",
                [], dequeueCount, insertedOn, parsed, parsed is null ? text : null);
        }

        var errors = letter["errors"]?.Deserialize<List<FieldError>>(RequestBody.Json) ?? [];
        return new EventDeadLetter(letter["messageId"]?.GetValue<string>() ?? messageId, "rejected", letter["status"]?.GetValue<int>(), letter["detail"]?.GetValue<string>(),
            errors, letter["dequeueCount"]?.GetValue<long>() ?? dequeueCount, letter["failedAt"]?.GetValue<DateTimeOffset>() ?? insertedOn, parsed, parsed is null ? text : null);
    }

    /// <summary>The original message of an envelope written by <see cref="AddAsync"/>; null for a message the host moved as it was.</summary>
    private static string? Unwrap(BinaryData body, out JsonObject? letter)
    {
        letter = null;
        try
        {
            if (JsonNode.Parse(body.ToString()) is JsonObject { } envelope && envelope["deadLetter"] is JsonObject l && envelope["message"] is JsonValue m)
            {
                letter = l;
                return m.GetValue<string>();
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // Not an envelope.
        }

        return null;
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
