using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Api.Http;

// ---- requests (every property nullable: missing fields are reported with their path, not by the deserializer) ----

/// <summary>A customer profile as a dealer system sends it.</summary>
public sealed record CustomerInput
{
    /// <summary>The customer id (in <c>POST /api/journeys</c>; elsewhere it is in the route and may be left out).</summary>
    public string? Id { get; init; }
    /// <summary>Optional here: the request's dealer id; when given it must be the same.</summary>
    public string? DealerId { get; init; }
    public string? Email { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    /// <summary>BCP 47, e.g. nl-NL.</summary>
    public string? Locale { get; init; }
    /// <summary>IANA time zone; the dealer's when left out.</summary>
    public string? TimeZone { get; init; }
    public ConsentInput? Consent { get; init; }
}

public sealed record ConsentInput
{
    /// <summary>Marketing e-mail allowed (required: true or false).</summary>
    public bool? Email { get; init; }
}

/// <summary><c>POST /api/journeys</c>.</summary>
public sealed record StartJourneyRequest : IHasEventData
{
    /// <summary>Template id.</summary>
    public string? Template { get; init; }
    /// <summary>A published version; the latest when left out.</summary>
    public int? TemplateVersion { get; init; }
    /// <summary>Tells several journeys of one customer apart (e.g. a deal or a vehicle).</summary>
    public string? JourneyKey { get; init; }
    /// <summary>The journey id to use; a retry with the same id and the same template, dealer and customer answers 202 again.</summary>
    public string? InstanceId { get; init; }
    public string? DealerId { get; init; }
    public CustomerInput? Customer { get; init; }
    /// <summary>Journey data for conditions and e-mails (a JSON object; limits: <see cref="EventDataRules"/>).</summary>
    public JsonObject? Data { get; init; }
}

/// <summary><c>PUT /api/customers/{customerId}</c>.</summary>
public sealed record PutCustomerRequest
{
    public string? DealerId { get; init; }
    public string? Email { get; init; }
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Locale { get; init; }
    public string? TimeZone { get; init; }
    public ConsentInput? Consent { get; init; }
}

/// <summary><c>POST /api/customers/{customerId}/events</c>.</summary>
public sealed record CustomerEventRequest : IHasEventData
{
    /// <summary>The event name, e.g. testdrive.booked.</summary>
    public string? Name { get; init; }
    /// <summary>The dealer system's id of this event: a repeat with the same id changes nothing.</summary>
    public string? EventId { get; init; }
    public DateTimeOffset? OccurredAt { get; init; }
    public string? DealerId { get; init; }
    /// <summary>Only journeys with this key get the event (all of the customer's journeys when left out).</summary>
    public string? JourneyKey { get; init; }
    /// <summary>The customer's profile, created or updated before the event is raised.</summary>
    public CustomerInput? Customer { get; init; }
    /// <summary>Event data, merged into the journeys' data (a JSON object; limits: <see cref="EventDataRules"/>).</summary>
    public JsonObject? Data { get; init; }
}

/// <summary><c>POST /api/tasks/{id}/complete</c>.</summary>
public sealed record CompleteTaskRequest
{
    /// <summary>What came of it, e.g. booked, no-answer, not-interested.</summary>
    public string? Outcome { get; init; }
    public string? Notes { get; init; }
}

/// <summary><c>POST /api/tasks/{id}/approve</c> and <c>/reject</c>: who decides, in which role (the approval's approver), and why.</summary>
public sealed record DecideApprovalRequest
{
    /// <summary>The person deciding (their id or name in the dealer's systems), e.g. jan.jansen.</summary>
    public string? By { get; init; }
    /// <summary>The role they decide in: must be the approval's approver (e.g. sales-manager).</summary>
    public string? Role { get; init; }
    public string? Notes { get; init; }
}

/// <summary><c>POST /api/dev/clock/advance</c>: exactly one of <see cref="By"/> and <see cref="To"/>.</summary>
public sealed record AdvanceClockRequest
{
    /// <summary>An ISO 8601 duration, e.g. P3D, PT4H, P1M.</summary>
    public string? By { get; init; }
    /// <summary>An ISO 8601 date-time with offset, not in the past.</summary>
    public DateTimeOffset? To { get; init; }
}

// ---- responses ----

/// <summary>202 to a start: the journey id and where to read its status.</summary>
public sealed record JourneyAccepted(string Id, string StatusUri);

/// <summary>202 to an event raised into one journey.</summary>
public sealed record EventAccepted(string Id, string Name, string EventId, bool Duplicate, string StatusUri);

/// <summary>One journey a customer event reached, and how: raised, duplicate (already had this event id), started (by this event).</summary>
public sealed record ReachedJourney(string Id, string Outcome, string StatusUri);

/// <summary>202 to a customer event.</summary>
public sealed record CustomerEventAccepted(string EventId, IReadOnlyList<string> JourneyIds, IReadOnlyList<ReachedJourney> Journeys);

/// <summary>A journey in lists.</summary>
public sealed record JourneySummary
{
    public required string Id { get; init; }
    public required InstanceStatus Status { get; init; }
    public string? TemplateId { get; init; }
    public int? TemplateVersion { get; init; }
    public string? DealerId { get; init; }
    public string? CustomerId { get; init; }
    public string? JourneyKey { get; init; }
    public string? Phase { get; init; }
    public IReadOnlyList<string> CurrentSteps { get; init; } = [];
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset LastUpdatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    public required string StatusUri { get; init; }
}

/// <summary><c>GET /api/journeys/{id}</c>.</summary>
public sealed record JourneyDetail
{
    public required string Id { get; init; }
    public required InstanceStatus Status { get; init; }
    public string? TemplateId { get; init; }
    public int? TemplateVersion { get; init; }
    public string? DealerId { get; init; }
    public string? CustomerId { get; init; }
    public string? JourneyKey { get; init; }
    public string? Phase { get; init; }
    /// <summary>The step(s) running or waiting now.</summary>
    public IReadOnlyList<string> CurrentSteps { get; init; } = [];
    /// <summary>The events the journey waits for now (exit and goal events included).</summary>
    public IReadOnlyList<string> WaitingFor { get; init; } = [];
    public DateTimeOffset? NextTimerDue { get; init; }
    public IReadOnlyList<string> GoalsReached { get; init; } = [];
    public int Iteration { get; init; }
    public string? LastError { get; init; }
    public IReadOnlyList<Touchpoint> Touchpoints { get; init; } = [];
    /// <summary>The interpreter's custom status as it stored it.</summary>
    public JsonNode? CustomStatus { get; init; }
    /// <summary>The result once finished (reason, last step, ...).</summary>
    public JsonNode? Output { get; init; }
    public string? Failure { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset LastUpdatedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>The current execution's history, with <c>?history=true</c>.</summary>
    public JsonNode? History { get; init; }
}

public sealed record JourneyPage(IReadOnlyList<JourneySummary> Items, string? ContinuationToken);

public sealed record ControlAccepted(string Id, string Action, string StatusUri);

public sealed record CustomerView(CustomerProfile Profile, IReadOnlyList<JourneySummary> Journeys);

public sealed record TemplatePublished(string Id, int Version, bool Created, string Uri);

public sealed record TemplateValidation(bool Valid, IReadOnlyList<FieldError> Errors);

public sealed record TemplateVersionView(
    string Id, int Version, string Name, DateTimeOffset PublishedAt, string ContentType, IReadOnlyList<int> Versions, JsonNode Template, string Source);

public sealed record TaskPage(IReadOnlyList<SalesTask> Items);

/// <summary><c>GET /api/tasks/board</c>: open tasks by column, at the host's clock's <see cref="Now"/>.</summary>
public sealed record TaskBoard(DateTimeOffset Now, IReadOnlyList<SalesTask> Open, IReadOnlyList<SalesTask> Overdue, IReadOnlyList<SalesTask> Escalated, bool Truncated);

/// <summary>What completing a task did: the task, and the event raised into its journey (delivery: raised, duplicate, journeyFinished, journeyNotFound).</summary>
public sealed record TaskCompleted(SalesTask Task, string JourneyId, string EventName, string EventId, string Delivery);

public sealed record MailboxPage(IReadOnlyList<MailboxMessage> Items);

public sealed record ClockView(string Mode, DateTimeOffset Now, DateTimeOffset? NextDue);

public sealed record ClockAdvanced(DateTimeOffset From, DateTimeOffset Now, int Stops, int WorkItems, DateTimeOffset? NextDue);

/// <summary><c>GET /health</c>: the engine (<c>Embedded</c> on SQLite, or <c>DurableTaskAzureStorage</c> with its task hub), the clock and its time.</summary>
/// <summary><c>GET /health</c>: <c>Healthy</c>, or <c>Degraded</c> when a non-critical dependency (SendGrid) does not answer; <see cref="Checks"/> per dependency: <c>ok</c> or what is wrong.</summary>
public sealed record HealthView(string Status, string Engine, string Clock, DateTimeOffset Now, string? TaskHub = null)
{
    public IReadOnlyDictionary<string, string> Checks { get; init; } = new Dictionary<string, string>();
}
