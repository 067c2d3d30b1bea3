using JourneyOrchestrator.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace JourneyOrchestrator.FunctionApp.Http;

/// <summary>
/// The shared API's ASP.NET Core pipeline (<see cref="JourneyApiExtensions.UseJourneyApi"/> and
/// <see cref="JourneyApiExtensions.MapJourneyApi"/>, plus the app's own routes), built once over the worker's services and run
/// by <see cref="ApiFunction"/> on each request's <see cref="HttpContext"/> (the worker's ASP.NET Core integration hands the
/// function the real one). So the routes, bodies, status codes, problem details, API-key roles, dealer isolation, rate
/// limits and OpenAPI are those of the embedded host, from the same code.
/// </summary>
public sealed class ApiPipeline
{
    private readonly RequestDelegate _pipeline;

    public ApiPipeline(IServiceProvider services)
    {
        var app = new ApplicationBuilder(services);
        app.UseRouting();
        app.UseJourneyApi();
        app.UseEndpoints(routes =>
        {
            routes.MapJourneyApi();
            routes.MapEventDeadLetterEndpoints();
        });
        _pipeline = app.Build();
    }

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // The request reached the worker through the Functions host's catch-all route: match it again against the API's routes.
        context.SetEndpoint(null);
        context.Request.RouteValues.Clear();
        return _pipeline(context);
    }
}
