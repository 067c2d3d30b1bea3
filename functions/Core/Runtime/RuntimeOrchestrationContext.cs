using System.Security.Cryptography;
using System.Text;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.History;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// The context handed to orchestration code. Every action the code takes is either matched against
/// the history (while replaying) or recorded as a new history event (afterwards).
/// </summary>
internal sealed class RuntimeOrchestrationContext : OrchestrationContext
{
    private readonly JourneyStarted _started;
    private readonly Dictionary<int, TaskCompletionSource> _timers = [];
    private readonly Dictionary<int, (string Name, int Attempt, TaskCompletionSource<string?> Result)> _activities = [];
    private readonly List<Waiter> _waiters = [];
    private readonly List<ExternalEventReceived> _buffered = [];
    private int _nextSequence;
    private int _guidCounter;
    private DateTimeOffset _currentTime;

    public RuntimeOrchestrationContext(string instanceId, JourneyStarted started, string? customStatus)
    {
        InstanceId = instanceId;
        _started = started;
        CustomStatusJson = customStatus;
    }

    public override string InstanceId { get; }
    public override string ExecutionId => _started.ExecutionId;
    public override string Name => _started.Name;
    public override DateTime CurrentUtcDateTime => _currentTime.UtcDateTime;
    public override bool IsReplaying => Replaying;

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

    public override void ContinueAsNew(object? newInput, bool preserveUnprocessedEvents = true) =>
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

    public override Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var sequence = _nextSequence++;
        var completion = new TaskCompletionSource();
        _timers.Add(sequence, completion);
        var due = new DateTimeOffset(DateTime.SpecifyKind(fireAt, DateTimeKind.Utc));
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

    public override async Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retryPolicy = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        retryPolicy?.Validate();
        var inputJson = JsonData.Serialize(input);
        for (var attempt = 1; ; attempt++)
        {
            var sequence = _nextSequence++;
            var completion = new TaskCompletionSource<string?>();
            _activities.Add(sequence, (name, attempt, completion));
            Record(new ActivityScheduled { Timestamp = _currentTime, Sequence = sequence, Name = name, Input = inputJson, Attempt = attempt });
            try
            {
                return JsonData.Deserialize<TResult>(await completion.Task)!;
            }
            catch (ActivityFailedException failure) when (retryPolicy is not null && attempt < retryPolicy.MaxAttempts && (retryPolicy.Handle?.Invoke(failure) ?? true))
            {
                await CreateTimerAsync(CurrentUtcDateTime.Add(retryPolicy.DelayBefore(attempt + 1)), CancellationToken.None);
            }
        }
    }

    public override async Task<T> WaitForExternalEventAsync<T>(string eventName, CancellationToken cancellationToken = default)
    {
        var received = await WaitForAnyExternalEventAsync([eventName], cancellationToken);
        return received.GetPayload<T>()!;
    }

    public override Task<ExternalEvent> WaitForAnyExternalEventAsync(IReadOnlyCollection<string> eventNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventNames);
        if (eventNames.Count == 0)
        {
            throw new ArgumentException("Name at least one event to wait for.", nameof(eventNames));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<ExternalEvent>(cancellationToken);
        }

        var names = new HashSet<string>(eventNames, StringComparer.OrdinalIgnoreCase);
        var index = _buffered.FindIndex(e => names.Contains(e.Name));
        if (index >= 0)
        {
            var buffered = _buffered[index];
            _buffered.RemoveAt(index);
            return Task.FromResult(ToExternalEvent(buffered));
        }

        var waiter = new Waiter(names, new TaskCompletionSource<ExternalEvent>());
        _waiters.Add(waiter);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                // Removing the waiter is what keeps a later event from being swallowed by a wait nobody awaits.
                if (_waiters.Remove(waiter))
                {
                    waiter.Completion.TrySetCanceled();
                }
            });
        }

        return waiter.Completion.Task;
    }

    // ---- delivery of received history events ---------------------------------------------

    internal void DeliverEvent(ExternalEventReceived received)
    {
        var waiter = _waiters.Find(w => w.Names.Contains(received.Name));
        if (waiter is null)
        {
            _buffered.Add(received);
            return;
        }

        _waiters.Remove(waiter);
        waiter.Completion.TrySetResult(ToExternalEvent(received));
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
            pending.Result.TrySetException(new ActivityFailedException(pending.Name, pending.Attempt, failure));
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

    private static ExternalEvent ToExternalEvent(ExternalEventReceived received) => new(received.Name, received.EventId, received.Payload);

    private sealed record Waiter(HashSet<string> Names, TaskCompletionSource<ExternalEvent> Completion);
}
