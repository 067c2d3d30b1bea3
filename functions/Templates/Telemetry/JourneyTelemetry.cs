using System.Diagnostics.Metrics;

namespace JourneyOrchestrator.Templates.Telemetry;

/// <summary>
/// The journey program's metrics (the interpreter and its activities, on every engine), one registry for the assembly
/// (names: docs/operations.md). Orchestration code records only when it is not replaying, so a count is one per decision.
/// </summary>
public static class JourneyTelemetry
{
    /// <summary>The meter's name: <c>AddMeter</c> it.</summary>
    public const string Name = "JourneyOrchestrator.Journeys";

    private static readonly Meter Meter = new(Name);

    /// <summary>
    /// E-mail send attempts by <c>status</c>: the activity's result (<c>sent</c>, <c>suppressed</c>, <c>capped</c>, <c>failed</c>,
    /// <c>unknown</c>, <c>retry</c>: SendGrid refused for now, <c>deferred</c>: the frequency cap), and <c>quiet-hours</c> when
    /// the interpreter holds a marketing e-mail back for quiet hours, a holiday or a closed day.
    /// </summary>
    public static readonly Counter<long> Emails = Meter.CreateCounter<long>(
        "journeys.emails", "{email}", "E-mail send attempts and deferrals, by status.");

    /// <summary>Sales tasks created (<c>type</c>: the template's task type).</summary>
    public static readonly Counter<long> TasksCreated = Meter.CreateCounter<long>(
        "journeys.tasks.created", "{task}", "Sales tasks created, by type.");

    public static void Email(string status) => Emails.Add(1, new KeyValuePair<string, object?>("status", status));
}
