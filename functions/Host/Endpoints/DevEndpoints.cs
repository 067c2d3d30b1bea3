using System.Security.Claims;
using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Host.Clock;
using JourneyOrchestrator.Host.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Host.Endpoints;

/// <summary>
/// <c>/api/dev</c>: the development mailbox (rendered e-mails; no e-mail leaves the machine) and, only when the clock is
/// manual, the clock itself. Mapped in Development only (<c>MapJourneyHost</c>): in any other environment no <c>/api/dev</c>
/// route exists.
/// </summary>
public static class DevEndpoints
{
    public static IEndpointRouteBuilder MapMailboxEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/dev/mailbox", ListMailAsync)
            .WithTags("Development")
            .RequireAuthorization(Roles.DealerPolicy)
            .WithName("ListMailbox")
            .WithSummary("List rendered e-mails (development mailbox)")
            .WithDescription("E-mails the journeys 'sent', newest first, as rendered (subject and HTML body); filter by to and journeyId; limit 1-500 (default 100). A dealer key sees its own dealer's mail only.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden);
        return routes;
    }

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

    private static async Task<Ok<MailboxPage>> ListMailAsync(
        string? to, string? journeyId, int? limit, ClaimsPrincipal user, IJourneyDataStore data, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (to is not null && !InputRules.IsEmail(to))
        {
            errors.Add("to", "Must be an e-mail address.");
        }

        if (journeyId is not null && (journeyId.Length is 0 or > 200 || journeyId.Any(char.IsControl)))
        {
            errors.Add("journeyId", "Must be a journey id.");
        }

        if (limit is < 1 or > 500)
        {
            errors.Add("limit", "Must be between 1 and 500.");
        }

        errors.ThrowIfAny();
        var dealer = Caller.From(user).ScopeDealer(null, "mail");
        var take = limit ?? 100;
        var mail = await data.ListMailAsync(to, journeyId, dealer is null ? take : 5000, cancellationToken);
        return TypedResults.Ok(new MailboxPage([.. mail.Where(m => dealer is null || m.DealerId == dealer).Take(take)]));
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
