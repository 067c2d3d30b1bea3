using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using SdkPurgeResult = Microsoft.DurableTask.Client.PurgeResult;

namespace JourneyOrchestrator.Core.Client;

/// <summary>
/// The Durable Task SDK's <see cref="DurableTaskClient"/> over the embedded engine's <see cref="JourneyClient"/>: code written
/// against the SDK's client (start, raise, get and query instances, wait, terminate, suspend, resume, purge) runs on the
/// embedded engine unchanged. Inputs, payloads and outputs are serialised with <see cref="JsonData"/>.
/// </summary>
/// <remarks>
/// Not supported (the SDK's defaults throw <see cref="NotSupportedException"/>): entities, restart, rewind and recursive terminate or purge (there are no sub-orchestrations).
/// Raising an event to an unknown instance throws <see cref="ArgumentException"/>; to a finished one it is dropped, as the
/// SDK's engines do.
/// </remarks>
public sealed class EmbeddedDurableTaskClient(JourneyClient client, WorkSignal signal) : DurableTaskClient("embedded")
{
    private static readonly JsonDataConverter Converter = new(JsonData.Options);

    /// <summary>How often a waiting call reads the store when no commit in this process wakes it (real time).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        var finished = new[] { OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated };
        return await client.StartAsync(orchestratorName.Name, input, new StartOptions
        {
            InstanceId = options?.InstanceId,
            StartAt = options?.StartAt,
            Version = options?.Version?.Version is { Length: > 0 } version ? version : null,
            Tags = options?.Tags is { Count: > 0 } tags ? tags : null,
            // The SDK's dedupe statuses: an existing instance in one of them blocks the start; a finished one not named is replaced.
            ReplaceIfFinished = options?.DedupeStatuses is { } dedupe && !finished.Any(s => dedupe.Contains(s.ToString(), StringComparer.OrdinalIgnoreCase)),
        }, cancellation);
    }

    /// <remarks>
    /// A payload that carries an <c>eventId</c> (a top-level string property, as the journey program's events do) is
    /// de-duplicated by it in the inbox: a repeat is dropped before it reaches the history. The orchestration must still
    /// tolerate repeats (other engines deliver at least once); this only keeps retries out of the embedded history.
    /// </remarks>
    public override async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        if (await client.RaiseEventAsync(instanceId, eventName, eventPayload, EventIdOf(eventPayload), cancellation) == EnqueueResult.InstanceNotFound)
        {
            throw new ArgumentException($"No orchestration instance with id '{instanceId}'.", nameof(instanceId));
        }
    }

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        WaitAsync(instanceId, getInputsAndOutputs, i => i.Status != InstanceStatus.Pending, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        WaitAsync(instanceId, getInputsAndOutputs, i => i.Status.IsFinished(), cancellation);

    public override async Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        if (options?.Recursive == true)
        {
            throw new NotSupportedException("Recursive terminate is not supported by the embedded engine: it has no sub-orchestrations.");
        }

        var reason = options?.Output switch
        {
            null => null,
            string text => text,
            var output => JsonData.Serialize(output),
        };
        await Expect(instanceId, await client.TerminateAsync(instanceId, reason, cancellation));
    }

    public override async Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        await Expect(instanceId, await client.SuspendAsync(instanceId, reason, cancellation));

    public override async Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        await Expect(instanceId, await client.ResumeAsync(instanceId, reason, cancellation));

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        await client.GetStatusAsync(instanceId, false, cancellation) is { } state ? ToMetadata(state.Instance, getInputsAndOutputs) : null;

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null)
    {
        var query = filter ?? new OrchestrationQuery();
        return Pageable.Create<OrchestrationMetadata>(async (continuation, pageSize, cancellation) =>
        {
            var page = await client.QueryAsync(ToQuery(query, continuation ?? query.ContinuationToken, pageSize ?? query.PageSize), cancellation);
            return new Page<OrchestrationMetadata>([.. page.Instances.Select(i => ToMetadata(i, query.FetchInputsAndOutputs))], page.ContinuationToken);
        });
    }

    public override async Task<SdkPurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        if (options?.Recursive == true)
        {
            throw new NotSupportedException("Recursive purge is not supported by the embedded engine: it has no sub-orchestrations.");
        }

        return new SdkPurgeResult(await client.PurgeAsync(instanceId, cancellation) == Storage.PurgeResult.Purged ? 1 : 0);
    }

    /// <summary>Purges every finished instance the filter matches (by default every finished one), page by page.</summary>
    public override async Task<SdkPurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var finished = new[] { InstanceStatus.Completed, InstanceStatus.Failed, InstanceStatus.Terminated };
        var statuses = filter.Statuses is null ? finished : [.. filter.Statuses.Select(ToStatus).Where(finished.Contains)];
        if (statuses.Length == 0)
        {
            return new SdkPurgeResult(0, true);
        }

        var matching = await client.QueryAllAsync(new InstanceQuery { Statuses = statuses, CreatedFrom = filter.CreatedFrom, CreatedTo = filter.CreatedTo, PageSize = 500 }, cancellation);
        var purged = 0;
        foreach (var instance in matching)
        {
            purged += await PurgeInstanceAsync(instance.InstanceId, options, cancellation) is { PurgedInstanceCount: 1 } ? 1 : 0;
        }

        return new SdkPurgeResult(purged, true);
    }

    /// <summary>The instance's history (of its current execution) as DurableTask.Core's events (<see cref="DurableTaskHistory"/>).</summary>
    /// <exception cref="ArgumentException">No such instance.</exception>
    public override async Task<IList<DurableTask.Core.History.HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default) =>
        await client.GetStatusAsync(instanceId, includeHistory: true, cancellation) is { } state
            ? DurableTaskHistory.ToDurableTask(state.History ?? [])
            : throw new ArgumentException($"No orchestration instance with id '{instanceId}'.", nameof(instanceId));

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string? EventIdOf(object? payload)
    {
        if (payload is null or string or System.Text.Json.Nodes.JsonValue)
        {
            return null;
        }

        var node = payload as System.Text.Json.Nodes.JsonNode ?? System.Text.Json.JsonSerializer.SerializeToNode(payload, JsonData.Options);
        return node is System.Text.Json.Nodes.JsonObject obj && obj["eventId"] is System.Text.Json.Nodes.JsonValue id && id.TryGetValue<string>(out var text) && text.Length > 0
            ? text
            : null;
    }

    private async Task<OrchestrationMetadata> WaitAsync(string instanceId, bool getInputsAndOutputs, Func<InstanceRecord, bool> done, CancellationToken cancellation)
    {
        while (true)
        {
            var changed = signal.NextInstanceChange;
            var state = await client.GetStatusAsync(instanceId, false, cancellation)
                ?? throw new ArgumentException($"No orchestration instance with id '{instanceId}'.", nameof(instanceId));
            if (done(state.Instance))
            {
                return ToMetadata(state.Instance, getInputsAndOutputs);
            }

            // Real time on purpose: this is a client waiting for work, not orchestration logic.
            await Task.WhenAny(changed, Task.Delay(PollInterval, cancellation));
            cancellation.ThrowIfCancellationRequested();
        }
    }

    private static Task Expect(string instanceId, EnqueueResult result) => result switch
    {
        EnqueueResult.InstanceNotFound => throw new ArgumentException($"No orchestration instance with id '{instanceId}'.", nameof(instanceId)),
        EnqueueResult.InstanceFinished => throw new InvalidOperationException($"The orchestration instance '{instanceId}' is finished."),
        _ => Task.CompletedTask,
    };

    private static InstanceQuery ToQuery(OrchestrationQuery query, string? continuation, int pageSize) => new()
    {
        Statuses = query.Statuses is null ? null : [.. query.Statuses.Select(ToStatus)],
        InstanceIdPrefix = query.InstanceIdPrefix,
        CreatedFrom = query.CreatedFrom,
        CreatedTo = query.CreatedTo,
        PageSize = Math.Clamp(pageSize, 1, 1000),
        ContinuationToken = continuation,
    };

    internal static OrchestrationMetadata ToMetadata(InstanceRecord instance, bool getInputsAndOutputs) => new(instance.Name, instance.InstanceId)
    {
        RuntimeStatus = ToRuntimeStatus(instance.Status),
        CreatedAt = instance.CreatedAt,
        LastUpdatedAt = instance.LastUpdatedAt,
        Tags = instance.Tags,
        FailureDetails = instance.Failure is { } failure ? new TaskFailureDetails(failure.ErrorType, failure.Message, failure.StackTrace, null, null) : null,
        DataConverter = getInputsAndOutputs ? Converter : null,
        SerializedInput = getInputsAndOutputs ? instance.Input : null,
        SerializedOutput = getInputsAndOutputs ? instance.Output : null,
        SerializedCustomStatus = getInputsAndOutputs ? instance.CustomStatus : null,
    };

    internal static OrchestrationRuntimeStatus ToRuntimeStatus(InstanceStatus status) => status switch
    {
        InstanceStatus.Pending => OrchestrationRuntimeStatus.Pending,
        InstanceStatus.Running => OrchestrationRuntimeStatus.Running,
        InstanceStatus.Completed => OrchestrationRuntimeStatus.Completed,
        InstanceStatus.Failed => OrchestrationRuntimeStatus.Failed,
        InstanceStatus.Terminated => OrchestrationRuntimeStatus.Terminated,
        InstanceStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown instance status."),
    };

    internal static InstanceStatus ToStatus(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Pending => InstanceStatus.Pending,
        OrchestrationRuntimeStatus.Running => InstanceStatus.Running,
        OrchestrationRuntimeStatus.Completed => InstanceStatus.Completed,
        OrchestrationRuntimeStatus.Failed => InstanceStatus.Failed,
        OrchestrationRuntimeStatus.Terminated => InstanceStatus.Terminated,
        OrchestrationRuntimeStatus.Suspended => InstanceStatus.Suspended,
        _ => throw new NotSupportedException($"The embedded engine has no instances in status {status}."),
    };
}
