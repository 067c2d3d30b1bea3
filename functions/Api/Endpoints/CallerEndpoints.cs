using System.Security.Claims;
using JourneyOrchestrator.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary>What an API key may do, as the console asks at sign-in.</summary>
public sealed record CallerView(string Role, string? DealerId);

/// <summary><c>GET /api/me</c>: the role (and dealer) of the calling key.</summary>
public static class CallerEndpoints
{
    public static IEndpointRouteBuilder MapCallerEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/me", (ClaimsPrincipal user) => TypedResults.Ok(ToView(Caller.From(user))))
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithTags("Health")
            .WithName("GetCaller")
            .WithSummary("Who am I")
            .WithDescription("The role of the calling API key (dealer, marketing, admin) and, for a dealer key, its dealer: what a client such as the console may show. 401 for an unknown key.");
        return routes;
    }

    private static CallerView ToView(Caller caller) => new(caller.Role, caller.DealerId);
}
