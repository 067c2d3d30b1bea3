using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// The interpreter's custom status, updated at every step and wait; the host shows it on <c>GET /api/journeys/{id}</c>.
/// </summary>
public sealed record JourneyStatus
{
    public required string TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    /// <summary>The journey's dealer (for analytics per dealer, read from the status alone).</summary>
    public string? DealerId { get; init; }
    public string? JourneyKey { get; init; }
    public string? Phase { get; init; }
    /// <summary>The step running or waiting now.</summary>
    public string? CurrentStep { get; init; }
    /// <summary>The events the journey waits for now, the template's exit and goal events included; empty when not waiting.</summary>
    public IReadOnlyList<string> WaitingFor { get; init; } = [];
    /// <summary>When the current wait's timer fires (UTC); null when the wait has no timer or the journey is not waiting.</summary>
    public DateTimeOffset? NextTimerDue { get; init; }
    public IReadOnlyList<string> GoalsReached { get; init; } = [];
    /// <summary>How many repeats have run.</summary>
    public int Iteration { get; init; }
    /// <summary>The last touchpoint that failed after its retries, if any (the journey carries on).</summary>
    public string? LastError { get; init; }
    /// <summary>The steps entered, how waits ended, the split arms: what funnel analytics count.</summary>
    public JourneyPath? Path { get; init; }
}

/// <summary>The interpreter's output when a journey finishes (or continues as new, after a repeat).</summary>
public sealed record JourneyResult
{
    /// <summary><c>end</c>, <c>exit:&lt;event&gt;</c>, <c>repeat-limit</c> or <c>continued</c> (a repeat started the next execution).</summary>
    public required string Reason { get; init; }
    public string? LastStep { get; init; }
    public string? Phase { get; init; }
    public IReadOnlyList<string> GoalsReached { get; init; } = [];
    public int Iteration { get; init; }
}

/// <summary>A journey ran <see cref="JourneyRun.MaxStepsWithoutWait"/> steps without waiting: its template loops. The journey fails with this.</summary>
public sealed class JourneyLoopException(string templateId, int templateVersion, string stepId)
    : Exception($"The journey ran {JourneyRun.MaxStepsWithoutWait} steps without waiting (template '{templateId}' version {templateVersion}, at step '{stepId}'): the template loops without a wait.")
{
    public string TemplateId { get; } = templateId;
    public int TemplateVersion { get; } = templateVersion;
    public string StepId { get; } = stepId;
}
