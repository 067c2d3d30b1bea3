using System.Security.Claims;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary><c>/api/tasks</c>: the sales tasks journeys create, and completing them (dealer, admin).</summary>
public static class TaskEndpoints
{
    public static IEndpointRouteBuilder MapTaskEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/tasks").WithTags("Tasks").RequireAuthorization(Roles.DealerPolicy);

        group.MapGet("/", ListAsync)
            .WithName("ListTasks")
            .WithSummary("List sales tasks")
            .WithDescription("Tasks in creation order, filtered by dealerId and status (open, completed). A dealer key sees its own dealer's tasks only.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/board", BoardAsync)
            .WithName("GetTaskBoard")
            .WithSummary("A dealer's open tasks: open, overdue, escalated")
            .WithDescription("The open tasks (of dealerId; a dealer key: its own) in three columns by the host's clock (now): escalated (the journey escalated it, or it is an escalation's reminder task), overdue (past its due time), open (the rest), each by due time. At most 500 open tasks (truncated: true past it).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/{id}/complete", CompleteAsync)
            .WithName("CompleteTask")
            .WithSummary("Complete a sales task")
            .WithDescription("Completes an open task with an outcome (and notes), and raises the task's onComplete event (task.completed when its step names none) into the journey, with {outcome, notes, taskId, taskType} as data and an event id derived from the task id: completing twice changes nothing.")
            .Accepts<CompleteTaskRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/{id}/approve", (string id, HttpRequest request, ClaimsPrincipal user, IJourneyDataStore data, JourneyLookup journeys, TimeProvider time, CancellationToken cancellationToken) =>
                DecideAsync(id, ApprovalOutcomes.Approved, request, user, data, journeys, time, cancellationToken))
            .WithName("ApproveTask")
            .WithSummary("Approve an approval task")
            .WithDescription("Decides an open approval (a task of an 'approval' step) as approved: {by, role, notes}, where role must be the approval's approver. Raises approval.decided into the journey, which goes on at the step's onApproved, and records the decision and who made it in the journey's timeline. A decision is final: a second one is 409 and changes nothing.")
            .Accepts<DecideApprovalRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapPost("/{id}/reject", (string id, HttpRequest request, ClaimsPrincipal user, IJourneyDataStore data, JourneyLookup journeys, TimeProvider time, CancellationToken cancellationToken) =>
                DecideAsync(id, ApprovalOutcomes.Rejected, request, user, data, journeys, time, cancellationToken))
            .WithName("RejectTask")
            .WithSummary("Reject an approval task")
            .WithDescription("As approve, decided as rejected: the journey goes on at the step's onRejected.")
            .Accepts<DecideApprovalRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        return routes;
    }

    private static async Task<Ok<TaskCompleted>> DecideAsync(
        string id, string decision, HttpRequest request, ClaimsPrincipal user, IJourneyDataStore data, JourneyLookup journeys, TimeProvider time, CancellationToken cancellationToken)
    {
        InputRules.InstanceId(id, "id");
        var body = await RequestBody.ReadJsonAsync<DecideApprovalRequest>(request, cancellationToken);
        var errors = new FieldErrors();
        errors.Text("$.by", body.By, InputRules.MaxNameLength, required: true);
        errors.Text("$.role", body.Role, InputRules.MaxNameLength, required: true);
        errors.Text("$.notes", body.Notes, InputRules.MaxNotesLength, required: false);
        errors.ThrowIfAny();
        var (by, role) = (body.By!.Trim(), body.Role!.Trim());

        var task = await VisibleTaskAsync(id, user, data, cancellationToken);
        if (task.OnCompleteEvent != JourneyNames.ApprovalDecidedEvent)
        {
            throw ApiProblemException.Conflict($"Task '{id}' is not an approval; complete it with POST /api/tasks/{id}/complete.");
        }

        if (!string.Equals(role, task.Assignee, StringComparison.OrdinalIgnoreCase))
        {
            throw ApiProblemException.Forbidden($"This approval is for the {task.Assignee}; a decision in the role '{role}' is refused.");
        }

        if (task.Status == TaskStatuses.Completed)
        {
            throw AlreadyDecided(task);
        }

        var now = time.GetUtcNow();
        var completed = await data.CompleteTaskAsync(id, decision, body.Notes, now, by, cancellationToken) ?? throw ApiProblemException.NotFound($"No task '{id}'.");
        if (completed.Outcome != decision || completed.CompletedBy != by || completed.CompletedAt != now)
        {
            throw AlreadyDecided(completed); // another decision came first
        }

        var eventId = JourneyIds.ForTaskCompletion(completed.Id);
        // The journey's timeline: the decision and who made it (once: the touchpoint id is the task's).
        await data.AddTouchpointAsync(new Touchpoint
        {
            Id = completed.Id + ":decision",
            JourneyId = completed.JourneyId,
            DealerId = completed.DealerId,
            CustomerId = completed.CustomerId,
            StepId = completed.StepId,
            Channel = "task",
            Name = completed.Type,
            Status = decision,
            Detail = $"{decision} by {by} ({role})" + (string.IsNullOrWhiteSpace(body.Notes) ? "" : ": " + body.Notes.Trim()),
            Cause = new TouchpointCause("event", JourneyNames.ApprovalDecidedEvent, eventId, now),
            OccurredAt = now,
        }, cancellationToken);
        var delivery = await RaiseCompletionAsync(completed, JourneyNames.ApprovalDecidedEvent, eventId, new System.Text.Json.Nodes.JsonObject
        {
            ["outcome"] = decision,
            ["notes"] = completed.Notes,
            ["taskId"] = completed.Id,
            ["taskType"] = completed.Type,
            ["decidedBy"] = by,
            ["role"] = role,
        }, journeys, cancellationToken);
        return TypedResults.Ok(new TaskCompleted(completed, completed.JourneyId, JourneyNames.ApprovalDecidedEvent, eventId, delivery));
    }

    /// <summary>
    /// The task if the caller may see it. Another dealer's task answers exactly like an unknown one: task ids contain journey
    /// ids, and no answer may tell a dealer whether another dealer has a task or journey with some id (docs/security.md,
    /// "Journey identity").
    /// </summary>
    private static async Task<SalesTask> VisibleTaskAsync(string id, ClaimsPrincipal user, IJourneyDataStore data, CancellationToken cancellationToken) =>
        await data.GetTaskAsync(id, cancellationToken) is { } found && Caller.From(user).MayAccess(found.DealerId)
            ? found
            : throw ApiProblemException.NotFound($"No task '{id}'.");

    private static ApiProblemException AlreadyDecided(SalesTask task) =>
        ApiProblemException.Conflict($"Task '{task.Id}' was already {task.Outcome}{(task.CompletedBy is null ? "" : " by " + task.CompletedBy)} at {task.CompletedAt:O}; a decision is final.");

    /// <summary>Raises a task's completion into its journey; what happened: raised, journeyNotFound or journeyFinished.</summary>
    private static async Task<string> RaiseCompletionAsync(
        SalesTask completed, string eventName, string eventId, System.Text.Json.Nodes.JsonObject eventData, JourneyLookup journeys, CancellationToken cancellationToken)
    {
        if (await journeys.Index.GetAsync(completed.JourneyId, cancellationToken) is not { } entry ||
            await journeys.FindAsync(entry, withInputs: false, cancellationToken) is not { } journey)
        {
            return "journeyNotFound";
        }

        if (journey.Status.IsFinished())
        {
            return "journeyFinished";
        }

        await journeys.Client.RaiseEventAsync(completed.JourneyId, eventName, new JourneyEventPayload
        {
            EventId = eventId,
            OccurredAt = completed.CompletedAt,
            Data = eventData,
        }, cancellationToken);
        return "raised";
    }

    private static async Task<Ok<TaskPage>> ListAsync(string? dealerId, string? status, ClaimsPrincipal user, IJourneyDataStore data, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Id("dealerId", dealerId, required: false);
        if (status is not null and not TaskStatuses.Open and not TaskStatuses.Completed)
        {
            errors.Add("status", "Must be open or completed.");
        }

        errors.ThrowIfAny();
        var dealer = Caller.From(user).ScopeDealer(dealerId, "tasks");
        return TypedResults.Ok(new TaskPage(await data.ListTasksAsync(dealer, status, cancellationToken)));
    }

    /// <summary>Open tasks one board shows at most.</summary>
    public const int MaxBoardTasks = 500;

    private static async Task<Ok<TaskBoard>> BoardAsync(string? dealerId, ClaimsPrincipal user, IJourneyDataStore data, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Id("dealerId", dealerId, required: false);
        errors.ThrowIfAny();
        var dealer = Caller.From(user).ScopeDealer(dealerId, "tasks");
        var now = time.GetUtcNow();
        var all = await data.ListTasksAsync(dealer, TaskStatuses.Open, cancellationToken);
        var open = all.OrderBy(t => t.DueAt).Take(MaxBoardTasks).ToList();
        var escalatedSteps = new HashSet<(string Journey, string Step, string Type)>();
        foreach (var journeyId in open.Select(t => t.JourneyId).Distinct(StringComparer.Ordinal))
        {
            foreach (var t in await data.ListTouchpointsAsync(journeyId, cancellationToken))
            {
                if (t is { Channel: "task", Status: Templates.Activities.EscalateTaskActivity.Escalated })
                {
                    escalatedSteps.Add((t.JourneyId, t.StepId, t.Name));
                }
            }
        }

        bool Escalated(SalesTask t) => escalatedSteps.Contains((t.JourneyId, t.StepId, t.Type)) || t.Type.EndsWith("-reminder", StringComparison.Ordinal);
        var escalated = open.Where(Escalated).ToList();
        var overdue = open.Where(t => !Escalated(t) && t.DueAt < now).ToList();
        var rest = open.Where(t => !Escalated(t) && t.DueAt >= now).ToList();
        return TypedResults.Ok(new TaskBoard(now, rest, overdue, escalated, all.Count > MaxBoardTasks));
    }

    private static async Task<Ok<TaskCompleted>> CompleteAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IJourneyDataStore data, JourneyLookup journeys, TimeProvider time, CancellationToken cancellationToken)
    {
        InputRules.InstanceId(id, "id");
        var body = await RequestBody.ReadJsonAsync<CompleteTaskRequest>(request, cancellationToken);
        var errors = new FieldErrors();
        errors.Text("$.outcome", body.Outcome, InputRules.MaxNameLength, required: true);
        errors.Text("$.notes", body.Notes, InputRules.MaxNotesLength, required: false);
        errors.ThrowIfAny();

        var task = await VisibleTaskAsync(id, user, data, cancellationToken);
        if (task.OnCompleteEvent == JourneyNames.ApprovalDecidedEvent)
        {
            throw ApiProblemException.Conflict($"Task '{id}' is an approval: decide it with POST /api/tasks/{id}/approve or /reject (with by and role).");
        }

        var completed = await data.CompleteTaskAsync(id, body.Outcome!.Trim(), body.Notes, time.GetUtcNow(), cancellationToken: cancellationToken)
            ?? throw ApiProblemException.NotFound($"No task '{id}'.");

        // Raised with the task's completion (not this request's) data and a fixed event id: a second completion is a duplicate.
        var eventName = completed.OnCompleteEvent ?? JourneyNames.TaskCompletedEvent;
        var eventId = JourneyIds.ForTaskCompletion(completed.Id);
        var delivery = task.Status == TaskStatuses.Completed
            ? "duplicate" // completed before: its event was raised then (and would be ignored by its id now)
            : await RaiseCompletionAsync(completed, eventName, eventId, new System.Text.Json.Nodes.JsonObject
            {
                ["outcome"] = completed.Outcome,
                ["notes"] = completed.Notes,
                ["taskId"] = completed.Id,
                ["taskType"] = completed.Type,
            }, journeys, cancellationToken);
        return TypedResults.Ok(new TaskCompleted(completed, completed.JourneyId, eventName, eventId, delivery));
    }
}
