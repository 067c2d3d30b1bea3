using JourneyOrchestrator.Core.History;

namespace JourneyOrchestrator.Core.Storage;

/// <summary>
/// What <see cref="IJourneyStore.ErasePersonalDataAsync"/> does to one instance (GDPR right to erasure): how payloads are
/// rewritten, which tag values are replaced, and the reason recorded. Everything the store writes comes from here, so the
/// store itself knows nothing about what is personal.
/// </summary>
/// <remarks>
/// <para>Rewritten: every history event's payload (<see cref="JourneyStarted.Input"/>, <see cref="ExternalEventReceived.Payload"/>,
/// <see cref="ActivityScheduled.Input"/>, <see cref="ActivityCompleted.Result"/>, <see cref="ContinuedAsNew.Input"/>,
/// <see cref="JourneyCompleted.Output"/>) through <see cref="Redact"/>; failure messages and stack traces
/// (<see cref="ActivityFailed"/>, <see cref="JourneyFailed"/>) replaced by <see cref="ErasedText"/>; the instance row's input,
/// output and custom status through <see cref="Redact"/>. Deleted: every inbox message (events, timers, activity results) and
/// every activity work item (the outbox), locked or not. Operator reasons of terminate/suspend/resume are kept: they are
/// operators' words, not customer data.</para>
/// <para><see cref="Redact"/> must be deterministic and idempotent (<c>Redact(Redact(x)) == Redact(x)</c>): a store that
/// cannot do everything in one transaction redoes it after a crash.</para>
/// </remarks>
public sealed record PersonalDataErasure
{
    /// <summary>The <see cref="FailureDetails.ErrorType"/> that marks an instance as erased (set on the instance row, whatever its status).</summary>
    public const string ErasedErrorType = "JourneyOrchestrator.PersonalDataErased";

    /// <summary>What replaces failure messages.</summary>
    public const string ErasedText = "(erased)";

    /// <summary>Rewrites one stored JSON payload (never called with null). Deterministic and idempotent.</summary>
    public required Func<string, string?> Redact { get; init; }

    /// <summary>Tag values to replace (key → new value); keys the instance does not have are not added.</summary>
    public IReadOnlyDictionary<string, string> ReplaceTags { get; init; } = new Dictionary<string, string>();

    /// <summary>Why, without personal data: the <see cref="JourneyTerminated.Reason"/> of an unfinished instance and the marker's message.</summary>
    public required string Reason { get; init; }

    /// <summary>The erase time (from the caller's <see cref="TimeProvider"/>): lock expiry is judged against it and it stamps the rows.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>True when <paramref name="instance"/> was erased before.</summary>
    public static bool IsErased(InstanceRecord instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        return instance.Failure?.ErrorType == ErasedErrorType;
    }

    /// <summary>The event with its payloads rewritten; the same reference when nothing in it changes.</summary>
    public HistoryEvent Apply(HistoryEvent historyEvent)
    {
        ArgumentNullException.ThrowIfNull(historyEvent);
        HistoryEvent rewritten = historyEvent switch
        {
            JourneyStarted e => e with { Input = RedactOrNull(e.Input) },
            ExternalEventReceived e => e with { Payload = RedactOrNull(e.Payload) },
            ActivityScheduled e => e with { Input = RedactOrNull(e.Input) },
            ActivityCompleted e => e with { Result = RedactOrNull(e.Result) },
            ActivityFailed e => e with { Failure = Scrub(e.Failure) },
            ContinuedAsNew e => e with { Input = RedactOrNull(e.Input) },
            JourneyCompleted e => e with { Output = RedactOrNull(e.Output) },
            JourneyFailed e => e with { Failure = Scrub(e.Failure) },
            _ => historyEvent,
        };
        return rewritten == historyEvent ? historyEvent : rewritten;
    }

    /// <summary>
    /// The instance row after the erase: payloads rewritten, tags replaced, the erased marker set. An unfinished instance
    /// becomes <see cref="InstanceStatus.Terminated"/> (its output is the reason, as for a terminate); a finished one keeps
    /// its status. <paramref name="terminated"/> is the history event to append, or null when it was finished already.
    /// </summary>
    public InstanceRecord ApplyTo(InstanceRecord instance, out JourneyTerminated? terminated)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var finished = instance.Status.IsFinished();
        terminated = finished ? null : new JourneyTerminated { Timestamp = Now, Reason = Reason };
        var tags = new Dictionary<string, string>(instance.Tags, StringComparer.Ordinal);
        foreach (var (key, value) in ReplaceTags)
        {
            if (tags.ContainsKey(key))
            {
                tags[key] = value;
            }
        }

        return instance with
        {
            Status = finished ? instance.Status : InstanceStatus.Terminated,
            Input = RedactOrNull(instance.Input),
            Output = finished ? RedactOrNull(instance.Output) : System.Text.Json.JsonSerializer.Serialize(Reason),
            CustomStatus = RedactOrNull(instance.CustomStatus),
            Failure = new FailureDetails(ErasedErrorType, Reason),
            LastUpdatedAt = Now,
            CompletedAt = instance.CompletedAt ?? Now,
            Tags = tags,
        };
    }

    private string? RedactOrNull(string? json) => json is null ? null : Redact(json);

    private static FailureDetails Scrub(FailureDetails failure) =>
        failure.Message == ErasedText && failure.StackTrace is null ? failure : new FailureDetails(failure.ErrorType, ErasedText);
}

/// <summary>How <see cref="IJourneyStore.ErasePersonalDataAsync"/> ended.</summary>
public enum EraseOutcome
{
    /// <summary>Rewritten and ended now.</summary>
    Erased,
    /// <summary>It carried the erased marker already; nothing was written.</summary>
    AlreadyErased,
    NotFound,
    /// <summary>A worker holds an unexpired lock on it (an episode is running); nothing was written: call again later.</summary>
    Locked,
}

/// <summary>The outcome and what was changed (all zero unless <see cref="EraseOutcome.Erased"/>).</summary>
public sealed record EraseResult(EraseOutcome Outcome, int HistoryEventsRewritten = 0, int MessagesDeleted = 0, int ActivitiesDeleted = 0);
