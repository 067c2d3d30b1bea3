using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Core.Authoring;

/// <summary>
/// What orchestration code sees of the runtime: the shape of Durable Functions'
/// <c>TaskOrchestrationContext</c>, so that porting is mechanical.
/// </summary>
/// <remarks>
/// <para><b>Determinism rules.</b> Orchestration code is replayed from its history every time it
/// wakes up, so it must make the same decisions in the same order on every replay:</para>
/// <list type="bullet">
/// <item>Read time only from <see cref="CurrentUtcDateTime"/>, never <c>DateTime.UtcNow</c> or a <see cref="TimeProvider"/>.</item>
/// <item>Make GUIDs with <see cref="NewGuid"/> and random numbers from a seed you got from <see cref="NewGuid"/> or the input.</item>
/// <item>Do I/O (e-mail, HTTP, database) only in activities, through <see cref="CallActivityAsync{TResult}(string, object?, RetryPolicy?)"/>.</item>
/// <item>Await only tasks made by this context (and <c>Task.WhenAll</c>/<c>Task.WhenAny</c> of them): never <c>Task.Delay</c>,
/// <c>Task.Run</c> or <c>ConfigureAwait(false)</c>, which leave the orchestration's single logical thread.</item>
/// <item>Do not change the order of calls to the context in code that running instances execute; publish a new version instead.</item>
/// </list>
/// <para>A breach that changes the order or kind of scheduled work is detected on replay and fails the instance
/// with a <see cref="NonDeterminismException"/> naming the instance, the history position and the mismatch.</para>
/// </remarks>
public abstract class OrchestrationContext
{
    /// <summary>The instance id; stable across ContinueAsNew.</summary>
    public abstract string InstanceId { get; }

    /// <summary>Changes with every ContinueAsNew.</summary>
    public abstract string ExecutionId { get; }

    /// <summary>The orchestration name this instance was started with.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// The deterministic current time: the time at which the current episode of execution started,
    /// as recorded in history. It only moves forward between awaits that wait on something.
    /// </summary>
    public abstract DateTime CurrentUtcDateTime { get; }

    /// <summary>True while the code is re-executing steps already recorded in history.</summary>
    public abstract bool IsReplaying { get; }

    /// <summary>Creates a durable timer that completes at <paramref name="fireAt"/> (UTC). Timers may be years long.</summary>
    /// <param name="fireAt">When to fire; a time in the past fires at once (in the next episode).</param>
    /// <param name="cancellationToken">Cancelling deletes the stored timer and cancels the task.</param>
    public abstract Task CreateTimerAsync(DateTime fireAt, CancellationToken cancellationToken);

    /// <summary>Waits for the next external event named <paramref name="eventName"/> (case-insensitive).</summary>
    /// <remarks>
    /// Events that arrived before the wait began are buffered and delivered first-in first-out.
    /// A wait that is cancelled removes itself, so an event arriving afterwards stays buffered for the next wait.
    /// </remarks>
    public abstract Task<T> WaitForExternalEventAsync<T>(string eventName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits for the first event whose name is one of <paramref name="eventNames"/>. Only that one event is consumed;
    /// every other stays buffered.
    /// </summary>
    public abstract Task<ExternalEvent> WaitForAnyExternalEventAsync(IReadOnlyCollection<string> eventNames, CancellationToken cancellationToken = default);

    /// <summary>Schedules an activity and waits for its result. With a retry policy, failed attempts are retried after durable timers.</summary>
    /// <exception cref="ActivityFailedException">The activity failed (after the last attempt).</exception>
    public abstract Task<TResult> CallActivityAsync<TResult>(string name, object? input = null, RetryPolicy? retryPolicy = null);

    /// <summary>
    /// Ends this execution when the orchestration function returns and starts a new one with <paramref name="newInput"/> and an empty history.
    /// With <paramref name="preserveUnprocessedEvents"/> (default) external events received but not yet consumed are carried into the new execution.
    /// </summary>
    public abstract void ContinueAsNew(object? newInput, bool preserveUnprocessedEvents = true);

    /// <summary>Sets a JSON-serialisable status visible to clients; written when the episode commits.</summary>
    public abstract void SetCustomStatus(object? customStatus);

    /// <summary>A GUID that is the same on every replay (name-based, from instance, execution and a counter).</summary>
    public abstract Guid NewGuid();

    /// <summary>Deserialises the input of this execution.</summary>
    public abstract T? GetInput<T>();

    /// <summary>A logger that writes nothing while <see cref="IsReplaying"/>, so each message is logged once.</summary>
    public ILogger CreateReplaySafeLogger(ILogger logger) => new ReplaySafeLogger(this, logger);

    // ---- convenience overloads (virtual, built on the members above) -------------------

    public Task CreateTimerAsync(DateTime fireAt) => CreateTimerAsync(fireAt, CancellationToken.None);

    public Task CreateTimerAsync(TimeSpan delay, CancellationToken cancellationToken = default) =>
        CreateTimerAsync(CurrentUtcDateTime.Add(delay), cancellationToken);

    public Task CallActivityAsync(string name, object? input = null, RetryPolicy? retryPolicy = null) =>
        CallActivityAsync<object?>(name, input, retryPolicy);

    /// <summary>Waits for an event, or throws <see cref="TimeoutException"/> when <paramref name="timeout"/> passes first.</summary>
    /// <remarks>A durable timer races the wait; whichever loses is cancelled (the timer deleted, the wait removed), so no event is swallowed.</remarks>
    public virtual async Task<T> WaitForExternalEventAsync<T>(string eventName, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var result = await WaitForAnyExternalEventAsync([eventName], timeout, cancellationToken);
        return result is null
            ? throw new TimeoutException($"Event '{eventName}' was not received within {timeout}.")
            : result.GetPayload<T>()!;
    }

    /// <summary>Waits for the first of several events, or returns null when <paramref name="timeout"/> passes first.</summary>
    public virtual async Task<ExternalEvent?> WaitForAnyExternalEventAsync(IReadOnlyCollection<string> eventNames, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var waitCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var timerCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = WaitForAnyExternalEventAsync(eventNames, waitCts.Token);
        var timer = CreateTimerAsync(CurrentUtcDateTime.Add(timeout), timerCts.Token);
        var winner = await Task.WhenAny(wait, timer);
        if (winner == wait)
        {
            CancelSynchronously(timerCts);
            return await wait;
        }

        CancelSynchronously(waitCts);
        await timer; // propagates cancellation by the caller's token
        return null;
    }

    /// <summary>
    /// Orchestration code must cancel synchronously: <c>CancelAsync</c> runs the callbacks on the thread pool,
    /// outside the orchestration's single logical thread.
    /// </summary>
#pragma warning disable CA1849 // Call async methods when in an async method: CancelAsync is wrong here, see above.
    protected static void CancelSynchronously(CancellationTokenSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source.Cancel();
    }
#pragma warning restore CA1849
}

/// <summary>An external event delivered to an orchestration.</summary>
public sealed record ExternalEvent(string Name, string EventId, string? Payload)
{
    /// <summary>Deserialises the payload (JSON) to <typeparamref name="T"/>.</summary>
    public T? GetPayload<T>() => JsonData.Deserialize<T>(Payload);
}

internal sealed class ReplaySafeLogger(OrchestrationContext context, ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => !context.IsReplaying && inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!context.IsReplaying)
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
