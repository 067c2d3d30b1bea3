using System.Collections.Concurrent;
using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Query;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using CoreFailure = DurableTask.Core.FailureDetails;
using PurgeResult = Microsoft.DurableTask.Client.PurgeResult;
using CoreQuery = DurableTask.Core.Query.OrchestrationQuery;
using CoreState = DurableTask.Core.OrchestrationState;
using CoreStatus = DurableTask.Core.OrchestrationStatus;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>
/// The SDK's <see cref="DurableTaskClient"/> over DurableTask.Core's <see cref="IOrchestrationServiceClient"/> (no such
/// client is published for DTFx back-ends): start, raise events, read and query instances, wait, terminate, suspend,
/// resume and purge. Payloads go through <see cref="JourneyDataConverter.Shared"/>, the converter the worker's shim uses.
/// </summary>
/// <remarks>
/// <c>GetInstanceAsync</c> returns null for an instance the task hub never had (an API
/// answers 404) and a completed, failed or terminated status for a finished one (410). DurableTask.AzureStorage can drop
/// an event sent to an instance whose start message it has not processed yet; <see cref="RaiseEventAsync"/> therefore
/// waits (bounded) while the instance is <c>Pending</c>. A journey is still best started with its first event in its input.
/// </remarks>
public sealed class DurableTaskAzureStorageClient : DurableTaskClient
{
    private readonly IOrchestrationServiceClient _client;
    private readonly DataConverter _converter;
    private readonly TimeSpan _pollingInterval;
    private readonly IDisposable? _owned;
    private readonly TimeSpan _eventStartWait;
    private readonly ConcurrentDictionary<string, byte> _started = new(StringComparer.Ordinal);

    /// <summary>How many instance ids the client remembers as started (so that an event to them needs no status read); then it forgets them all.</summary>
    public const int StartedMemoryLimit = 10_000;

    /// <summary>A client with its own DurableTask.AzureStorage service on the task hub of <paramref name="options"/>.</summary>
    public DurableTaskAzureStorageClient(DurableTaskAzureStorageOptions options, ILoggerFactory? loggerFactory = null)
        : this(TaskHubServiceFactory.Create(options, loggerFactory), options.ClientPollingInterval, ownsClient: true, options.EventStartWait)
    {
    }

