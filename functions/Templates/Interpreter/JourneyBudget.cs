namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// What one journey may do per hour before it is failed as a runaway (a template that loops through waits that are always
/// satisfied, or a dealer system that floods it with events): steps run, touchpoints made (e-mails and tasks) and bytes
/// of event payload received. Zero turns a limit off. The hour is a window that opens at the first count and is carried
/// across repeats (ContinueAsNew), so a journey cannot reset it by repeating.
/// </summary>
/// <remarks>
/// Read by the interpreter at every episode: a lowered limit applies to running journeys at their next episode (a journey
/// already over it then fails; the failure is a decision, not a replay mismatch).
/// </remarks>
public sealed record JourneyBudget
{
    /// <summary>
    /// Steps per hour; default 2000 (a template runs a few dozen steps in its busiest hour; above the 1000 steps without a
    /// wait that fail a loop at once, so such a loop is reported as the loop it is).
    /// </summary>
    public int MaxStepsPerHour { get; init; } = 2000;

    /// <summary>E-mails and tasks per hour; default 20 (no journey should write to a customer more than a few times a day).</summary>
    public int MaxTouchpointsPerHour { get; init; } = 20;

    /// <summary>Bytes of received event payloads (UTF-8 JSON) per hour; default 1 MiB. Repeated (ignored) events count too.</summary>
    public long MaxEventBytesPerHour { get; init; } = 1 << 20;

    /// <exception cref="ArgumentOutOfRangeException">A limit is negative.</exception>
    public JourneyBudget Validated()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MaxStepsPerHour, nameof(MaxStepsPerHour));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxTouchpointsPerHour, nameof(MaxTouchpointsPerHour));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxEventBytesPerHour, nameof(MaxEventBytesPerHour));
        return this;
    }
}


/// <summary>A journey went over its <see cref="JourneyBudget"/>; it fails with this.</summary>
public sealed class JourneyBudgetExceededException(string templateId, int templateVersion, string stepId, string what, long count, long limit, DateTimeOffset windowStart)
    : Exception($"The journey exceeded its budget of {limit} {what} per hour ({count} since {windowStart:O}; template '{templateId}' version {templateVersion}, at step '{stepId}'): a runaway template or an event flood.")
{
    public string TemplateId { get; } = templateId;
    public int TemplateVersion { get; } = templateVersion;
    public string StepId { get; } = stepId;
    /// <summary><c>steps</c>, <c>touchpoints</c> or <c>event bytes</c>.</summary>
    public string What { get; } = what;
}
