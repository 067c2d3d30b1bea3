using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary><c>GET /health</c> (anonymous).</summary>
public static class HealthEndpoints
{
    /// <summary>The instance id the health check looks up in the engine (a point read that finds nothing).</summary>
    internal const string ProbeInstanceId = "health-probe";

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", CheckAsync)
            .AllowAnonymous()
            .WithTags("Health")
            .WithName("Health")
            .WithSummary("Health check")
            .WithDescription("200 Healthy when the data store, the engine and every configured dependency answer; 200 Degraded when a non-critical one (SendGrid: e-mails wait and retry) does not; 503 when the data store, the engine or a critical dependency does not. `checks` says ok or what is wrong per dependency. Also says which engine (Embedded or DurableTaskAzureStorage, with its task hub) and which clock run, and what time it is on it.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<Ok<HealthView>> CheckAsync(
        IJourneyDataStore data, DurableTaskClient engine, ApiHostInfo host, TimeProvider time, IEnumerable<IHealthProbe> probes, CancellationToken cancellationToken)
    {
        try
        {
            await data.ListTemplateVersionsAsync("health", cancellationToken);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException or System.Data.Common.DbException or Azure.RequestFailedException)
        {
            throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "Unhealthy", "The data store does not answer: " + e.Message);
        }

        try
        {
            await engine.GetInstanceAsync(ProbeInstanceId, getInputsAndOutputs: false, cancellationToken);
        }
#pragma warning disable CA1031 // Whatever the engine's storage throws (its exceptions differ per engine), the host is unhealthy.
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "Unhealthy", $"The engine ({engine.Name}) does not answer: " + e.Message);
        }

        var checks = new Dictionary<string, string>(StringComparer.Ordinal) { ["dataStore"] = "ok", ["engine"] = "ok" };
        var degraded = false;
        foreach (var probe in probes)
        {
            var problem = await probe.CheckAsync(cancellationToken);
            checks[probe.Name] = problem ?? "ok";
            if (problem is not null && probe.Critical)
            {
                throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "Unhealthy", $"{probe.Name} does not answer: {problem}");
            }

            degraded |= problem is not null;
        }

        return TypedResults.Ok(new HealthView(degraded ? "Degraded" : "Healthy", host.Engine, host.Clock, time.GetUtcNow(), host.TaskHub) { Checks = checks });
    }
}
