using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>Kinds of <see cref="JourneyMilestone"/> (its <c>kind</c>, the Service Bus subject and the filter property).</summary>
public static class MilestoneKinds
{
    public const string EmailSent = "touchpoint.email-sent";
    public const string EmailSuppressed = "touchpoint.email-suppressed";
    public const string EmailFailed = "touchpoint.email-failed";
    public const string TaskCreated = "touchpoint.task-created";
    public const string TaskEscalated = "task.escalated";
    public const string TaskReassigned = "task.reassigned";
    public const string PhaseChanged = "journey.phase-changed";
    public const string GoalReached = "journey.goal-reached";
    public const string JourneyCompleted = "journey.completed";
    public const string JourneyExited = "journey.exited";
    public const string JourneyFailed = "journey.failed";
}

/// <summary>
/// One journey milestone as published. <see cref="MilestoneId"/> is the idempotency key the interpreter makes from instance,
/// run, iteration and step (like <see cref="SendEmailRequest.DeliveryKey"/>), so it is the same on every replay and retry.
/// <see cref="Details"/> carries ids and statuses only, never personal data.
/// </summary>
public sealed record JourneyMilestone
{
    public required string MilestoneId { get; init; }
    public required string Kind { get; init; }
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    public required string TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    public string? StepId { get; init; }
    public string? Phase { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
    public JsonObject? Details { get; init; }
}

/// <summary>Port: publishes journey milestones to subscribers (Service Bus topic <c>journey-milestones</c> in Azure).</summary>
public interface IMilestonePublisher
{
    /// <summary>Publishes one milestone; throws on a transient outage so the activity's retry policy applies.</summary>
    Task PublishAsync(JourneyMilestone milestone, CancellationToken cancellationToken = default);
}
