using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Host.Clock;

/// <summary>
/// <c>/api/dev/clock</c>: the manual clock of the embedded host. Mapped only in Development with <c>Journeys__Clock=Manual</c>
/// (<c>MapJourneyHost</c>); otherwise the routes do not exist.
/// </summary>
public static class ClockEndpoints
{
    /// <summary>Maps the clock routes; call only when the clock is manual (otherwise they do not exist).</summary>
    public static IEndpointRouteBuilder MapManualClockEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/dev/clock").WithTags("Development").RequireAuthorization(Roles.AdminPolicy);

        group.MapGet("/", GetClockAsync)
            .WithName("GetClock")
            .WithSummary("Read the manual clock")
            .WithDescription("The manual clock's time and the next due time of any timer. Exists only with Journeys__Clock=Manual (Development).")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/advance", AdvanceAsync)
            .WithName("AdvanceClock")
            .WithSummary("Advance the manual clock")
            .WithDescription("Moves the clock by an ISO 8601 duration ({\"by\": \"P3D\"}) or to a time ({\"to\": \"2026-02-01T09:00:00Z\"}), stopping at every timer due on the way so that each fires at its own time, and answers when all work due by then is done. Exists only with Journeys__Clock=Manual (Development).")
            .Accepts<AdvanceClockRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return routes;
    }

    private static async Task<Ok<ClockView>> GetClockAsync(ManualTimeProvider clock, ManualClockDriver driver, CancellationToken cancellationToken) =>
        TypedResults.Ok(new ClockView("Manual", clock.GetUtcNow(), await driver.NextDueAsync(cancellationToken)));

    private static async Task<Ok<ClockAdvanced>> AdvanceAsync(HttpRequest request, ManualTimeProvider clock, ManualClockDriver driver, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadJsonAsync<AdvanceClockRequest>(request, cancellationToken);
        var now = clock.GetUtcNow();
        DateTimeOffset target;
        if ((body.By is null) == (body.To is null))
        {
            throw ApiProblemException.Invalid("$", "Give exactly one of 'by' (an ISO 8601 duration, e.g. P3D) and 'to' (an ISO 8601 time).");
        }

        if (body.By is not null)
        {
            if (!IsoDuration.TryParse(body.By, allowNegative: false, out var duration))
            {
                throw ApiProblemException.Invalid("$.by", "Must be an ISO 8601 duration such as P3D, PT4H or P1M (not negative).");
            }

            target = duration.AddTo(now);
            if (target - now > TimeSpan.FromDays(366 * 50))
            {
                throw ApiProblemException.Invalid("$.by", "Must be at most 50 years.");
            }
        }
        else
        {
            target = body.To!.Value.ToUniversalTime();
            if (target < now)
            {
                throw ApiProblemException.Invalid("$.to", $"The clock is at {now:O}; it never goes back.");
            }

            if (target - now > TimeSpan.FromDays(366 * 50))
            {
                throw ApiProblemException.Invalid("$.to", "Must be at most 50 years ahead.");
            }
        }

        var advance = await driver.AdvanceAsync(target, cancellationToken);
        return TypedResults.Ok(new ClockAdvanced(advance.From, advance.To, advance.Stops, advance.WorkItems, await driver.NextDueAsync(cancellationToken)));
    }
}
