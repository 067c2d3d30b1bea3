using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Api;

namespace JourneyOrchestrator.Host.Functions;

/// <summary>
/// <c>POST /{function}</c>: the Azure Functions host's invocations of the queue and timer functions (mapped only when the
/// host runs as a custom handler, <c>FUNCTIONS_CUSTOMHANDLER_PORT</c> set).
/// </summary>
/// <remarks>
/// These routes carry no API key: only the Functions host may call them. Three things keep the internet out: the handler
/// listens on 127.0.0.1 only; the HTTP functions' routes (<c>api/{*path}</c>, <c>u/{*path}</c>, <c>health</c>,
/// <c>openapi/{*path}</c>) never match a function's name, so the Functions host forwards no outside request to them; and a
/// request must come from the loopback interface and carry <c>X-Azure-Functions-InvocationId</c>, which the Functions host
/// adds to every invocation. docs/azure-deployment.md explains it.
/// </remarks>
public static class FunctionInvocationEndpoints
{
    /// <summary>The header the Functions host adds to every request it sends the custom handler.</summary>
    public const string InvocationIdHeader = "X-Azure-Functions-InvocationId";

    public static IEndpointRouteBuilder MapFunctionInvocationEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/{function}", InvokeAsync)
            .AllowAnonymous()
            .WithTags("Azure Functions")
            .WithName("FunctionInvocation")
            .WithSummary("A trigger invocation from the Azure Functions host (custom handler)")
            .WithDescription("Only the Functions host calls this (loopback, X-Azure-Functions-InvocationId). Body: {\"Data\": {\"doorbell\": \"...\"} or {\"timer\": {...}}, \"Metadata\": {...}}. " +
                "Processes everything due and answers {\"Outputs\": {}, \"Logs\": [...], \"ReturnValue\": \"...\"}.")
            .Produces<InvocationResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<InvocationResponse> InvokeAsync(
        string function, HttpRequest request, FunctionAppLayout layout, FunctionInvocations invocations, CancellationToken cancellationToken)
    {
        var remote = request.HttpContext.Connection.RemoteIpAddress;
        if ((remote is not null && !IPAddress.IsLoopback(remote)) || !request.Headers.ContainsKey(InvocationIdHeader))
        {
            throw ApiProblemException.Forbidden(
                $"Only the Azure Functions host invokes /{function}: the request must come from the loopback interface and carry {InvocationIdHeader}.");
        }

        var definition = layout.FindInvocable(function)
            ?? throw ApiProblemException.NotFound($"There is no queue or timer function '{function}' (function folders: {string.Join(", ", layout.Functions.Select(f => f.Name))}).");
        var payload = await RequestBody.ReadJsonAsync<JsonObject>(request, cancellationToken);
        return await invocations.InvokeAsync(definition, payload, cancellationToken);
    }
}
