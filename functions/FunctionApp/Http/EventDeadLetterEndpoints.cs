using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.FunctionApp.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace JourneyOrchestrator.FunctionApp.Http;

/// <summary>The dead letters of the bulk event queue (Function app only: the embedded host has no queue).</summary>
public sealed record EventDeadLetterPage(int ApproximateCount, IReadOnlyList<EventDeadLetter> Items);

public sealed record EventReplay(int Replayed);

/// <summary>
/// <c>GET /api/events/deadletters</c> (admin): the first dead letters of the bulk event queue with why each failed, and
/// the approximate total; <c>POST /api/events/deadletters/replay</c> (admin): moves up to 32 back to the queue.
/// </summary>
public static class EventDeadLetterEndpoints
{
    public static IEndpointRouteBuilder MapEventDeadLetterEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/events/deadletters").WithTags("Dead letters").RequireAuthorization(Roles.AdminPolicy);
        group.MapGet("/", async (EventDeadLetters letters, CancellationToken cancellationToken) =>
        {
            var (count, items) = await letters.ListAsync(cancellationToken);
            return TypedResults.Ok(new EventDeadLetterPage(count, items));
        })
            .WithName("ListEventDeadLetters")
            .WithSummary("Queued events that failed")
            .WithDescription("The first 32 messages of journey-events-poison (peeked, nothing taken), each with its reason: rejected (the problem the HTTP route would have answered, with error paths) or retries exhausted. Admin only.");
        group.MapPost("/replay", async (EventDeadLetters letters, CancellationToken cancellationToken) =>
            TypedResults.Ok(new EventReplay(await letters.ReplayAsync(cancellationToken))))
            .WithName("ReplayEventDeadLetters")
            .WithSummary("Send up to 32 dead-lettered events again")
            .WithDescription("Moves up to 32 messages from journey-events-poison back to journey-events (the original message, unwrapped). Their event ids keep an event already applied from changing anything. Admin only.");
        return routes;
    }
}
