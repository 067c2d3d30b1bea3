using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Templates.Model;

/// <summary>
/// A journey template as marketing ops write it (YAML or JSON, camelCase keys; see
/// <c>functions/journey-templates/journey-template.schema.json</c> and <c>docs/template-authors.md</c>).
/// A template is data: the interpreter orchestration runs any valid template.
/// </summary>
/// <remarks>
/// Published versions are immutable. <see cref="Version"/> is assigned on publish (1, 2, ...); a
/// version written in the document is ignored. A running journey stays on the version it started with.
/// </remarks>
public sealed record JourneyTemplate
{
    /// <summary>Lowercase letters, digits and '-' (e.g. <c>new-car-purchase</c>); 1-100 characters.</summary>
    public string Id { get; init; } = "";
    /// <summary>Assigned when published; 0 for an unpublished document.</summary>
    public int Version { get; init; }
    public string Name { get; init; } = "";
    public string? Description { get; init; }

    /// <summary>Every event name the template uses (entry, exit, goals, waits). Using an undeclared event is a validation error.</summary>
    public List<string> Events { get; init; } = [];

    /// <summary>Events that start a journey of this template for a customer who has none running with the same journey key.</summary>
    public EntrySpec? Entry { get; init; }

    /// <summary>Events that end the journey from wherever it is waiting (e.g. <c>customer.unsubscribed</c>).</summary>
    public ExitSpec? Exit { get; init; }

    /// <summary>Events that move the journey to a step from wherever it is waiting (e.g. <c>contract.signed</c> jumps to the purchase phase).</summary>
    public List<GoalSpec> Goals { get; init; } = [];

    /// <summary>The id of the first step.</summary>
    public string Start { get; init; } = "";

    public List<StepSpec> Steps { get; init; } = [];
}

public sealed record EntrySpec
{
    public List<string> Events { get; init; } = [];
}

public sealed record ExitSpec
{
    public List<string> Events { get; init; } = [];
}

/// <summary>When <see cref="Event"/> arrives while the journey waits (in any wait step), it sets <see cref="Phase"/> (if given) and continues at <see cref="Goto"/>.</summary>
public sealed record GoalSpec
{
    /// <summary>A name for reports (e.g. <c>purchase</c>); defaults to the event name.</summary>
    public string? Name { get; init; }
    public string Event { get; init; } = "";
    public string? Phase { get; init; }
    public string Goto { get; init; } = "";
    /// <summary>
    /// Only forward: the goal fires while the journey's phase comes before <see cref="Phase"/> (in the order of
    /// <see cref="Phases.All"/>; no phase yet counts as before all). Once the journey is in that phase or a later one, the
    /// event is left to the steps that wait for it. For milestones a dealer system may send out of order or alone (a car
    /// delivered without a payment or a delivery date ever sent).
    /// </summary>
    public bool Forward { get; init; }
}

/// <summary>Values of <see cref="StepSpec.Calendar"/>.</summary>
public static class Calendars
{
    /// <summary>Durations are elapsed time (the default; a day is 24 hours).</summary>
    public const string Utc = "utc";
    /// <summary>Days, weeks, months and years keep the wall-clock time in the customer's (else the dealer's) time zone.</summary>
    public const string Local = "local";
}

