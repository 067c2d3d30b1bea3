using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.FunctionApp.Http;

/// <summary>
/// The Durable extension's client as a singleton <see cref="DurableTaskClient"/> for the shared API and delivery services,
/// which take one from the container as they do on the other hosts. In an isolated worker that client only exists as a
/// <c>[DurableClient]</c> binding of an invocation; every function that serves the API (HTTP, queue) hands its bound client
/// to <see cref="Bind"/> before it runs, and this delegates to the latest. The Functions host gives every invocation of one
/// worker a client for the same task hub and gRPC endpoint, so the latest is as good as any.
/// </summary>
public sealed class BoundDurableTaskClient() : DurableTaskClient("durable-functions")
{
    private volatile DurableTaskClient? _inner;

    /// <summary>Uses <paramref name="client"/> (an invocation's <c>[DurableClient]</c>) from now on.</summary>
    public void Bind(DurableTaskClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (!ReferenceEquals(client, this))
        {
            _inner = client;
        }
    }

    private DurableTaskClient Inner => _inner ?? throw new InvalidOperationException(
        "No Durable Functions client is bound yet: the API's services use the [DurableClient] of the function that serves the request; call Bind first.");

    public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default) =>
        Inner.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, options, cancellation);

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        Inner.RaiseEventAsync(instanceId, eventName, eventPayload, cancellation);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Inner.SuspendInstanceAsync(instanceId, reason, cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Inner.ResumeInstanceAsync(instanceId, reason, cancellation);

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        Inner.TerminateInstanceAsync(instanceId, options, cancellation);

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Inner.GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation);

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => Inner.GetAllInstancesAsync(filter);

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Inner.WaitForInstanceStartAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        Inner.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        Inner.PurgeInstanceAsync(instanceId, options, cancellation);

    public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        Inner.PurgeAllInstancesAsync(filter, options, cancellation);

    public override Task<IList<DurableTask.Core.History.HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default) =>
        Inner.GetOrchestrationHistoryAsync(instanceId, cancellation);

    /// <summary>The bound clients belong to the extension; nothing to dispose here.</summary>
    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
