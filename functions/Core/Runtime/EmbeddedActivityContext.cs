using Microsoft.DurableTask;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// The embedded engine's <see cref="TaskActivityContext"/>: the activity's name and the calling instance, as the SDK gives
/// them (no sequence number or attempt: an activity that needs an idempotency key gets one in its input from the
/// orchestrator, which can make it deterministically).
/// </summary>
public sealed class EmbeddedActivityContext(TaskName name, string instanceId, string? version = null) : TaskActivityContext
{
    public override TaskName Name { get; } = name;
    public override string InstanceId { get; } = instanceId;
    public override string Version { get; } = version ?? string.Empty;
}
