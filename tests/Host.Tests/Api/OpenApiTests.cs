using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>The OpenAPI document describes every route the host serves.</summary>
public sealed class OpenApiTests(SharedHost shared) : IClassFixture<SharedHost>
{
    private readonly HostFactory _host = shared.Host;

    [Fact]
    public async Task OpenApiDocument_EveryRoute_IsDocumentedWithSummaryAndResponses()
    {
        var document = await (await _host.Client(null).GetAsync(U("/openapi/v1.json"))).ReadJsonAsync(HttpStatusCode.OK);
        var paths = document["paths"]!.AsObject();
        var routes = _host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.StartsWith("/openapi", StringComparison.Ordinal)
                && e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription != true) // the console's pages
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Path: Normalize(e.RoutePattern.RawText!), Method: m.ToLowerInvariant())))
            .ToList();

        Assert.True(routes.Count >= 28, $"only {routes.Count} routes found");
        foreach (var (path, method) in routes)
        {
            Assert.True(paths.ContainsKey(path), $"{method} {path} is not in the OpenAPI document");
            var operation = paths[path]![method];
            Assert.True(operation is not null, $"{method} {path} is not in the OpenAPI document");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{method} {path} has no summary");
            if (!DeliveryRoutes.Contains(path))
            {
                Assert.False(string.IsNullOrWhiteSpace(operation["description"]?.GetValue<string>()), $"{method} {path} has no description");
            }

            Assert.NotEmpty(operation["responses"]!.AsObject());
        }
    }

    [Fact]
    public async Task OpenApiDocument_ContractRoutesAndApiKeyScheme_Present()
    {
        var document = await (await _host.Client(null).GetAsync(U("/openapi/v1.json"))).ReadJsonAsync(HttpStatusCode.OK);
        var paths = document["paths"]!.AsObject();

        string[] expected =
        [
            "post /api/journeys", "get /api/journeys", "get /api/journeys/{id}", "get /api/journeys/{id}/touchpoints",
            "post /api/journeys/{id}/events/{name}", "post /api/journeys/{id}/terminate", "post /api/journeys/{id}/suspend",
            "post /api/journeys/{id}/resume", "delete /api/journeys/{id}", "put /api/customers/{customerId}", "get /api/customers/{customerId}",
            "post /api/customers/{customerId}/events", "put /api/templates/{id}", "get /api/templates", "get /api/templates/{id}",
            "get /api/templates/{id}/versions/{version}", "post /api/templates/validate", "get /api/tasks", "post /api/tasks/{id}/complete",
            "get /api/dev/mailbox", "get /api/dev/clock", "post /api/dev/clock/advance", "get /health",
            "post /api/tasks/{id}/approve", "post /api/tasks/{id}/reject", "put /api/emails/{name}", "get /api/emails", "get /api/emails/{name}",
            "get /api/emails/{name}/versions/{version}", "post /api/emails/{name}/preview",
            "get /api/journeys/{id}/timeline", "get /api/analytics/funnel", "get /api/tasks/board", "get /api/me",
        ];
        foreach (var route in expected)
        {
            var (method, path) = (route.Split(' ')[0], route.Split(' ')[1]);
            Assert.True(paths[path]?[method] is JsonObject, $"{route} is missing");
        }

        Assert.Equal("X-Api-Key", document["components"]!["securitySchemes"]!["ApiKey"]!["name"]!.GetValue<string>());
        Assert.NotNull(paths["/api/journeys/{id}/events/{name}"]!["post"]!["responses"]!["410"]);
        Assert.NotNull(paths["/api/templates/{id}"]!["put"]!["responses"]!["422"]);

        // The console's reads are described with their bodies, for other tools to use.
        var funnel = paths["/api/analytics/funnel"]!["get"]!;
        Assert.Contains(funnel["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "template");
        Assert.NotNull(funnel["responses"]!["200"]!["content"]!["application/json"]);
        Assert.NotNull(document["components"]!["schemas"]!["FunnelReport"]);
        Assert.NotNull(document["components"]!["schemas"]!["JourneyTimelineView"]);
    }

    [Fact]
    public async Task OpenApiDocument_EveryRouteThatTakesAKey_Answers429Too()
    {
        var document = await (await _host.Client(null).GetAsync(U("/openapi/v1.json"))).ReadJsonAsync(HttpStatusCode.OK);
        var operations = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (Route: $"{o.Key} {p.Key}", Responses: o.Value!["responses"]!.AsObject()))).ToList();

        string[] anonymous = ["get /health", "get /u/{token}", "post /u/{token}", "post /api/webhooks/sendgrid"];
        var keyed = operations.Where(o => !anonymous.Contains(o.Route)).ToList();
        Assert.True(keyed.Count >= 20, $"only {keyed.Count} keyed routes");
        Assert.All(keyed, o => Assert.True(o.Responses.ContainsKey("401") && o.Responses.ContainsKey("429"), $"{o.Route} does not list 401 and 429"));
        Assert.All(operations.Where(o => anonymous.Contains(o.Route)), o => Assert.False(o.Responses.ContainsKey("429"), $"{o.Route} takes no key but lists 429"));
    }

    /// <summary>The delivery project's routes (unsubscribe links, SendGrid webhook, CRM dead letters): documented with summaries by their project.</summary>
    private static readonly HashSet<string> DeliveryRoutes = ["/u/{token}", "/api/webhooks/sendgrid", "/api/deadletters", "/api/deadletters/{id}/replay"];

    private static string Normalize(string raw)
    {
        var path = raw.TrimEnd('/');
        return path.Length == 0 ? "/" : path.StartsWith('/') ? path : "/" + path;
    }
}