/// <summary>The kinds of step. In documents: the camelCase names (<c>email</c>, <c>task</c>, <c>wait</c>, ...).</summary>
public static class StepKinds
{
    /// <summary>Send an e-mail to the customer: <see cref="StepSpec.Email"/>, <see cref="StepSpec.Category"/>, <see cref="StepSpec.Next"/>.</summary>
    public const string Email = "email";
    /// <summary>Create a sales task for the dealer: <see cref="StepSpec.Task"/>, <see cref="StepSpec.Title"/>, <see cref="StepSpec.DueIn"/>, <see cref="StepSpec.OnComplete"/>, <see cref="StepSpec.Escalate"/>, <see cref="StepSpec.Next"/>.</summary>
    public const string Task = "task";
    /// <summary>Wait: exactly one of <see cref="StepSpec.Duration"/>, <see cref="StepSpec.Until"/>, <see cref="StepSpec.UntilData"/> (+ optional <see cref="StepSpec.Offset"/>), <see cref="StepSpec.BusinessHours"/>; then <see cref="StepSpec.Next"/>. Exit and goal events interrupt it.</summary>
    public const string Wait = "wait";
    /// <summary>Wait for the first of <see cref="StepSpec.Events"/>; branch by <see cref="StepSpec.On"/>; with <see cref="StepSpec.Timeout"/> go to <see cref="StepSpec.OnTimeout"/>.</summary>
    public const string WaitForEvent = "waitForEvent";
    /// <summary>Branch on data: <see cref="StepSpec.If"/>, <see cref="StepSpec.Then"/>, <see cref="StepSpec.Else"/>.</summary>
    public const string Condition = "condition";
    /// <summary>Random A/B split: <see cref="StepSpec.Branches"/> with weights (deterministic per journey).</summary>
    public const string Split = "split";
    /// <summary>Set the journey's phase: <see cref="StepSpec.Phase"/>, <see cref="StepSpec.Next"/>.</summary>
    public const string SetPhase = "setPhase";
    /// <summary>Record that a goal was reached (a conversion): <see cref="StepSpec.Goal"/>, <see cref="StepSpec.Next"/>.</summary>
    public const string Goal = "goal";
    /// <summary>End the journey.</summary>
    public const string End = "end";
    /// <summary>Start over at <see cref="StepSpec.Goto"/> as a fresh execution (ContinueAsNew), e.g. the yearly service loop. <see cref="StepSpec.Times"/> bounds it.</summary>
    public const string Repeat = "repeat";
    /// <summary>
    /// Ask a person to approve: a task for <see cref="StepSpec.Approver"/> (<see cref="StepSpec.Title"/>, optional
    /// <see cref="StepSpec.Task"/>, <see cref="StepSpec.DueIn"/>), decided through <c>POST /api/tasks/{id}/approve</c> or
    /// <c>/reject</c>; then <see cref="StepSpec.OnApproved"/> or <see cref="StepSpec.OnRejected"/>, and after
    /// <see cref="StepSpec.Timeout"/> without a decision <see cref="StepSpec.OnTimeout"/>.
    /// </summary>
    public const string Approval = "approval";

    public static readonly IReadOnlyList<string> All = [Email, Task, Wait, WaitForEvent, Condition, Split, SetPhase, Goal, End, Repeat, Approval];
}

/// <summary>The phases of the car-purchase literature (AIDA-A).</summary>
public static class Phases
{
    public static readonly IReadOnlyList<string> All = ["orientation", "communication", "choice", "purchase", "usage"];
}

/// <summary>
/// One step. A flat record: which properties apply depends on <see cref="Kind"/> (see <see cref="StepKinds"/>);
/// the validator reports properties that do not belong to the kind.
/// </summary>
public sealed record StepSpec
{
    /// <summary>Stable id (letters, digits, '-', '_'), unique in the template; history, touchpoints and reports name steps by it.</summary>
    public string Id { get; init; } = "";
    public string Kind { get; init; } = "";
    /// <summary>The step that follows (all kinds but condition, split, waitForEvent-with-branches, end, repeat).</summary>
    public string? Next { get; init; }
    /// <summary>For <c>setPhase</c>: the new phase; for other steps: the phase the step belongs to (set when the step runs).</summary>
    public string? Phase { get; init; }
    public string? Description { get; init; }

