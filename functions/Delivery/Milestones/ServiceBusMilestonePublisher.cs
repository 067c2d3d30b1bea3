using System.Text.Json;
using Azure.Messaging.ServiceBus;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Delivery.Milestones;

/// <summary>
/// Publishes milestones to a Service Bus topic: JSON body, <c>MessageId</c> = the milestone id (duplicate detection and
/// subscribers drop repeats), <c>Subject</c> = kind, application properties <c>dealerId</c> and <c>kind</c> for filters.
/// A <see cref="ServiceBusException"/> is not caught: the activity's retry policy handles it.
/// </summary>
public sealed class ServiceBusMilestonePublisher(ServiceBusSender sender) : IMilestonePublisher
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task PublishAsync(JourneyMilestone milestone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(milestone);
        return sender.SendMessageAsync(ToMessage(milestone), cancellationToken);
    }

    internal static ServiceBusMessage ToMessage(JourneyMilestone milestone)
    {
        var body = new
        {
            kind = milestone.Kind,
            journeyId = milestone.JourneyId,
            dealerId = milestone.DealerId,
            templateId = milestone.TemplateId,
            templateVersion = milestone.TemplateVersion,
            stepId = milestone.StepId,
            phase = milestone.Phase,
            occurredAt = milestone.OccurredAt,
            details = milestone.Details,
        };
        var message = new ServiceBusMessage(BinaryData.FromObjectAsJson(body, Json))
        {
            MessageId = milestone.MilestoneId,
            Subject = milestone.Kind,
            ContentType = "application/json",
        };
        message.ApplicationProperties["dealerId"] = milestone.DealerId;
        message.ApplicationProperties["kind"] = milestone.Kind;
        return message;
    }
}
