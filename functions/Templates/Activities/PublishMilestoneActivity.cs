using JourneyOrchestrator.Templates.Data;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Activities;

/// <summary>
/// <see cref="JourneyNames.PublishMilestoneActivity"/>: one attempt to publish a milestone. A failure is thrown, so the
/// interpreter's retry policy applies; the interpreter catches the final failure and carries on (an outage never fails a journey).
/// </summary>
public sealed class PublishMilestoneActivity(IMilestonePublisher publisher) : TaskActivity<JourneyMilestone, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, JourneyMilestone input)
    {
        ArgumentNullException.ThrowIfNull(input);
        await publisher.PublishAsync(input, CancellationToken.None);
        return true;
    }
}
