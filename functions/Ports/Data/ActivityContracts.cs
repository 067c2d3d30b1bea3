using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>Input of <see cref="JourneyNames.SendEmailActivity"/>. The activity reads the customer's current address and consent itself.</summary>
public sealed record SendEmailRequest
{
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    public required string CustomerId { get; init; }
    public required string TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    public required string StepId { get; init; }
    /// <summary>The Liquid e-mail template name.</summary>
    public required string Email { get; init; }
    /// <summary><c>marketing</c> or <c>transactional</c>.</summary>
    public required string Category { get; init; }
    /// <summary>Liquid model: <c>customer</c>, <c>data</c>, <c>event</c>, <c>journey</c>.</summary>
    public JsonObject? Model { get; init; }
    public required TouchpointCause Cause { get; init; }
    /// <summary>
    /// The message's key in the delivery ledger and its touchpoint id, stable across crashes and across retries of the step
    /// (the interpreter makes it from instance, run, iteration, step and occurrence).
    /// </summary>
    public required string DeliveryKey { get; init; }
    /// <summary>A SendGrid dynamic template id (the step's <c>sendGridTemplateId</c>).</summary>
    public string? SendGridTemplateId { get; init; }
    /// <summary>The step's <c>capped</c>: <c>defer</c> (default) or <c>skip</c>.</summary>
    public string? Capped { get; init; }
    /// <summary>Which delivery attempt this is (1 for the first); on <see cref="MaxDeliveryAttempts"/> a refusal is final.</summary>
    public int DeliveryAttempt { get; init; } = 1;
    public int MaxDeliveryAttempts { get; init; } = 1;
}

/// <summary>
/// Result of <see cref="JourneyNames.SendEmailActivity"/>: <see cref="EmailStatuses"/>. For <c>retry</c> (the provider said
/// later) and <c>deferred</c> (frequency cap) <see cref="RetryAt"/> says when to call again with the same delivery key.
/// </summary>
public sealed record SendEmailResult(string Status, string? Detail = null)
{
    public DateTimeOffset? RetryAt { get; init; }
}

/// <summary>Statuses of e-mail touchpoints and results.</summary>
public static class EmailStatuses
{
    public const string Sent = "sent";
    /// <summary>No consent, or a suppression (unsubscribe, bounce, spam report).</summary>
    public const string Suppressed = "suppressed";
    public const string Failed = "failed";
    /// <summary>A previous run called the provider and was interrupted before it recorded the answer: not resent.</summary>
    public const string Unknown = "unknown";
    /// <summary>Skipped by the frequency cap (<c>capped: skip</c>).</summary>
    public const string Capped = "capped";
    /// <summary>Result only: the provider refused for now; call again at <see cref="SendEmailResult.RetryAt"/>.</summary>
    public const string Retry = "retry";
    /// <summary>Result only: the frequency cap is reached (<c>capped: defer</c>); call again at <see cref="SendEmailResult.RetryAt"/>.</summary>
    public const string Deferred = "deferred";
}

/// <summary>Input of <see cref="JourneyNames.CreateTaskActivity"/>.</summary>
public sealed record CreateTaskRequest
{
    /// <summary>The task's id and its touchpoint's: the interpreter's idempotency key for this call, so a re-run creates nothing new.</summary>
    public required string TaskId { get; init; }
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    public required string CustomerId { get; init; }
    public required string StepId { get; init; }
    public required string Task { get; init; }
    /// <summary>Liquid source of the title.</summary>
    public required string Title { get; init; }
    /// <summary>When the task is due (computed by the interpreter from <c>dueIn</c>).</summary>
    public required DateTimeOffset DueAt { get; init; }
    public string? OnCompleteEvent { get; init; }
    /// <summary>The task's assignee (a reminder's <c>escalate.to</c>); null = the CRM's routing.</summary>
    public string? Assignee { get; init; }
    public JsonObject? Model { get; init; }
    public required TouchpointCause Cause { get; init; }
}

public sealed record CreateTaskResult(string TaskId, DateTimeOffset DueAt);

/// <summary>Input of <see cref="JourneyNames.PushTaskToCrmActivity"/>.</summary>
public sealed record CrmPushRequest(string TaskId, string DealerId);

/// <summary>Result of <see cref="JourneyNames.PushTaskToCrmActivity"/>: <see cref="CrmPushStatuses"/>.</summary>
public sealed record CrmPushResult(string Status);

public static class CrmPushStatuses
{
    public const string Pushed = "pushed";
    /// <summary>The dealer has no CRM webhook.</summary>
    public const string Skipped = "skipped";
}

/// <summary>Input of <see cref="JourneyNames.DeadLetterCrmPushActivity"/>.</summary>
public sealed record CrmDeadLetterRequest(string TaskId, string DealerId, string JourneyId, string Error, int Attempts);

/// <summary>Input of <see cref="JourneyNames.EscalateTaskActivity"/>.</summary>
public sealed record EscalateTaskRequest
{
    /// <summary>The escalation touchpoint's id: the interpreter's idempotency key for this call, so a re-run records nothing new.</summary>
    public required string IdempotencyKey { get; init; }
    public required string JourneyId { get; init; }
    public required string DealerId { get; init; }
    public required string CustomerId { get; init; }
    /// <summary>The task step.</summary>
    public required string StepId { get; init; }
    public required string TaskId { get; init; }
    /// <summary><c>event</c>, <c>reminder</c> or <c>reassign</c>.</summary>
    public required string Action { get; init; }
    /// <summary>For <c>reassign</c>: the new assignee; for <c>reminder</c>: the reminder's assignee (may be null).</summary>
    public string? To { get; init; }
    /// <summary>For <c>event</c>: the event the journey handles.</summary>
    public string? Event { get; init; }
    public required DateTimeOffset DueAt { get; init; }
    public required TouchpointCause Cause { get; init; }
}

/// <summary>
/// Result of <see cref="JourneyNames.EscalateTaskActivity"/>: <see cref="Escalated"/> false when the task was completed
/// (or is gone) by the time the escalation ran, so nothing more happens; <see cref="TaskType"/> and <see cref="Title"/> of the task.
/// </summary>
public sealed record EscalateTaskResult(bool Escalated, string Status, string? TaskType = null, string? Title = null);
