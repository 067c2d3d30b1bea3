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

        group.MapPost("/{id}/complete", CompleteAsync)
            .WithName("CompleteTask")
            .WithSummary("Complete a sales task")
            .WithDescription("Completes an open task with an outcome (and notes), and raises the task's onComplete event (task.completed when its step names none) into the journey, with {outcome, notes, taskId, taskType} as data and an event id derived from the task id: completing twice changes nothing.")
            .Accepts<CompleteTaskRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        return routes;
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

    private static async Task<Ok<TaskCompleted>> CompleteAsync(
        string id, HttpRequest request, ClaimsPrincipal user, IJourneyDataStore data, JourneyLookup journeys, TimeProvider time, CancellationToken cancellationToken)
    {
        InputRules.InstanceId(id, "id");
        var body = await RequestBody.ReadJsonAsync<CompleteTaskRequest>(request, cancellationToken);
        var errors = new FieldErrors();
        errors.Text("$.outcome", body.Outcome, InputRules.MaxNameLength, required: true);
        errors.Text("$.notes", body.Notes, InputRules.MaxNotesLength, required: false);
        errors.ThrowIfAny();

        // Another dealer's task answers exactly like an unknown one: task ids contain journey ids, and no answer may tell a
        // dealer whether another dealer has a task or journey with some id (docs/security.md, "Journey identity").
        var task = await data.GetTaskAsync(id, cancellationToken) is { } found && Caller.From(user).MayAccess(found.DealerId)
            ? found
            : throw ApiProblemException.NotFound($"No task '{id}'.");
        var completed = await data.CompleteTaskAsync(id, body.Outcome!.Trim(), body.Notes, time.GetUtcNow(), cancellationToken)
            ?? throw ApiProblemException.NotFound($"No task '{id}'.");

        // Raised with the task's completion (not this request's) data and a fixed event id: a second completion is a duplicate.
        var eventName = completed.OnCompleteEvent ?? JourneyNames.TaskCompletedEvent;
        var eventId = JourneyIds.ForTaskCompletion(completed.Id);
        var payload = new JourneyEventPayload
        {
            EventId = eventId,
            OccurredAt = completed.CompletedAt,
            Data = new System.Text.Json.Nodes.JsonObject
            {
                ["outcome"] = completed.Outcome,
                ["notes"] = completed.Notes,
                ["taskId"] = completed.Id,
                ["taskType"] = completed.Type,
            },
        };
        string delivery;
        if (task.Status == TaskStatuses.Completed)
        {
            delivery = "duplicate"; // completed before: its event was raised then (and would be ignored by its id now)
        }
        else if (await journeys.Index.GetAsync(completed.JourneyId, cancellationToken) is not { } entry ||
            await journeys.FindAsync(entry, withInputs: false, cancellationToken) is not { } journey)
        {
            delivery = "journeyNotFound";
        }
        else if (journey.Status.IsFinished())
        {
            delivery = "journeyFinished";
        }
        else
        {
            await journeys.Client.RaiseEventAsync(completed.JourneyId, eventName, payload, cancellationToken);
            delivery = "raised";
        }

        return TypedResults.Ok(new TaskCompleted(completed, completed.JourneyId, eventName, eventId, delivery));
    }
}
