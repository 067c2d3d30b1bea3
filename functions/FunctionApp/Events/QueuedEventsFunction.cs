using JourneyOrchestrator.FunctionApp.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.FunctionApp.Events;

/// <summary>
/// Bulk dealer events: a Storage-queue trigger on <see cref="EventDeadLetters.QueueName"/> (the Functions host's storage,
/// <c>AzureWebJobsStorage</c>), one customer event per message (<see cref="QueuedCustomerEvent"/>), applied by
/// <see cref="QueuedCustomerEvents"/>. Whoever may send to the queue may raise events for every dealer: grant "Storage
/// Queue Data Message Sender" only to integrations trusted with all of them (a single dealer's system uses the HTTP API
/// with its own key).
/// </summary>
public sealed class QueuedEventsFunction(QueuedCustomerEvents events, BoundDurableTaskClient client)
{
    public const string Name = "events-queue";

    [Function(Name)]
    public Task RunAsync(
        [QueueTrigger(EventDeadLetters.QueueName)] BinaryData message, string id, long dequeueCount,
        [DurableClient] DurableTaskClient durable, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(durable);
        client.Bind(durable);
        return events.ProcessAsync(id, message, dequeueCount, cancellationToken);
    }
}
