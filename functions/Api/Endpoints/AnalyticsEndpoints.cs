using System.Security.Claims;
using JourneyOrchestrator.Api.Analytics;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary><c>/api/analytics</c>: funnel analytics of a template version (marketing, admin).</summary>
public static class AnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAnalyticsEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/analytics/funnel", FunnelAsync)
            .RequireAuthorization(Roles.TemplateWritePolicy)
            .WithTags("Analytics")
            .WithName("GetFunnel")
            .WithSummary("Funnel analytics of a template version")
            .WithDescription("For the journeys of template (and version; the latest when left out; a migrated journey counts in the version it runs now), optionally of one dealer: " +
                "how many entered each step and each phase, reached each goal (conversion = reached / journeys), how each wait step's waits ended (by which event, " +
                "exits and goal jumps included, or timed out) and how many wait there now, and per A/B split each arm's journeys and conversions with the difference " +
                "to the first arm and its 95 % confidence interval (Newcombe's score interval). Computed from stored data: one pass over the engine's instances reading " +
                "each journey's status (no history), at most 2,000,000 instances (truncated: true past it). Marketing and admin keys.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<Ok<FunnelReport>> FunnelAsync(
        string? template, int? version, string? dealer, ClaimsPrincipal user, FunnelAnalytics analytics, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        if (template is null || !InputRules.IsTemplateId(template))
        {
            errors.Add("template", "Required: a template id (lowercase letters, digits and '-').");
        }

        if (version is < 1)
        {
            errors.Add("version", "Must be 1 or more.");
        }

        errors.Id("dealer", dealer, required: false);
        errors.ThrowIfAny();
        _ = Caller.From(user);
        return TypedResults.Ok(await analytics.ComputeAsync(template!, version, dealer, cancellationToken));
    }
}