    // ---- email ----
    /// <summary>Name of the e-mail: a Liquid template <c>functions/journey-templates/emails/{name}.liquid</c> whose first line is <c>subject: ...</c>.</summary>
    public string? Email { get; init; }
    /// <summary><c>marketing</c> (default; honours consent and unsubscribe) or <c>transactional</c> (e.g. the delivery-date confirmation).</summary>
    public string? Category { get; init; }
    /// <summary>
    /// A SendGrid dynamic template id (<c>d-</c> and 32 hex digits). With the SendGrid provider the e-mail is sent as that
    /// template with <c>dynamic_template_data</c> = the journey model; the Liquid template <see cref="Email"/> is then only
    /// the development mailbox's rendering. Without it the rendered Liquid is sent as content.
    /// </summary>
    public string? SendGridTemplateId { get; init; }
    /// <summary>
    /// What a marketing e-mail does when the customer's frequency cap is reached: <c>defer</c> (default: wait until the cap
    /// allows it) or <c>skip</c> (record a <c>capped</c> touchpoint and go on). Transactional e-mail is never capped.
    /// </summary>
    public string? Capped { get; init; }

    // ---- task ----
    /// <summary>Task type, e.g. <c>call-testdrive-invite</c>, <c>call-quote-reaction</c>, <c>prepare-sharper-offer</c>, <c>satisfaction-call</c>.</summary>
    public string? Task { get; init; }
    /// <summary>Liquid text for the sales person (rendered with the journey's data).</summary>
    public string? Title { get; init; }
    /// <summary>ISO 8601 duration until the task is due (e.g. <c>P1D</c>).</summary>
    public string? DueIn { get; init; }
    /// <summary>Event raised into the journey when the task is completed (payload: outcome and notes), e.g. <c>task.completed</c>.</summary>
    public string? OnComplete { get; init; }
    /// <summary>What happens when the task is not completed <see cref="EscalateSpec.After"/> past its due time; no escalation when null.</summary>
    public EscalateSpec? Escalate { get; init; }

    // ---- wait ----
    /// <summary>ISO 8601 duration, e.g. <c>P3D</c>, <c>PT2H</c>, <c>P1Y</c>.</summary>
    public string? Duration { get; init; }
    /// <summary>An absolute ISO 8601 date-time with offset.</summary>
    public string? Until { get; init; }
    /// <summary>A path into the journey data holding a date, e.g. <c>data.deliveryDate</c> or <c>event.data.scheduledFor</c>.</summary>
    public string? UntilData { get; init; }
    /// <summary>Added to <see cref="UntilData"/>; may be negative (e.g. <c>-P1D</c>).</summary>
    public string? Offset { get; init; }
    /// <summary>
    /// With <see cref="Until"/> or <see cref="UntilData"/>: the step to go to instead of <see cref="Next"/> when the time is
    /// already past (at or before now) as the wait begins, e.g. to skip a "see you tomorrow" reminder for a test drive
    /// booked for today. Without it a past time does not wait and goes to <see cref="Next"/>.
    /// </summary>
    public string? IfPast { get; init; }
    /// <summary>Wait until the dealer's business hours (now if open).</summary>
    public bool? BusinessHours { get; init; }
    /// <summary>
    /// A local time of day, <c>HH:mm</c>: alone, the next time the customer's clock shows it; with <see cref="Duration"/>, that
    /// time on the day the duration reaches; with <see cref="UntilData"/>, that time on the date found there (after
    /// <see cref="Offset"/>'s days). Implies <c>calendar: local</c>.
    /// </summary>
    public string? At { get; init; }
    /// <summary>
    /// <c>utc</c> (default: durations are elapsed time) or <c>local</c>: the days, weeks, months and years of
    /// <see cref="Duration"/>, <see cref="Offset"/> and <see cref="Timeout"/> keep the wall-clock time in the customer's time
    /// zone (<c>customer.timeZone</c>, else the dealer's) across daylight-saving changes.
    /// </summary>
    public string? Calendar { get; init; }

    // ---- waitForEvent ----
    public List<string>? Events { get; init; }
    /// <summary>ISO 8601 duration; without it the step waits for ever (exit and goal events still apply).</summary>
    public string? Timeout { get; init; }

