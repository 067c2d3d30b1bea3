using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>
/// A scenario file (YAML or JSON) as written: who the customer is, the dealer's calendar, the events with their times, and
/// what must happen. Bound by the template loader's binder (paths and lines in every error); <see cref="ScenarioLoader"/>
/// checks it and turns it into a <see cref="Scenario"/>. The format is documented in docs/template-authors.md.
/// </summary>
public sealed class ScenarioDocument
{
    /// <summary>The scenario's name (a file's default is its file name).</summary>
    public string? Scenario { get; init; }
    public string? Description { get; init; }
    /// <summary>The template's id; <c>journey test</c> finds <c>{id}.yaml</c> (or .yml, .json) beside the scenarios' folder.</summary>
    public string? Template { get; init; }
    /// <summary>The virtual time the scenario starts at (ISO 8601 with an offset); default <see cref="Simulation.Scenario.DefaultStart"/>.</summary>
    public string? Start { get; init; }
    /// <summary>How long to simulate (ISO 8601 duration, e.g. <c>P3Y</c>); default P3Y, at most P30Y.</summary>
    public string? Horizon { get; init; }
    /// <summary>Seeds the A/B splits (the same seed, the same arms); default the scenario's name.</summary>
    public string? Seed { get; init; }
    public ScenarioDealerDocument? Dealer { get; init; }
    public ScenarioCustomerDocument? Customer { get; init; }
    /// <summary>Event names the template does not know that the scenario may raise anyway (they are ignored by the journey).</summary>
    public List<string>? Declare { get; init; }
    public List<ScenarioEventDocument>? Events { get; init; }
    public List<ScenarioExpectationDocument>? Expect { get; init; }
}

public sealed class ScenarioDealerDocument
{
    public string? Id { get; init; }
    /// <summary>IANA time zone.</summary>
    public string? TimeZone { get; init; }
    /// <summary>Weekday (<c>Monday</c>..<c>Sunday</c>) to <c>HH:mm-HH:mm</c>; an absent day is closed.</summary>
    public Dictionary<string, string>? OpeningHours { get; init; }
    /// <summary>Closing days, <c>yyyy-MM-dd</c>.</summary>
    public List<string>? Holidays { get; init; }
    /// <summary><c>HH:mm-HH:mm</c> without marketing e-mail (may span midnight), or <c>none</c>.</summary>
    public string? QuietHours { get; init; }
    /// <summary>The marketing frequency cap: at most this many marketing e-mails in 7 days (0 or absent: none).</summary>
    public int? MaxMarketingEmailsPerWeek { get; init; }
}

public sealed class ScenarioCustomerDocument
{
    public string? Id { get; init; }
    public string? Email { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Locale { get; init; }
    public string? TimeZone { get; init; }
    /// <summary>Marketing e-mail consent; default true.</summary>
    public bool? Consent { get; init; }
}

public sealed class ScenarioEventDocument
{
    /// <summary><c>+P3D</c> (after the start), <c>+PT0S</c>, or an instant (ISO 8601 with an offset).</summary>
    public string? At { get; init; }
    /// <summary>The event's name; or use <see cref="Complete"/>.</summary>
    public string? Name { get; init; }
    /// <summary>The event id (a repeat of an id is ignored by the journey, as in production); default <c>e{n}</c>.</summary>
    public string? Id { get; init; }
    public JsonNode? Data { get; init; }
    /// <summary>Profile changes with the event, e.g. <c>consent: false</c> (an unsubscribe through the profile).</summary>
    public ScenarioCustomerDocument? Customer { get; init; }
    /// <summary>Completes the journey's open task of this type (as <c>POST /api/tasks/{id}/complete</c> would), raising its event.</summary>
    public string? Complete { get; init; }
    /// <summary>The completion's outcome (default <c>done</c>).</summary>
    public string? Outcome { get; init; }
}

public sealed class ScenarioExpectationDocument
{
    // ---- what (exactly one) ----
    public string? Email { get; init; }
    public string? Task { get; init; }
    public string? Phase { get; init; }
    public string? Goal { get; init; }
    public string? Step { get; init; }
    /// <summary>How the journey ended: <c>end</c>, <c>exit:&lt;event&gt;</c>, <c>repeat-limit</c>, <c>failed</c>, or <c>running</c> (still running at the horizon).</summary>
    public string? End { get; init; }

    // ---- which ----
    /// <summary>For e-mails: <c>sent</c> (default), <c>suppressed</c>, <c>capped</c>, <c>failed</c> or <c>any</c>; for tasks <c>created</c> (default), <c>escalated</c> or <c>any</c>.</summary>
    public string? Status { get; init; }

    // ---- how many (at most one; default: at least one) ----
    public int? Count { get; init; }
    public int? AtLeast { get; init; }
    public int? AtMost { get; init; }
    /// <summary>True: none at all (in the window).</summary>
    public bool? None { get; init; }

    // ---- when (relative <c>+P1D</c> to the start, or instants) ----
    public string? After { get; init; }
    public string? Before { get; init; }
    /// <summary>Two times: after the first, before the second (both included).</summary>
    public List<string>? Between { get; init; }
    /// <summary>The same as <see cref="Before"/> (<c>phase usage by +P60D</c>).</summary>
    public string? By { get; init; }
    /// <summary>The same as <see cref="Before"/>, written as a duration from the start (<c>within: P3Y</c>).</summary>
    public string? Within { get; init; }
}