    /// <summary>A client over any DTFx orchestration service client (query and purge need the matching interfaces).</summary>
    /// <param name="client">The orchestration service client.</param>
    /// <param name="pollingInterval">How often the waits poll.</param>
    /// <param name="ownsClient">Whether disposing this client disposes <paramref name="client"/>.</param>
    /// <param name="eventStartWait">The longest <see cref="RaiseEventAsync"/> waits for a Pending instance (default 10 s).</param>
    public DurableTaskAzureStorageClient(IOrchestrationServiceClient client, TimeSpan pollingInterval, bool ownsClient = false, TimeSpan? eventStartWait = null)
        : base("DurableTaskAzureStorage")
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _converter = JourneyDataConverter.Shared;
        _pollingInterval = pollingInterval > TimeSpan.Zero ? pollingInterval : TimeSpan.FromMilliseconds(250);
        _owned = ownsClient ? client as IDisposable : null;
        _eventStartWait = eventStartWait is { } wait && wait >= TimeSpan.Zero ? wait : TimeSpan.FromSeconds(10);
    }

    /// <summary>The converter of inputs, outputs, events and custom status (shared with the worker).</summary>
    public DataConverter DataConverter => _converter;

    /// <inheritdoc/>
    /// <remarks>
    /// <see cref="StartOrchestrationOptions.InstanceId"/> (else a new GUID), <see cref="StartOrchestrationOptions.StartAt"/>
    /// (DurableTask.AzureStorage delays the start message), <see cref="StartOrchestrationOptions.Tags"/> and
    /// <see cref="StartOrchestrationOptions.DedupeStatuses"/> (an existing instance in one of these statuses makes the call
    /// fail with <c>OrchestrationAlreadyExistsException</c>, an <see cref="InvalidOperationException"/>; without them an
    /// existing instance is replaced, as DurableTask.AzureStorage does) are honoured.
    /// </remarks>
    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var instanceId = options?.InstanceId is { Length: > 0 } id ? id : Guid.NewGuid().ToString("N");
        var instance = new OrchestrationInstance { InstanceId = instanceId, ExecutionId = Guid.NewGuid().ToString("N") };
        var tags = options?.Tags?.ToDictionary(t => t.Key, t => t.Value) ?? [];
        tags[OrchestrationTags.RequestTime] = DateTimeOffset.UtcNow.ToString(CultureInfo.InvariantCulture);
        var message = new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, _converter.Serialize(input))
            {
                Name = orchestratorName.Name,
                Version = options?.Version?.Version ?? string.Empty,
                OrchestrationInstance = instance,
                ScheduledStartTime = options?.StartAt?.UtcDateTime,
                Tags = tags,
            },
        };

        CoreStatus[]? dedupe = options?.DedupeStatuses is { Count: > 0 } statuses
            ? [.. statuses.Select(s => Enum.TryParse<OrchestrationRuntimeStatus>(s, ignoreCase: true, out var status)
                ? ToCore(status)
                : throw new ArgumentException($"'{s}' is not an orchestration runtime status.", nameof(options)))]
            : null;
        _started.TryRemove(instanceId, out _); // a replaced instance is Pending again
        await _client.CreateTaskOrchestrationAsync(message, dedupe).WaitAsync(cancellation).ConfigureAwait(false);
        return instanceId;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// <para>
    /// DurableTask.AzureStorage queues a new instance's start message before it writes the instance's row; a worker that
    /// dequeues the message before the row exists defers it, and discards the events that reach the instance meanwhile (the
    /// ~2 s after a start). So while the instance is <c>Pending</c> this waits until it is <c>Running</c> (or finished),
    /// polling its status with a back-off from 25 ms to 500 ms, for at most <see cref="DurableTaskAzureStorageOptions.EventStartWait"/>
    /// (10 s by default), and then sends. After that bound the event is sent all the same: an instance that stays
    /// <c>Pending</c> that long has no worker running (a worker that starts later finds the row and takes start and events
    /// together) or a <c>StartAt</c> in the future (not covered). An unknown instance gets the event at once (DTFx drops it).
    /// </para>
    /// <para>
    /// Cost: one status read per event to an instance this client has not yet seen started; the ids seen started are kept
    /// (at most <see cref="StartedMemoryLimit"/>, then forgotten all at once), so later events to them need no read.
    /// </para>
    /// </remarks>
    public override async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        await WaitWhilePendingAsync(instanceId, cancellation).ConfigureAwait(false);
        await SendAsync(instanceId, new EventRaisedEvent(-1, _converter.Serialize(eventPayload)) { Name = eventName }, cancellation).ConfigureAwait(false);
    }

    /// <summary>Waits (at most the event start wait) while the instance is Pending; see <see cref="RaiseEventAsync"/>.</summary>
    private async Task WaitWhilePendingAsync(string instanceId, CancellationToken cancellation)
    {
        if (_started.ContainsKey(instanceId))
        {
            return;
        }

        var deadline = Environment.TickCount64 + (long)_eventStartWait.TotalMilliseconds;
        var delay = TimeSpan.FromMilliseconds(25);
        while (true)
        {
            var state = await LatestStateAsync(instanceId, cancellation).ConfigureAwait(false);
            if (state is null)
            {
                return; // unknown: nothing to wait for
            }

            if (state.OrchestrationStatus != CoreStatus.Pending)
            {
                if (_started.Count >= StartedMemoryLimit)
                {
                    _started.Clear();
                }

                _started.TryAdd(instanceId, 0);
                return;
            }

            var left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return; // still Pending after the bound: send all the same (see RaiseEventAsync)
            }

            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds, left)), cancellation).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 500));
        }
    }

    /// <inheritdoc/>
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionResumedEvent(-1, reason), cancellation);

    /// <inheritdoc/>
    /// <remarks>The output (if any) is serialised and recorded as the termination reason, DTFx's output of a terminated instance.</remarks>
    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        return _client.ForceTerminateTaskOrchestrationAsync(instanceId, _converter.Serialize(options?.Output)).WaitAsync(cancellation);
    }

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var state = await LatestStateAsync(instanceId, cancellation).ConfigureAwait(false);
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">The service client cannot query.</exception>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(Microsoft.DurableTask.Client.OrchestrationQuery? filter = null)
    {
        var query = Cast<IOrchestrationServiceQueryClient>();
        return Pageable.Create(async (continuation, pageSize, cancellation) =>
        {
            var coreQuery = new CoreQuery
            {
                RuntimeStatus = filter?.Statuses?.Select(ToCore).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                TaskHubNames = filter?.TaskHubNames?.ToList(),
                PageSize = pageSize ?? filter?.PageSize ?? Microsoft.DurableTask.Client.OrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
            };
            var result = await query.GetOrchestrationWithQueryAsync(coreQuery, cancellation).ConfigureAwait(false);
            return new Page<OrchestrationMetadata>(
                [.. result.OrchestrationState.Select(s => ToMetadata(s, coreQuery.FetchInputsAndOutputs))],
                result.ContinuationToken);
        });
    }

    /// <inheritdoc/>
    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The orchestration instance '{instanceId}' does not exist.");
            if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Pending)
            {
                return metadata;
            }

            await Task.Delay(_pollingInterval, cancellation).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Polls every <see cref="DurableTaskAzureStorageOptions.ClientPollingInterval"/>; bound the wait with <paramref name="cancellation"/>.</remarks>
    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"The orchestration instance '{instanceId}' does not exist.");
            if (metadata.IsCompleted)
            {
                return metadata;
            }

            await Task.Delay(_pollingInterval, cancellation).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The instance has not finished (only finished instances are purged).</exception>
    public override async Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var purge = Cast<IOrchestrationServicePurgeClient>();
        var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs: false, cancellation).ConfigureAwait(false);
        if (metadata is null)
        {
            return new PurgeResult(0);
        }

        if (!metadata.IsCompleted)
        {
            throw new InvalidOperationException(
                $"Only a finished orchestration can be purged; '{instanceId}' is {metadata.RuntimeStatus}.");
        }

        var result = await purge.PurgeInstanceStateAsync(instanceId).WaitAsync(cancellation).ConfigureAwait(false);
        return new PurgeResult(result.DeletedInstanceCount);
    }

    /// <inheritdoc/>
    public override async Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var purge = Cast<IOrchestrationServicePurgeClient>();
        var coreFilter = new PurgeInstanceFilter(
            filter.CreatedFrom?.UtcDateTime ?? DateTime.MinValue,
            filter.CreatedTo?.UtcDateTime,
            filter.Statuses?.Select(ToCore).ToList())
        {
            Timeout = filter.Timeout,
        };
        var result = await purge.PurgeInstanceStateAsync(coreFilter).WaitAsync(cancellation).ConfigureAwait(false);
        return new PurgeResult(result.DeletedInstanceCount);
    }

    /// <summary>
    /// The history of the instance's latest execution as DurableTask.Core's typed events (the SDK's contract; the journey
    /// API maps them to its own format with <c>DurableTaskHistory</c>). Event types this client does not know are left out.
    /// </summary>
    /// <exception cref="InvalidOperationException">The instance does not exist.</exception>
    public override async Task<IList<HistoryEvent>> GetOrchestrationHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        var json = await GetSerializedHistoryAsync(instanceId, cancellation).ConfigureAwait(false);
        var serializer = Newtonsoft.Json.JsonSerializer.Create(new Newtonsoft.Json.JsonSerializerSettings
        {
            ConstructorHandling = Newtonsoft.Json.ConstructorHandling.AllowNonPublicDefaultConstructor,
            DateTimeZoneHandling = Newtonsoft.Json.DateTimeZoneHandling.Utc,
        });
        var events = new List<HistoryEvent>();
        foreach (var token in Newtonsoft.Json.Linq.JArray.Parse(json))
        {
            if (token["EventType"]?.ToObject<int?>() is { } type && HistoryTypes.TryGetValue((EventType)type, out var clrType) &&
                token.ToObject(clrType, serializer) is HistoryEvent e)
            {
                events.Add(e);
            }
        }

        return events;
    }

    private static readonly Dictionary<EventType, Type> HistoryTypes = new()
    {
        [EventType.ExecutionStarted] = typeof(ExecutionStartedEvent),
        [EventType.ExecutionCompleted] = typeof(ExecutionCompletedEvent),
        [EventType.ExecutionTerminated] = typeof(ExecutionTerminatedEvent),
        [EventType.ExecutionSuspended] = typeof(ExecutionSuspendedEvent),
        [EventType.ExecutionResumed] = typeof(ExecutionResumedEvent),
        [EventType.OrchestratorStarted] = typeof(OrchestratorStartedEvent),
        [EventType.OrchestratorCompleted] = typeof(OrchestratorCompletedEvent),
        [EventType.TaskScheduled] = typeof(TaskScheduledEvent),
        [EventType.TaskCompleted] = typeof(TaskCompletedEvent),
        [EventType.TaskFailed] = typeof(TaskFailedEvent),
        [EventType.TimerCreated] = typeof(TimerCreatedEvent),
        [EventType.TimerFired] = typeof(TimerFiredEvent),
        [EventType.EventRaised] = typeof(EventRaisedEvent),
        [EventType.EventSent] = typeof(EventSentEvent),
        [EventType.ContinueAsNew] = typeof(ContinueAsNewEvent),
    };

    /// <summary>
    /// The DTFx history of the instance's latest execution, as DurableTask.AzureStorage serialises it (a JSON array of
    /// history events). For diagnostics and tests: the SDK's typed history is not offered by this client.
    /// </summary>
    /// <exception cref="InvalidOperationException">The instance does not exist.</exception>
    public async Task<string> GetSerializedHistoryAsync(string instanceId, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var state = await LatestStateAsync(instanceId, cancellation).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The orchestration instance '{instanceId}' does not exist.");
        return await _client.GetOrchestrationHistoryAsync(instanceId, state.OrchestrationInstance.ExecutionId).WaitAsync(cancellation).ConfigureAwait(false);
    }

    public override ValueTask DisposeAsync()
    {
        _owned?.Dispose();
        return default;
    }

    /// <summary>The latest execution's state, or null (DurableTask.AzureStorage answers an unknown instance with a list holding null).</summary>
    private async Task<CoreState?> LatestStateAsync(string instanceId, CancellationToken cancellation)
    {
        var states = await _client.GetOrchestrationStateAsync(instanceId, allExecutions: false).WaitAsync(cancellation).ConfigureAwait(false);
        return states?.FirstOrDefault(s => s?.OrchestrationInstance is not null);
    }

    private Task SendAsync(string instanceId, HistoryEvent historyEvent, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        return _client.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = historyEvent,
        }).WaitAsync(cancellation);
    }

    private T Cast<T>() => _client is T typed
        ? typed
        : throw new NotSupportedException($"The orchestration service client {_client.GetType().Name} does not implement {typeof(T).Name}.");

    private OrchestrationMetadata ToMetadata(CoreState state, bool getInputsAndOutputs) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = getInputsAndOutputs ? _converter : null,
            RuntimeStatus = FromCore(state.OrchestrationStatus),
            CreatedAt = state.CreatedTime,
            LastUpdatedAt = state.LastUpdatedTime,
            SerializedInput = state.Input,
            SerializedOutput = state.Output,
            SerializedCustomStatus = state.Status,
            Tags = state.Tags is { } tags ? tags.Where(t => t.Key != OrchestrationTags.RequestTime).ToDictionary() : new Dictionary<string, string>(),
            FailureDetails = FromCore(state.FailureDetails) ?? FailureFromOutput(state),
        };

    /// <summary>
    /// DurableTask.AzureStorage keeps a failed instance's details only as text in its output (<c>"{type}: {message}"</c>):
    /// read them back, so that a failed instance always has failure details.
    /// </summary>
    private static TaskFailureDetails? FailureFromOutput(CoreState state)
    {
        if (state.OrchestrationStatus != CoreStatus.Failed || state.Output is not { Length: > 0 } output)
        {
            return null;
        }

        var colon = output.IndexOf(": ", StringComparison.Ordinal);
        return colon > 0 && !output[..colon].Contains(' ', StringComparison.Ordinal)
            ? new TaskFailureDetails(output[..colon], output[(colon + 2)..], null, null, null)
            : new TaskFailureDetails("OrchestrationFailed", output, null, null, null);
    }

    private static TaskFailureDetails? FromCore(CoreFailure? failure) => failure is null
        ? null
        : new TaskFailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, FromCore(failure.InnerFailure), failure.Properties);

