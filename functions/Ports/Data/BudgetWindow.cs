namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>The interpreter's budget counts in the current hour (part of <see cref="Data.JourneyInput"/>, carried across repeats).</summary>
/// <param name="Start">When the window opened (the orchestration time of its first count).</param>
/// <param name="Steps">Steps run in the window.</param>
/// <param name="Touchpoints">E-mails and tasks made in the window.</param>
/// <param name="EventBytes">Bytes of event payloads received in the window.</param>
public sealed record BudgetWindow(DateTimeOffset Start, int Steps = 0, int Touchpoints = 0, long EventBytes = 0);
