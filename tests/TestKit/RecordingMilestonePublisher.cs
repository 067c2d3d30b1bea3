using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Tests.Support;

/// <summary>A milestone publisher that records every attempt; <see cref="Down"/> or the first attempts of each id fail like an outage.</summary>
public sealed class RecordingMilestonePublisher : IMilestonePublisher
{
    private readonly List<JourneyMilestone> _attempts = [];
    private readonly List<JourneyMilestone> _published = [];

    public bool Down { get; init; }
    public int FailFirstAttempts { get; init; }

    public IReadOnlyList<JourneyMilestone> Attempts { get { lock (_attempts) { return [.. _attempts]; } } }
    public IReadOnlyList<JourneyMilestone> Published { get { lock (_attempts) { return [.. _published]; } } }

    public Task PublishAsync(JourneyMilestone milestone, CancellationToken cancellationToken = default)
    {
        lock (_attempts)
        {
            _attempts.Add(milestone);
            if (Down || _attempts.Count(a => a.MilestoneId == milestone.MilestoneId) <= FailFirstAttempts)
            {
                throw new InvalidOperationException("Service Bus is unavailable.");
            }

            _published.Add(milestone);
            return Task.CompletedTask;
        }
    }
}