#pragma warning disable CS0618 // ContinuedAsNew and Canceled are obsolete in the SDK but DTFx still reports them.
    internal static OrchestrationRuntimeStatus FromCore(CoreStatus status) => status switch
    {
        CoreStatus.Running => OrchestrationRuntimeStatus.Running,
        CoreStatus.Completed => OrchestrationRuntimeStatus.Completed,
        CoreStatus.ContinuedAsNew => OrchestrationRuntimeStatus.ContinuedAsNew,
        CoreStatus.Failed => OrchestrationRuntimeStatus.Failed,
        CoreStatus.Canceled => OrchestrationRuntimeStatus.Canceled,
        CoreStatus.Terminated => OrchestrationRuntimeStatus.Terminated,
        CoreStatus.Pending => OrchestrationRuntimeStatus.Pending,
        CoreStatus.Suspended => OrchestrationRuntimeStatus.Suspended,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown orchestration status."),
    };

    internal static CoreStatus ToCore(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Running => CoreStatus.Running,
        OrchestrationRuntimeStatus.Completed => CoreStatus.Completed,
        OrchestrationRuntimeStatus.ContinuedAsNew => CoreStatus.ContinuedAsNew,
        OrchestrationRuntimeStatus.Failed => CoreStatus.Failed,
        OrchestrationRuntimeStatus.Canceled => CoreStatus.Canceled,
        OrchestrationRuntimeStatus.Terminated => CoreStatus.Terminated,
        OrchestrationRuntimeStatus.Pending => CoreStatus.Pending,
        OrchestrationRuntimeStatus.Suspended => CoreStatus.Suspended,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown orchestration runtime status."),
    };
#pragma warning restore CS0618
}
