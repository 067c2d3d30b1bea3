using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>A customer as a dealer system knows them. Keyed by (<see cref="DealerId"/>, <see cref="Id"/>): dealers never see each other's customers.</summary>
public sealed record CustomerProfile
{
    public required string Id { get; init; }
    public required string DealerId { get; init; }
    public required string Email { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    /// <summary>BCP 47, e.g. <c>nl-NL</c>, <c>da-DK</c>, <c>en-GB</c>.</summary>
    public string Locale { get; init; } = "en";
    /// <summary>IANA time zone; the dealer's when null.</summary>
    public string? TimeZone { get; init; }
    public required ConsentSettings Consent { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
}

public sealed record ConsentSettings
{
    /// <summary>Marketing e-mail allowed. Transactional e-mail is sent regardless.</summary>
    public bool Email { get; init; }
}

/// <summary>A published, immutable template version with the document it was published from.</summary>
public sealed record PublishedTemplate(JourneyTemplate Template, string Source, string ContentType, DateTimeOffset PublishedAt)
{
    /// <summary>The API-authored e-mails this version renders, pinned at its publish: name → version (empty: only shipped e-mails).</summary>
    public IReadOnlyDictionary<string, int> EmailVersions { get; init; } = new Dictionary<string, int>();
}

public sealed record TemplateSummary(string Id, string Name, int LatestVersion, DateTimeOffset PublishedAt, IReadOnlyList<string> EntryEvents);

public static class TaskStatuses
{
    public const string Open = "open";
    public const string Completed = "completed";
}

/// <summary>A task for sales staff (call-back, sharper offer, satisfaction call).</summary>
public sealed record SalesTask
{
    /// <summary>The creating activity's idempotency key: creating twice is a no-op.</summary>
    public required string Id { get; init; }
    public required string DealerId { get; init; }
    public required string JourneyId { get; init; }
    public required string CustomerId { get; init; }
    public required string StepId { get; init; }
    public required string Type { get; init; }
    public required string Title { get; init; }
    public required string Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset DueAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public string? Outcome { get; init; }
    public string? Notes { get; init; }
    /// <summary>Who completed it, when the caller said so (an approval's decider).</summary>
    public string? CompletedBy { get; init; }
    /// <summary>Event raised into the journey on completion.</summary>
    public string? OnCompleteEvent { get; init; }
    /// <summary>
    /// Who the task is for, when the journey says so (an escalation's <c>to</c>: a person or role the dealer's CRM knows);
    /// null = the CRM's own routing. Set by a <c>reassign</c> escalation, which pushes the task to the CRM again.
    /// </summary>
    public string? Assignee { get; init; }
}

/// <summary>What caused a touchpoint: the journey's start, an event, or a timer.</summary>
public sealed record TouchpointCause(string Kind, string? Name = null, string? EventId = null, DateTimeOffset? At = null);

/// <summary>Something the journey did to or for the customer.</summary>
public sealed record Touchpoint
{
    /// <summary>The activity's idempotency key: recorded once however often the activity runs.</summary>
    public required string Id { get; init; }
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    public required string CustomerId { get; init; }
    public required string StepId { get; init; }
    /// <summary><c>email</c> or <c>task</c>.</summary>
    public required string Channel { get; init; }
    /// <summary>The e-mail template or task type.</summary>
    public required string Name { get; init; }
    /// <summary><c>sent</c>, <c>created</c>, <c>suppressed</c> (no consent), <c>failed</c>, <c>escalated</c> (a task not completed in time).</summary>
    public required string Status { get; init; }
    public string? Detail { get; init; }
    public required TouchpointCause Cause { get; init; }
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>An e-mail rendered into the development mailbox (no real sending).</summary>
public sealed record MailboxMessage
{
    /// <summary>The activity's idempotency key.</summary>
    public required string Id { get; init; }
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    public required string CustomerId { get; init; }
    public required string To { get; init; }
    public required string Subject { get; init; }
    public required string Body { get; init; }
    public required string EmailTemplate { get; init; }
    public required string Category { get; init; }
    public required DateTimeOffset SentAt { get; init; }
}

/// <summary>The interpreter's input: which template version, for whom, and where to (re)start.</summary>
public sealed record JourneyInput
{
    public required string TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    public required string DealerId { get; init; }
    public required string CustomerId { get; init; }
    public string? JourneyKey { get; init; }
    /// <summary>A snapshot of the profile taken at start, for conditions. E-mail address and consent are read fresh when sending.</summary>
    public JsonObject? Customer { get; init; }
    /// <summary>Journey data: the start data, with each received event's <c>data</c> merged in (shallow).</summary>
    public JsonObject? Data { get; init; }
    /// <summary>The step to start at: the template's start when null; the repeat's target after a repeat.</summary>
    public string? StartAt { get; init; }
    /// <summary>How many repeats have run.</summary>
    public int Iteration { get; init; }
    public string? Phase { get; init; }
    /// <summary>The entry event that started the journey, if any: the shape of <see cref="JourneyEventPayload"/>.</summary>
    public JsonObject? Trigger { get; init; }
    /// <summary>Goals reached so far (carried across repeats); a goal fires once per journey.</summary>
    public List<string>? GoalsReached { get; init; }
    /// <summary>Task escalations still waiting (carried across repeats).</summary>
    public List<PendingEscalation>? Escalations { get; init; }
    /// <summary>Task completions the journey took to clear an escalation that no wait has used yet (carried across repeats).</summary>
    public List<HeldEvent>? HeldEvents { get; init; }
    /// <summary>The ids of the last events taken (at most <c>JourneyRun.SeenEventIdLimit</c>), so a repeat is ignored (carried across repeats).</summary>
    public List<string>? SeenEventIds { get; init; }
    /// <summary>Made by the interpreter at the first execution and carried across repeats: part of every idempotency key, unique to this run of the instance id.</summary>
    public string? RunId { get; init; }
    /// <summary>The budget counts of the current hour (the interpreter's <c>JourneyBudget</c>), carried across repeats.</summary>
    public Interpreter.BudgetWindow? Budget { get; init; }
    /// <summary>
    /// Set at the start when milestones are configured (<c>Journeys:Milestones</c>): the journey publishes them through
    /// <see cref="JourneyNames.PublishMilestoneActivity"/>, for its whole life (kept across repeats). Fixed per journey so that
    /// turning milestones on or off never changes the replay of a running one.
    /// </summary>
    public bool PublishMilestones { get; init; }
    /// <summary>What the journey did so far (funnel analytics), carried across repeats; null before its first step.</summary>
    public JourneyPath? Path { get; init; }
}

/// <summary>
/// What a journey did, kept in its custom status for funnel analytics (<c>GET /api/analytics/funnel</c>) and carried across
/// repeats: the steps it entered (each once, in the order first entered), how each of its waits ended (per wait step: the
/// event that woke it, or <c>timeout</c>, with how often) and the arm each A/B split gave it. Bounded by the template: at
/// most its steps, its wait steps times their events plus one, its splits.
/// </summary>
public sealed record JourneyPath
{
    /// <summary>The outcome of a wait that ended by its time.</summary>
    public const string Timeout = "timeout";

    public List<string> Steps { get; init; } = [];
    public Dictionary<string, Dictionary<string, int>> Waits { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Arms { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A task step's escalation that has not fired: at <see cref="EscalateAt"/> (the task's due time plus the step's
/// <c>escalate.after</c> in business time) the journey escalates, unless <see cref="CompletionEvent"/> for <see cref="TaskId"/>
/// arrived first. Part of the interpreter's state; deterministic (computed from history).
/// </summary>
public sealed record PendingEscalation(string StepId, string TaskId, string CompletionEvent, DateTimeOffset DueAt, DateTimeOffset EscalateAt);

/// <summary>An event the interpreter received while no step wanted it (a task completion): delivered to a later wait that does.</summary>
public sealed record HeldEvent(string Name, string EventId, string? Payload);

/// <summary>
/// The payload the host raises with an event into a journey (and the shape of <see cref="JourneyInput.Trigger"/>).
/// The interpreter merges <see cref="Data"/> into the journey's data (shallow), merges <see cref="Customer"/> into its customer
/// snapshot, and exposes the event as <c>event</c> ({name, eventId, data, occurredAt}) to conditions and e-mails.
/// A payload that is a JSON object without a <c>data</c> object is taken as the data itself.
/// </summary>
public sealed record JourneyEventPayload
{
    /// <summary>Only in a trigger: the event's name.</summary>
    public string? Name { get; init; }
    /// <summary>
    /// The event's id. Raised events carry it so the interpreter ignores a repeat whatever the engine (DTFx delivers at
    /// least once and does not de-duplicate); in a trigger, the entry event's id.
    /// </summary>
    public string? EventId { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
    public JsonObject? Data { get; init; }
    /// <summary>Profile fields (camelCase, as <see cref="CustomerProfile"/>) that changed.</summary>
    public JsonObject? Customer { get; init; }
}

/// <summary>Names shared by the interpreter, the activities and the host.</summary>
public static class JourneyNames
{
    /// <summary>The interpreter orchestration.</summary>
    public const string Orchestration = "journey";
    public const string SendEmailActivity = "journey.send-email";
    public const string CreateTaskActivity = "journey.create-task";
    /// <summary>One attempt to POST a task to the dealer's CRM (retried by the interpreter's policy).</summary>
    public const string PushTaskToCrmActivity = "journey.push-task-to-crm";
    /// <summary>Keeps a CRM push whose retries are exhausted in the dead-letter list.</summary>
    public const string DeadLetterCrmPushActivity = "journey.dead-letter-crm-push";
    /// <summary>Checks that an overdue task is still open, records the escalation (and for <c>reassign</c> sets the assignee).</summary>
    public const string EscalateTaskActivity = "journey.escalate-task";
    /// <summary>Publishes one <see cref="JourneyMilestone"/> through <see cref="IMilestonePublisher"/> (retried by the interpreter's policy).</summary>
    public const string PublishMilestoneActivity = "journey.publish-milestone";
    /// <summary>Instance tags.</summary>
    public const string DealerTag = "dealer";
    public const string CustomerTag = "customer";
    public const string TemplateTag = "template";
    public const string JourneyKeyTag = "journeyKey";
    /// <summary>Event raised when a task completes and its step names no <c>onComplete</c> event.</summary>
    public const string TaskCompletedEvent = "task.completed";
    /// <summary>Raised by <c>POST /api/tasks/{id}/approve</c> and <c>/reject</c> into an approval's journey (data: taskId, outcome, decidedBy, role, notes).</summary>
    public const string ApprovalDecidedEvent = "approval.decided";
    /// <summary>
    /// Raised by <c>POST /api/templates/{id}/migrations</c> into a running journey (data: <see cref="JourneyMigrationOrder"/>):
    /// every wait listens for it; a journey waiting at a mapped step continues at its target in the new version.
    /// </summary>
    public const string MigrateEvent = "journey.migrate";
}

/// <summary>What a journey is asked to do by a migration: at a wait step in <see cref="Mapping"/>, continue at its target in <see cref="ToVersion"/>.</summary>
public sealed record JourneyMigrationOrder
{
    public required string MigrationId { get; init; }
    public required int FromVersion { get; init; }
    public required int ToVersion { get; init; }
    /// <summary>Wait step of the old version → step of the new version.</summary>
    public required IReadOnlyDictionary<string, string> Mapping { get; init; }
    public string? By { get; init; }
}

/// <summary>The outcomes of an approval task.</summary>
public static class ApprovalOutcomes
{
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}
