using System.Security.Claims;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary>Customer erasure (GDPR right to erasure) and its audit trail: admin only; dealer keys get 403.</summary>
public static class ErasureEndpoints
{
    public static IEndpointRouteBuilder MapErasureEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/customers/{customerId}/erase", EraseAsync)
            .WithTags("Privacy")
            .RequireAuthorization(Roles.AdminPolicy)
            .WithName("EraseCustomer")
            .WithSummary("Erase a customer's personal data (admin)")
            .WithDescription("GDPR right to erasure for one customer of one dealer (dealerId, query, required). Ends and redacts every journey of the customer (history payloads, input, output, status, pending events, timers and activities), deletes the profile, tasks, dev-mailbox messages, delivery ledger rows and suppressions, anonymises touchpoints, and keeps only a keyed hash of the address so it is not e-mailed again until the customer gives consent again. 200 with the audit record (no personal data). Restartable and idempotent: calling again finishes an interrupted erase, or answers with the same record. 404 when the dealer has no such customer and never erased one; 409 when a journey stays busy (call again).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        routes.MapGet("/api/audit/erasures", ListAsync)
            .WithTags("Privacy")
            .RequireAuthorization(Roles.AdminPolicy)
            .WithName("ListErasures")
            .WithSummary("List erasure audit records (admin)")
            .WithDescription("The erasure audit trail, newest first: dealer, a keyed hash of the customer id, state (started, completed), counts of what was erased, when, and the role that asked. No personal data. Optional dealerId; limit 1-1000 (default 100).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        return routes;
    }

    private static async Task<Ok<ErasureRecord>> EraseAsync(
        string customerId, string? dealerId, ClaimsPrincipal user, CustomerErasureService erasure, CancellationToken cancellationToken)
    {
        InputRules.RouteId(customerId, "customerId");
        var errors = new FieldErrors();
        errors.Id("dealerId", dealerId, required: true);
        errors.ThrowIfAny();
        return TypedResults.Ok(await erasure.EraseAsync(dealerId!, customerId, Caller.From(user), cancellationToken));
    }

    private static async Task<Ok<ErasurePage>> ListAsync(string? dealerId, int? limit, CustomerErasureService erasure, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Id("dealerId", dealerId, required: false);
        if (limit is < 1 or > 1000)
        {
            errors.Add("limit", "Must be between 1 and 1000.");
        }

        errors.ThrowIfAny();
        return TypedResults.Ok(new ErasurePage(await erasure.ListAsync(dealerId, limit ?? 100, cancellationToken)));
    }
}

/// <summary>Erasure audit records, newest first.</summary>
public sealed record ErasurePage(IReadOnlyList<ErasureRecord> Erasures);
