using System.Text.Json.Serialization;

namespace JourneyOrchestrator.Core.History;

/// <summary>
/// One past-tense fact in an instance's append-only history. The JSON type names
/// (the <c>"type"</c> discriminator) are a storage contract: never rename one.
/// </summary>
/// <remarks>
/// <see cref="Timestamp"/> is the time the fact was recorded, taken from the runtime's
/// <see cref="TimeProvider"/> by the dispatcher, never read from the wall clock here.
/// See <c>docs/history-events.md</c> for a table of what each event means.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(JourneyStarted), "JourneyStarted")]
[JsonDerivedType(typeof(EpisodeStarted), "EpisodeStarted")]
[JsonDerivedType(typeof(ExternalEventReceived), "ExternalEventReceived")]
[JsonDerivedType(typeof(TimerScheduled), "TimerScheduled")]
[JsonDerivedType(typeof(TimerFired), "TimerFired")]
[JsonDerivedType(typeof(TimerCancelled), "TimerCancelled")]
[JsonDerivedType(typeof(ActivityScheduled), "ActivityScheduled")]
[JsonDerivedType(typeof(ActivityCompleted), "ActivityCompleted")]
[JsonDerivedType(typeof(ActivityFailed), "ActivityFailed")]
[JsonDerivedType(typeof(ContinuedAsNew), "ContinuedAsNew")]
[JsonDerivedType(typeof(JourneyCompleted), "JourneyCompleted")]
[JsonDerivedType(typeof(JourneyFailed), "JourneyFailed")]
[JsonDerivedType(typeof(JourneyTerminated), "JourneyTerminated")]
[JsonDerivedType(typeof(JourneySuspended), "JourneySuspended")]
[JsonDerivedType(typeof(JourneyResumed), "JourneyResumed")]
public abstract record HistoryEvent
{
    /// <summary>When the runtime recorded this fact (UTC).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The stable type name used in storage and in the API.</summary>
    [JsonIgnore]
    public string TypeName => GetType().Name;
}

/// <summary>The execution began: first event of every execution (also after ContinueAsNew).</summary>
public sealed record JourneyStarted : HistoryEvent
{
    public required string Name { get; init; }
    public string? Version { get; init; }
    public required string ExecutionId { get; init; }
    /// <summary>The input as JSON text, or null.</summary>
    public string? Input { get; init; }
}

/// <summary>
/// A new episode of execution began. Its timestamp is what
/// <c>OrchestrationContext.CurrentUtcDateTime</c> returns until the next episode.
/// </summary>
public sealed record EpisodeStarted : HistoryEvent;

/// <summary>An external event was delivered to this execution (it may still be buffered, unconsumed).</summary>
public sealed record ExternalEventReceived : HistoryEvent
{
    public required string Name { get; init; }
    public required string EventId { get; init; }
    /// <summary>The event payload as JSON text, or null.</summary>
    public string? Payload { get; init; }
}

/// <summary>The orchestration created a durable timer.</summary>
public sealed record TimerScheduled : HistoryEvent
{
    public required int Sequence { get; init; }
    public required DateTimeOffset FireAt { get; init; }
}

/// <summary>A durable timer came due and was delivered.</summary>
public sealed record TimerFired : HistoryEvent
{
    public required int TimerSequence { get; init; }
    public required DateTimeOffset FireAt { get; init; }
}

/// <summary>The orchestration cancelled a pending timer; its stored wake-up was deleted.</summary>
public sealed record TimerCancelled : HistoryEvent
{
    public required int TimerSequence { get; init; }
}

/// <summary>The orchestration scheduled an activity; the activity work item was written to the outbox.</summary>
public sealed record ActivityScheduled : HistoryEvent
{
    public required int Sequence { get; init; }
    public required string Name { get; init; }
    public string? Input { get; init; }
    /// <summary>1 for the first attempt; retries schedule a new activity with the next attempt number.</summary>
    public int Attempt { get; init; } = 1;
}

/// <summary>An activity finished and returned a result.</summary>
public sealed record ActivityCompleted : HistoryEvent
{
    public required int ScheduledSequence { get; init; }
    public string? Result { get; init; }
}

/// <summary>An activity threw; the failure is recorded, never swallowed.</summary>
public sealed record ActivityFailed : HistoryEvent
{
    public required int ScheduledSequence { get; init; }
    public required FailureDetails Failure { get; init; }
}

/// <summary>The execution ended with ContinueAsNew; a new execution starts with the new input.</summary>
public sealed record ContinuedAsNew : HistoryEvent
{
    public string? Input { get; init; }
}

/// <summary>The execution completed with an output.</summary>
public sealed record JourneyCompleted : HistoryEvent
{
    public string? Output { get; init; }
}

/// <summary>The execution failed: an unhandled exception, non-determinism, or an unknown orchestration.</summary>
public sealed record JourneyFailed : HistoryEvent
{
    public required FailureDetails Failure { get; init; }
}

/// <summary>An operator terminated the instance.</summary>
public sealed record JourneyTerminated : HistoryEvent
{
    public string? Reason { get; init; }
}

/// <summary>An operator suspended the instance: nothing but resume and terminate is processed until resumed.</summary>
public sealed record JourneySuspended : HistoryEvent
{
    public string? Reason { get; init; }
}

/// <summary>An operator resumed a suspended instance.</summary>
public sealed record JourneyResumed : HistoryEvent
{
    public string? Reason { get; init; }
}

/// <summary>What went wrong, with enough detail to act on; no stack traces of orchestration internals are lost.</summary>
public sealed record FailureDetails(string ErrorType, string Message, string? StackTrace = null)
{
    public static FailureDetails FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new FailureDetails(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace);
    }
}
