namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// Whether journeys started now publish milestones (<see cref="JourneyInput.PublishMilestones"/>): true when a publisher is
/// configured (<c>Journeys:Milestones:ServiceBus</c>). Read by the starter only, never by the orchestrator, so that a
/// configuration change never changes a running journey's replay.
/// </summary>
public sealed record MilestonePublishing(bool Enabled)
{
    public static MilestonePublishing Off { get; } = new(false);
}
