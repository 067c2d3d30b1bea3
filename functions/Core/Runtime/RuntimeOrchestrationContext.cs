using System.Security.Cryptography;
using System.Text;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using CoreFailureDetails = DurableTask.Core.FailureDetails;
using CoreTaskFailedException = DurableTask.Core.Exceptions.TaskFailedException;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// The embedded engine's <see cref="TaskOrchestrationContext"/>: every action the code takes is either matched against
/// the history (while replaying) or recorded as a new history event (afterwards).
/// </summary>
/// <remarks>
/// Supported as the Durable Task SDK documents them: activities (with <see cref="TaskOptions"/> retry policies and retry
/// handlers, as durable timers), durable timers (cancellable), external events (buffered first-in first-out per name,
/// case-insensitive; a cancelled wait removes itself), custom status, ContinueAsNew (with or without the unprocessed
/// events), deterministic <see cref="NewGuid"/>, replay-safe loggers. Not supported (they throw
/// <see cref="NotSupportedException"/> saying so): sub-orchestrations, <see cref="SendEvent"/> and durable entities.
/// </remarks>
internal sealed class RuntimeOrchestrationContext : TaskOrchestrationContext
{
    private readonly JourneyStarted _started;
    private readonly ILoggerFactory _loggerFactory;
    private readonly Dictionary<int, TaskCompletionSource> _timers = [];
    private readonly Dictionary<int, (string Name, TaskCompletionSource<string?> Result)> _activities = [];
    private readonly Dictionary<string, LinkedList<Waiter>> _waiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ExternalEventReceived> _buffered = [];
    private int _nextSequence;
    private int _guidCounter;
    private DateTimeOffset _currentTime;

    public RuntimeOrchestrationContext(string instanceId, JourneyStarted started, string? customStatus, ILoggerFactory? loggerFactory = null)
    {
        InstanceId = instanceId;
        _started = started;
        CustomStatusJson = customStatus;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    public override TaskName Name => new(_started.Name);
    public override string InstanceId { get; }
    public override ParentOrchestrationInstance? Parent => null;
    public override DateTime CurrentUtcDateTime => _currentTime.UtcDateTime;
    public override bool IsReplaying => Replaying;
    public override string Version => _started.Version ?? string.Empty;

    public override TaskOrchestrationEntityFeature Entities =>
        throw new NotSupportedException("Durable entities are not supported by the embedded engine (JourneyOrchestrator.Core); use activities and external events.");

    protected override ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>Changes with every ContinueAsNew.</summary>
    internal string ExecutionId => _started.ExecutionId;

    /// <summary>The raw input (JSON) of this execution.</summary>
    internal string? InputJson => _started.Input;

    internal bool Replaying { get; set; } = true;

    /// <summary>Actions the code took while replaying, waiting to be matched with the history.</summary>
    internal Queue<HistoryEvent> UnmatchedActions { get; } = new();

    /// <summary>Actions the code took after replay: the new history of this episode.</summary>
    internal List<HistoryEvent> NewActions { get; } = [];

    internal string? CustomStatusJson { get; private set; }
    internal (string? Input, bool PreserveEvents)? ContinueAsNewRequest { get; private set; }

    internal IReadOnlyList<ExternalEventReceived> BufferedEvents => _buffered;

    internal bool HasPendingTimer(int sequence) => _timers.ContainsKey(sequence);

    internal bool HasPendingActivity(int sequence) => _activities.ContainsKey(sequence);

    internal void SetCurrentTime(DateTimeOffset time) => _currentTime = time;

    public override T? GetInput<T>() where T : default => JsonData.Deserialize<T>(_started.Input);

    public override void SetCustomStatus(object? customStatus) => CustomStatusJson = JsonData.Serialize(customStatus);

    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true) =>
        ContinueAsNewRequest = (JsonData.Serialize(newInput), preserveUnprocessedEvents);