    // ---- approval ----
    /// <summary>Who decides an <c>approval</c>: the role (or person) the dealer's CRM knows, e.g. <c>sales-manager</c>; the task's assignee.</summary>
    public string? Approver { get; init; }
    public string? OnApproved { get; init; }
    public string? OnRejected { get; init; }
    /// <summary>Event name to the step it leads to; events without an entry continue at <see cref="Next"/>.</summary>
    public Dictionary<string, string>? On { get; init; }
    public string? OnTimeout { get; init; }

    // ---- condition ----
    public ConditionSpec? If { get; init; }
    public string? Then { get; init; }
    public string? Else { get; init; }

    // ---- split ----
    public List<SplitBranch>? Branches { get; init; }

    // ---- goal ----
    public string? Goal { get; init; }

    // ---- repeat ----
    public string? Goto { get; init; }
    /// <summary>How many times the repeat may run; null for no bound. Past it the journey ends.</summary>
    public int? Times { get; init; }
}

/// <summary>
/// A task step's escalation: when the task is still open <see cref="After"/> past its due time (counted in the dealer's
/// business time, like <c>dueIn</c>), the journey does <see cref="Action"/> (see <see cref="EscalationActions"/>). The journey
/// does not stop for the task: the escalation waits beside the steps that follow, and is dropped when the task is completed
/// first or the journey ends.
/// </summary>
public sealed record EscalateSpec
{
    /// <summary>ISO 8601 duration past the due time, in business time (e.g. <c>PT4H</c>); <c>PT0S</c> escalates at the due time.</summary>
    public string? After { get; init; }
    /// <summary><c>event</c>, <c>reminder</c> or <c>reassign</c>.</summary>
    public string? Action { get; init; }
    /// <summary>For <c>event</c>: the (declared) event the journey handles as if it had arrived at the escalation time.</summary>
    public string? Event { get; init; }
    /// <summary>For <c>reassign</c> (required): the new assignee; for <c>reminder</c> (optional): the reminder task's assignee.</summary>
    public string? To { get; init; }
}

/// <summary>The actions of <see cref="EscalateSpec.Action"/>.</summary>
public static class EscalationActions
{
    /// <summary>Handle <see cref="EscalateSpec.Event"/> in the journey: the current wait takes it like an arriving event (its branch, an exit, a goal), otherwise it only lands in the model.</summary>
    public const string Event = "event";
    /// <summary>Create a second task <c>{task}-reminder</c>, due at once (the next opening), assigned to <see cref="EscalateSpec.To"/> when given.</summary>
    public const string Reminder = "reminder";
    /// <summary>Set the task's assignee to <see cref="EscalateSpec.To"/> and push it to the dealer's CRM again.</summary>
    public const string Reassign = "reassign";

    public static readonly IReadOnlyList<string> All = [Event, Reminder, Reassign];
}

public sealed record SplitBranch
{
    public string? Name { get; init; }
    /// <summary>Relative weight, 1-1000.</summary>
    public int Weight { get; init; }
    public string Next { get; init; } = "";
}

/// <summary>
/// A condition on the journey's data. Exactly one of: a comparison (<see cref="Path"/> with one operator),
/// <see cref="All"/>, <see cref="Any"/>, <see cref="Not"/>.
/// Paths start with <c>customer.</c>, <c>data.</c>, <c>event.</c> or <c>journey.</c>.
/// </summary>
public sealed record ConditionSpec
{
    public string? Path { get; init; }
    public JsonNode? EqualTo { get; init; }
    public JsonNode? NotEqualTo { get; init; }
    public bool? Exists { get; init; }
    public double? GreaterThan { get; init; }
    public double? GreaterOrEqual { get; init; }
    public double? LessThan { get; init; }
    public double? LessOrEqual { get; init; }
    public List<JsonNode?>? In { get; init; }
    /// <summary>Text contains (case-insensitive), or array contains the value.</summary>
    public JsonNode? Contains { get; init; }

    public List<ConditionSpec>? All { get; init; }
    public List<ConditionSpec>? Any { get; init; }
    public ConditionSpec? Not { get; init; }
}
