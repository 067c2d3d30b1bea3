using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Host.Endpoints;

/// <summary><c>GET /health</c> (anonymous).</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", CheckAsync)
            .AllowAnonymous()
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("Health check")
            .WithDescription("200 Healthy when the data store answers; 503 otherwise. Also says which clock runs and what time it is on it.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<Ok<HealthView>> CheckAsync(IJourneyDataStore data, JourneyHostSettings settings, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await data.ListTemplateVersionsAsync("health", cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "Unhealthy", "The data store does not answer: " + e.Message);
        }

        return TypedResults.Ok(new HealthView("Healthy", settings.Clock.ToString(), time.GetUtcNow()));
    }
}