    public override Guid NewGuid()
    {
        // Name-based (RFC 9562 version 5 layout) from values that are the same on every replay.
        var name = Encoding.UTF8.GetBytes($"{InstanceId}\n{ExecutionId}\n{_guidCounter++}");
#pragma warning disable CA5350 // SHA-1 is what UUID v5 specifies; this is not a security use.
        var hash = SHA1.HashData(name);
#pragma warning restore CA5350
        var bytes = hash.AsSpan(0, 16).ToArray();
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x50);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }

    public override void SendEvent(string instanceId, string eventName, object payload) =>
        throw new NotSupportedException(
            "SendEvent to another orchestration instance is not supported by the embedded engine (JourneyOrchestrator.Core): an episode commits one instance only. Raise the event from an activity through the client instead.");

    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null) =>
        throw new NotSupportedException(
            $"Sub-orchestrations (here '{orchestratorName.Name}') are not supported by the embedded engine (JourneyOrchestrator.Core): call activities, or start another instance from an activity through the client.");

    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var sequence = _nextSequence++;
        var completion = new TaskCompletionSource();
        _timers.Add(sequence, completion);
        var due = new DateTimeOffset(fireAt.Kind == DateTimeKind.Local ? fireAt.ToUniversalTime() : DateTime.SpecifyKind(fireAt, DateTimeKind.Utc));
        Record(new TimerScheduled { Timestamp = _currentTime, Sequence = sequence, FireAt = due });
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() => CancelTimer(sequence));
        }

        return completion.Task;
    }

    private void CancelTimer(int sequence)
    {
        if (_timers.Remove(sequence, out var completion))
        {
            Record(new TimerCancelled { Timestamp = _currentTime, TimerSequence = sequence });
            completion.TrySetCanceled();
        }
    }

    public override async Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        var activityName = name.Name;
        ArgumentException.ThrowIfNullOrWhiteSpace(activityName, nameof(name));
        var inputJson = JsonData.Serialize(input);
        var policy = options?.Retry?.Policy;
        var handler = options?.Retry?.Handler;
        var firstAttemptAt = CurrentUtcDateTime;
        for (var attempt = 1; ; attempt++)
        {
            var sequence = _nextSequence++;
            var completion = new TaskCompletionSource<string?>();
            _activities.Add(sequence, (activityName, completion));
            Record(new ActivityScheduled { Timestamp = _currentTime, Sequence = sequence, Name = activityName, Input = inputJson, Attempt = attempt });
            TaskFailedException failure;
            try
            {
                return JsonData.Deserialize<TResult>(await completion.Task)!;
            }
            catch (TaskFailedException e)
            {
                failure = e;
            }

            if (policy is not null)
            {
                if (attempt >= policy.MaxNumberOfAttempts || !Handles(policy, failure, sequence) ||
                    (policy.RetryTimeout != Timeout.InfiniteTimeSpan && CurrentUtcDateTime >= firstAttemptAt + policy.RetryTimeout))
                {
                    throw failure;
                }

                await CreateTimer(CurrentUtcDateTime + DelayBefore(policy, attempt), CancellationToken.None);
            }
            else if (handler is null || !await handler(new RetryContext(this, attempt, failure.FailureDetails, CurrentUtcDateTime - firstAttemptAt, CancellationToken.None)))
            {
                throw failure;
            }
        }
    }

    /// <summary>The wait after failed attempt <paramref name="attempt"/>, as DurableTask.Core computes it.</summary>
    internal static TimeSpan DelayBefore(RetryPolicy policy, int attempt)
    {
        var delay = policy.FirstRetryInterval.TotalMilliseconds * Math.Pow(policy.BackoffCoefficient, attempt - 1);
        if (policy.MaxRetryInterval != Timeout.InfiniteTimeSpan)
        {
            delay = Math.Min(delay, policy.MaxRetryInterval.TotalMilliseconds);
        }

        return TimeSpan.FromMilliseconds(Math.Min(delay, TimeSpan.MaxValue.TotalMilliseconds / 2));
    }

    private static bool Handles(RetryPolicy policy, TaskFailedException failure, int sequence)
    {
        // The SDK's policy filters (Handle, HandleFailure) expect DurableTask.Core's exception, as its own engine gives them.
        var details = failure.FailureDetails;
        var core = new CoreTaskFailedException(-1, sequence, failure.TaskName, string.Empty, failure.Message, failure)
        {
            FailureDetails = new CoreFailureDetails(details.ErrorType, details.ErrorMessage, details.StackTrace, null, false),
        };
        return policy.Handle(core);
    }

    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(eventName);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        var index = _buffered.FindIndex(e => string.Equals(e.Name, eventName, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            var buffered = _buffered[index];
            _buffered.RemoveAt(index);
            return Task.FromResult(JsonData.Deserialize<T>(buffered.Payload)!);
        }

        var waiter = new Waiter<T>();
        if (!_waiters.TryGetValue(eventName, out var queue))
        {
            queue = new LinkedList<Waiter>();
            _waiters.Add(eventName, queue);
        }

        var node = queue.AddLast(waiter);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                // Removing the waiter is what keeps a later event from being swallowed by a wait nobody awaits.
                if (node.List is not null)
                {
                    queue.Remove(node);
                    waiter.Completion.TrySetCanceled(cancellationToken);
                }
            });
        }

        return waiter.Completion.Task;
    }

    // ---- delivery of received history events ---------------------------------------------

    internal void DeliverEvent(ExternalEventReceived received)
    {
        if (!_waiters.TryGetValue(received.Name, out var queue) || queue.First is not { } first)
        {
            _buffered.Add(received);
            return;
        }

        queue.RemoveFirst();
        first.Value.Deliver(received.Payload);
    }

    internal void DeliverTimer(int sequence)
    {
        if (_timers.Remove(sequence, out var completion))
        {
            completion.TrySetResult();
        }
    }

    internal void DeliverActivityResult(int sequence, string? result, FailureDetails? failure)
    {
        if (!_activities.Remove(sequence, out var pending))
        {
            return;
        }

        if (failure is null)
        {
            pending.Result.TrySetResult(result);
        }
        else
        {
            var details = new TaskFailureDetails(failure.ErrorType, failure.Message, failure.StackTrace, null, null);
            pending.Result.TrySetException(new TaskFailedException(pending.Name, sequence, details));
        }
    }

    private void Record(HistoryEvent action)
    {
        if (Replaying)
        {
            UnmatchedActions.Enqueue(action);
        }
        else
        {
            NewActions.Add(action);
        }
    }

    private abstract class Waiter
    {
        public abstract void Deliver(string? payload);
    }

    private sealed class Waiter<T> : Waiter
    {
        public TaskCompletionSource<T> Completion { get; } = new();

        public override void Deliver(string? payload)
        {
            T value;
            try
            {
                value = JsonData.Deserialize<T>(payload)!;
            }
#pragma warning disable CA1031 // A payload that does not fit the wait's type fails the wait (and so the code awaiting it), visibly.
            catch (Exception error)
#pragma warning restore CA1031
            {
                Completion.TrySetException(error);
                return;
            }

            Completion.TrySetResult(value);
        }
    }
}
