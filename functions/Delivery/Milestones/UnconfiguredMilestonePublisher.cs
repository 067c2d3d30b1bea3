using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Delivery.Milestones;

/// <summary>
/// The publisher when <c>Journeys:Milestones:ServiceBus</c> is not set. Journeys started then never publish; one started while
/// it was set publishes for life (its input says so), and after the setting is removed its publishes fail here, are retried
/// by the activity's policy and then dropped with a warning — the journey goes on.
/// </summary>
public sealed class UnconfiguredMilestonePublisher : IMilestonePublisher
{
    public Task PublishAsync(JourneyMilestone milestone, CancellationToken cancellationToken = default) =>
        Task.FromException(new InvalidOperationException(
            $"Milestone {milestone?.MilestoneId} cannot be published: Journeys:Milestones:ServiceBus:FullyQualifiedNamespace (or :ConnectionString) is not set."));
}
