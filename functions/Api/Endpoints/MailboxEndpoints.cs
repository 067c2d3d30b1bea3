using System.Security.Claims;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary>
/// <c>/api/dev/mailbox</c>: the development mailbox (rendered e-mails; no e-mail leaves the machine). Mapped in Development
/// only (<c>MapJourneyApi</c>): in any other environment no <c>/api/dev</c> route exists. (The embedded host adds the manual
/// clock's routes beside it.)
/// </summary>
public static class MailboxEndpoints
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
}
