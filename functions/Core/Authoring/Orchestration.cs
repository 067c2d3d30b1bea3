namespace JourneyOrchestrator.Core.Authoring;

/// <summary>
/// Base for orchestration classes: one instance is created per episode and discarded after it.
/// Follow the determinism rules on <see cref="OrchestrationContext"/>.
/// </summary>
public abstract class Orchestration<TInput, TOutput> : IOrchestration
{
    public abstract Task<TOutput> RunAsync(OrchestrationContext context, TInput input);

    async Task<object?> IOrchestration.RunAsync(OrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await RunAsync(context, context.GetInput<TInput>()!);
    }
}

/// <summary>The untyped shape the runtime calls.</summary>
public interface IOrchestration
{
    Task<object?> RunAsync(OrchestrationContext context);
}

/// <summary>Adapts a delegate to <see cref="IOrchestration"/> (handy for small orchestrations and tests).</summary>
public sealed class DelegateOrchestration(Func<OrchestrationContext, Task<object?>> run) : IOrchestration
{
    public Task<object?> RunAsync(OrchestrationContext context) => run(context);
}

/// <summary>What an activity knows about the call that runs it.</summary>
public sealed record ActivityContext(string Name, string InstanceId, string ExecutionId, int Sequence, int Attempt, int DequeueCount)
{
    /// <summary>
    /// Stable for this scheduled call across crashes and re-deliveries (not across retries, which are new calls):
    /// give it to the channel (e.g. as an e-mail's idempotency key) so a re-run does not repeat the effect.
    /// </summary>
    public string IdempotencyKey => $"{InstanceId}:{ExecutionId}:{Sequence}";
}

/// <summary>
/// Base for activities: the side effects (e-mail, CRM, HTTP). Resolved from DI in a new scope per call.
/// Runs at least once: make it idempotent with <see cref="ActivityContext.IdempotencyKey"/>.
/// </summary>
public abstract class Activity<TInput, TOutput> : IActivity
{
    public abstract Task<TOutput> RunAsync(ActivityContext context, TInput input, CancellationToken cancellationToken);

    async Task<string?> IActivity.RunAsync(ActivityContext context, string? input, CancellationToken cancellationToken) =>
        JsonData.Serialize(await RunAsync(context, JsonData.Deserialize<TInput>(input)!, cancellationToken));
}

/// <summary>The untyped shape the activity worker calls: JSON in, JSON out.</summary>
public interface IActivity
{
    Task<string?> RunAsync(ActivityContext context, string? input, CancellationToken cancellationToken);
}
