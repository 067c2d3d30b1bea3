using System.Security.Claims;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary><c>/api/journeys</c>: start, raise events into, read, list, terminate, suspend, resume and purge journeys (dealer, admin).</summary>
public static class JourneyEndpoints
{
    public static IEndpointRouteBuilder MapJourneyEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/journeys").WithTags("Journeys").RequireAuthorization(Roles.DealerPolicy);

        group.MapPost("/", StartAsync)
            .WithName("StartJourney")
            .WithSummary("Start a journey")
            .WithDescription("Starts a journey of a published template (the latest version unless templateVersion is given) for a customer, whose profile is created or updated first. 202 with the journey id and its status URI. With journeyKey the start is idempotent: one journey per dealer, customer, template and journey key (a retry, or a later start with the same key, answers 202 with the same id). instanceId (a chosen journey id) is for admin keys only (422 for a dealer key) and may not begin with 'j-'.")
            .Accepts<StartJourneyRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/", ListAsync)
            .WithName("ListJourneys")
            .WithSummary("List journeys")
            .WithDescription("Journeys filtered by status (comma-separated: Pending, Running, Completed, Failed, Terminated, Suspended), template, version (with template: the version a journey runs now), phase (orientation, communication, choice, purchase, usage), dealer and customer, oldest first, a page at a time: pass the continuationToken of a page to get the next. Status, version and phase are applied to each page after it is read, so a page may hold fewer than pageSize journeys while a continuationToken follows. A dealer key sees its own dealer's journeys only.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/{id}", GetAsync)
            .WithName("GetJourney")
            .WithSummary("Get a journey's status")
            .WithDescription("Status, template id and version, phase, current step, events waited for, next timer due, goals reached, touchpoints so far and the interpreter's custom status; with history=true also the current execution's history events. A journey of another dealer answers 404 exactly like an unknown id, on this and every other journey route.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/timeline", TimelineAsync)
            .WithName("GetJourneyTimeline")
            .WithSummary("Why the journey did what it did")
            .WithDescription("The journey's timeline, rebuilt by replaying its recorded history through the interpreter (nothing runs, nothing is written): the start and every event (taken, held, ignored as a repeat), each step, each condition with the values it read and each A/B split with its arm and roll, each wait with what it listens for and until when, quiet-hour and frequency-cap deferrals, phases, goals, the end; and each touchpoint where its activity completed, with its status (sent, suppressed and why, capped, failed) and its cause: data.cause and data.causeIndex, the index of the event or timer entry that caused it. The entries have the format of a simulation's timeline (POST /api/simulations). Times in UTC, after the start, and in the dealer's and customer's zones. The current execution only (after a yearly repeat: the touchpoints of earlier years come first, without their causes). complete is false (with problem) when the template version no longer fits the history. 422 past MaxTimelineHistoryEvents (20,000) or MaxTimelineTouchpoints (5,000).")
            .Produces<JourneyOrchestrator.Templates.Simulation.JourneyTimelineView>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/{id}/touchpoints", TouchpointsAsync)
            .WithName("GetJourneyTouchpoints")
            .WithSummary("List a journey's touchpoints")
            .WithDescription("Every touchpoint (e-mail sent or suppressed, task created) in time order, with its channel, step id and the event or timer that caused it.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/events/{name}", RaiseAsync)
            .WithName("RaiseJourneyEvent")
            .WithSummary("Raise an event into a journey")
            .WithDescription("Raises event {name} into the journey. The body is the event's data as a JSON object (or empty). Pass eventId (query) to make retries safe: a repeated id is accepted and ignored. 404 unknown journey, 410 finished journey; data limits as for customer events (422 with the path, 413 over 64 KB).")
            .Accepts<Dictionary<string, object>>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone).ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        foreach (var action in new[] { "terminate", "suspend", "resume" })
        {
            group.MapPost("/{id}/" + action, (string id, string? reason, ClaimsPrincipal user, JourneyCommands journeys, CancellationToken cancellationToken) =>
                    ControlAsync(id, action, reason, user, journeys, cancellationToken))
                .WithName(action switch { "terminate" => "TerminateJourney", "suspend" => "SuspendJourney", _ => "ResumeJourney" })
                .WithSummary(action switch { "terminate" => "Terminate a journey", "suspend" => "Suspend a journey", _ => "Resume a journey" })
                .WithDescription(action switch
                {
                    "terminate" => "Stops the journey at once; its timers are cancelled and it becomes Terminated. Optional reason (query).",
                    "suspend" => "Pauses the journey: events and timers are kept but not processed until it is resumed. Optional reason (query).",
                    _ => "Resumes a suspended journey; what arrived meanwhile is processed in order. Optional reason (query).",
                })
                .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status410Gone);
        }

        group.MapDelete("/{id}", PurgeAsync)
            .WithName("PurgeJourney")
            .WithSummary("Purge a finished journey")
            .WithDescription("Deletes a finished journey and its runtime history. 409 while it has not finished (terminate it first).")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        return routes;
    }

    private static async Task<Accepted<JourneyAccepted>> StartAsync(HttpRequest request, ClaimsPrincipal user, JourneyCommands journeys, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<StartJourneyRequest>(request, cancellationToken);
        var accepted = await journeys.StartAsync(body, Caller.From(user), cancellationToken);
        return TypedResults.Accepted(accepted.StatusUri, accepted);
    }

    private static async Task<Ok<JourneyPage>> ListAsync(
        string? status, string? template, int? version, string? phase, string? dealer, string? customer, int? pageSize, string? continuationToken,
        ClaimsPrincipal user, JourneyQueries journeys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await journeys.ListAsync(status, template, dealer, customer, pageSize, continuationToken, Caller.From(user), cancellationToken, version, phase));

    private static async Task<IResult> TimelineAsync(string id, ClaimsPrincipal user, JourneyTimelines timelines, CancellationToken cancellationToken) =>
        TypedResults.Json(await timelines.GetAsync(id, Caller.From(user), cancellationToken), JourneyOrchestrator.Templates.Simulation.Timeline.JsonOptions);

    private static async Task<Ok<JourneyDetail>> GetAsync(string id, bool? history, ClaimsPrincipal user, JourneyQueries journeys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await journeys.GetAsync(id, history == true, Caller.From(user), cancellationToken));

    private static async Task<Ok<IReadOnlyList<Touchpoint>>> TouchpointsAsync(string id, ClaimsPrincipal user, JourneyQueries journeys, CancellationToken cancellationToken) =>
        TypedResults.Ok(await journeys.TouchpointsAsync(id, Caller.From(user), cancellationToken));

    private static async Task<Accepted<EventAccepted>> RaiseAsync(
        string id, string name, string? eventId, HttpRequest request, ClaimsPrincipal user, JourneyCommands journeys, CancellationToken cancellationToken)
    {
        InputRules.InstanceId(id, "id");
        var errors = new FieldErrors();
        errors.EventName("name", name);
        errors.Id("eventId", eventId, required: false);
        errors.ThrowIfAny();
        var payload = await RequestBody.ReadOptionalJsonAsync(request, cancellationToken);
        if (payload is not null and not System.Text.Json.Nodes.JsonObject)
        {
            throw ApiProblemException.Invalid("$", "The event data must be a JSON object.");
        }

        var accepted = await journeys.RaiseAsync(id, name, payload, eventId, Caller.From(user), cancellationToken);
        return TypedResults.Accepted(accepted.StatusUri, accepted);
    }

    private static async Task<Accepted<ControlAccepted>> ControlAsync(
        string id, string action, string? reason, ClaimsPrincipal user, JourneyCommands journeys, CancellationToken cancellationToken)
    {
        if (reason is not null && !InputRules.IsText(reason, 500))
        {
            throw ApiProblemException.Invalid("reason", "Must be 1-500 characters without control characters.");
        }

        var accepted = await journeys.ControlAsync(id, action, reason, Caller.From(user), cancellationToken);
        return TypedResults.Accepted(accepted.StatusUri, accepted);
    }

    private static async Task<NoContent> PurgeAsync(string id, ClaimsPrincipal user, JourneyCommands journeys, CancellationToken cancellationToken)
    {
        await journeys.PurgeAsync(id, Caller.From(user), cancellationToken);
        return TypedResults.NoContent();
    }
}
