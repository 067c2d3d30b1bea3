using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>A checked scenario: everything resolved to instants and typed settings.</summary>
public sealed record Scenario
{
    /// <summary>The start when a scenario names none: a Monday morning, so business hours are plain to read.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2027, 3, 1, 8, 0, 0, TimeSpan.Zero);

    /// <summary>The longest horizon: 30 years.</summary>
    public static readonly IsoDuration MaxHorizon = IsoDuration.Parse("P30Y");

    /// <summary>Most events in one scenario.</summary>
    public const int MaxEvents = 1000;

    /// <summary>Most expectations in one scenario.</summary>
    public const int MaxExpectations = 200;

    public required string Name { get; init; }
    public string? Description { get; init; }
    public string? TemplateId { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required DateTimeOffset Horizon { get; init; }
    public required string Seed { get; init; }
    public required string DealerId { get; init; }
    public required BusinessHoursOptions Hours { get; init; }
    public int MaxMarketingEmailsPerWeek { get; init; }
    public required CustomerProfile Customer { get; init; }
    public IReadOnlyList<string> Declared { get; init; } = [];
    public required IReadOnlyList<ScenarioEvent> Events { get; init; }
    public IReadOnlyList<Expectation> Expectations { get; init; } = [];
}

/// <summary>One event of a scenario, at its instant. <see cref="Path"/> is where it is written (<c>events[2]</c>).</summary>
public sealed record ScenarioEvent
{
    public required string Path { get; init; }
    public required DateTimeOffset At { get; init; }
    /// <summary>The event's name; null for a task completion (its name is the task's completion event).</summary>
    public string? Name { get; init; }
    public required string EventId { get; init; }
    public JsonObject Data { get; init; } = [];
    /// <summary>Profile fields the event changes (applied to the profile when it arrives).</summary>
    public ScenarioCustomerDocument? Customer { get; init; }
    /// <summary>A task type to complete.</summary>
    public string? Complete { get; init; }
    public string Outcome { get; init; } = "done";
}

/// <summary>What an expectation looks at.</summary>
public enum ExpectationSubject { Email, Task, Phase, Goal, Step, End }

/// <summary>One checked expectation; <see cref="Text"/> says it in words, <see cref="Path"/> where it is written.</summary>
public sealed record Expectation
{
    public required string Path { get; init; }
    public required string Text { get; init; }
    public required ExpectationSubject Subject { get; init; }
    public required string Name { get; init; }
    /// <summary>Statuses that count (e-mails and tasks); empty: any.</summary>
    public IReadOnlyList<string> Statuses { get; init; } = [];
    public DateTimeOffset? After { get; init; }
    public DateTimeOffset? Before { get; init; }
    public int? Min { get; init; }
    public int? Max { get; init; }
}
