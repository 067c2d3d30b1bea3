using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>Kinds of <see cref="JourneyTraceEntry"/>.</summary>
public static class TraceKinds
{
    /// <summary>The journey entered a step (<see cref="JourneyTraceEntry.Name"/>: its kind).</summary>
    public const string Step = "step";
    /// <summary>A condition or split chose its way (<see cref="JourneyTraceEntry.Name"/>: the step it goes to; details: the inputs).</summary>
    public const string Decision = "decision";
    /// <summary>The journey waits (details: the events it listens for and the time it wakes up at, if any).</summary>
    public const string Wait = "wait";
    /// <summary>An event was taken by the wait (<see cref="JourneyTraceEntry.Name"/>: the event).</summary>
    public const string Event = "event";
    /// <summary>An event was ignored: its id was seen before.</summary>
    public const string Repeat = "repeat";
    /// <summary>An event nobody waits for now was kept for a later wait.</summary>
    public const string Held = "held";
    /// <summary>A wait's time came.</summary>
    public const string Timeout = "timeout";
    public const string Phase = "phase";
    public const string Goal = "goal";
    /// <summary>The journey ended (<see cref="JourneyTraceEntry.Name"/>: the reason) or continued as new (<c>continued</c>).</summary>
    public const string End = "end";
}

/// <summary>One thing the interpreter decided, at the time it decided it.</summary>
public sealed record JourneyTraceEntry(DateTimeOffset At, string Kind, string? StepId, string? Name, JsonObject? Details = null);

/// <summary>
/// Where the interpreter says what it decides and why (the simulator's timeline, a journey's timeline). Called only for new
/// decisions, never while the engine replays history (unless <see cref="IncludesReplay"/>), so a trace holds each decision once. None in production (null): the journey never depends on it.
/// </summary>
public interface IJourneyTrace
{
    /// <summary>
    /// Whether the trace also wants the decisions the engine replays (a live journey's timeline is rebuilt by replaying its
    /// history with such a trace); false for the simulator, which sees each decision once as it is made.
    /// </summary>
    bool IncludesReplay => false;

    void Record(JourneyTraceEntry entry);
}
