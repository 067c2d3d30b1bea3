using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.FunctionApp.Http;

/// <summary>
/// The public HTTP API as one HTTP trigger: every method on every path (host.json's <c>routePrefix</c> is empty, so the
/// paths are the embedded host's: <c>/api/...</c>, <c>/health</c>, <c>/openapi/v1.json</c>, <c>/u/{token}</c>). Anonymous at
/// the Functions level: the API checks its own <c>X-Api-Key</c> and roles, as on the embedded host. The function binds the
/// Durable extension's client for the API's services and runs the shared pipeline (<see cref="ApiPipeline"/>).
/// </summary>
public sealed class ApiFunction(ApiPipeline pipeline, BoundDurableTaskClient client)
{
    public const string Name = "api";

    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", "post", "put", "patch", "delete", "options", Route = "{*path}")] HttpRequest request,
        [DurableClient] DurableTaskClient durable)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(durable);
        client.Bind(durable);
        await pipeline.InvokeAsync(request.HttpContext);
        return new EmptyResult(); // the pipeline has written the response
    }
}
