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
}

/// <summary>Result of <see cref="JourneyNames.SendEmailActivity"/>: <c>sent</c> or <c>suppressed</c> (with why).</summary>
public sealed record SendEmailResult(string Status, string? Detail = null);

/// <summary>Input of <see cref="JourneyNames.CreateTaskActivity"/>.</summary>
public sealed record CreateTaskRequest
{
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
    public JsonObject? Model { get; init; }
    public required TouchpointCause Cause { get; init; }
}

public sealed record CreateTaskResult(string TaskId, DateTimeOffset DueAt);
