using System.Text.Json.Serialization;
using JourneyOrchestrator.Api.Endpoints;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Delivery;
using JourneyOrchestrator.Delivery.Crm;
using JourneyOrchestrator.Templates.Loading;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Api;

/// <summary>What <c>GET /health</c> says about the host: its engine, clock and task hub.</summary>
public sealed record ApiHostInfo(string Engine, string Clock, string? TaskHub = null);

/// <summary>What the API needs from a host's configuration, resolved and checked by the host.</summary>
public sealed record JourneyApiSettings
{
    /// <summary>The API keys (<see cref="ApiKeys.Resolve"/>).</summary>
    public required IReadOnlyList<ApiKey> ApiKeys { get; init; }
    /// <summary>The key of the keyed journey ids (the erasure hash key); null only in Development.</summary>
    public byte[]? ErasureHashKey { get; init; }
    /// <summary>The template document limits (<c>Journeys:Templates:Limits</c>).</summary>
    public TemplateLimits TemplateLimits { get; init; } = new();
    /// <summary>The per-key and per-address rate limits (<c>Journeys:RateLimits</c>).</summary>
    public required RateLimitOptions RateLimits { get; init; }
    public required ApiHostInfo Host { get; init; }
    /// <summary>Development: the <c>/api/dev/mailbox</c> route exists.</summary>
    public bool Development { get; init; }
}

/// <summary>
/// The public HTTP API, one copy for every host. <see cref="AddJourneyApi"/> registers the journey commands and queries (over
/// the SDK's <c>DurableTaskClient</c> and the journey index, whichever engine registered them), JSON, problem details, API keys
/// and roles, rate limits and OpenAPI; <see cref="UseJourneyApi"/> adds the middleware and <see cref="MapJourneyApi"/> the
/// routes. The embedded host calls the three on its WebApplication; the Function app runs them behind one HTTP trigger.
/// </summary>
public static class JourneyApiExtensions
{
    public static IServiceCollection AddJourneyApi(this IServiceCollection services, JourneyApiSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.AddSingleton(settings.Host);
        services.AddSingleton(settings.TemplateLimits);
        services.AddSingleton<TemplatePublisher>();
        services.AddSingleton<Templates.Emails.EmailContentValidator>();
        services.AddSingleton(new JourneyIds(settings.ErasureHashKey)); // keyed with the erasure hash key (one secret), under its own label
        services.AddSingleton<JourneyLookup>();
        services.AddSingleton<JourneyStarter>();
        services.AddSingleton<JourneyCommands>();
        services.AddSingleton<JourneyQueries>();
        services.AddSingleton<CustomerEventRouter>();
        services.AddSingleton<CustomerErasureService>();
        services.AddSingleton<JourneyMigrations>();
        services.AddSingleton<JourneyTimelines>();
        services.AddSingleton<Analytics.FunnelAnalytics>();

        // JSON, problem details for every error, API keys and roles, OpenAPI.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            c.ProblemDetails.Instance ??= c.HttpContext.Request.Path;
            c.ProblemDetails.Detail ??= c.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => $"There is no route {c.HttpContext.Request.Method} {c.HttpContext.Request.Path}; see /openapi/v1.json.",
                StatusCodes.Status405MethodNotAllowed => $"{c.HttpContext.Request.Path} does not take {c.HttpContext.Request.Method}; see /openapi/v1.json.",
                StatusCodes.Status415UnsupportedMediaType => $"This route does not take Content-Type '{c.HttpContext.Request.ContentType ?? "(none)"}'; see /openapi/v1.json for what it accepts.",
                _ => null,
            };
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        // A parameter that does not bind (?pageSize=lots) throws in every environment (by default only in Development), so
        // that ApiExceptionHandler answers with the parameter named, in its own words, and a correlation id.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSingleton(new ApiKeyStore(settings.ApiKeys));
        services.AddJourneyRateLimits(settings.RateLimits);
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.DealerPolicy, p => p.RequireRole(Roles.Dealer, Roles.Admin))
            .AddPolicy(Roles.TemplateWritePolicy, p => p.RequireRole(Roles.Marketing, Roles.Admin))
            .AddPolicy(Roles.AnyRolePolicy, p => p.RequireRole(Roles.Dealer, Roles.Marketing, Roles.Admin))
            .AddPolicy(Roles.AdminPolicy, p => p.RequireRole(Roles.Admin));
        services.AddOpenApi(o => o.AddDocumentTransformer<OpenApiDocumentTransformer>().AddOperationTransformer(OpenApiDocumentTransformer.AddKeyResponses));
        return services;
    }

    /// <summary>Problem details for every error, then API-key authentication, the rate limiter (per key) and authorization.</summary>
    public static IApplicationBuilder UseJourneyApi(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter(); // per API key: after authentication, which names the key
        app.UseAuthorization();
        return app;
    }

    /// <summary>Every public route, and in Development the dev mailbox.</summary>
    public static IEndpointRouteBuilder MapJourneyApi(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        var settings = routes.ServiceProvider.GetRequiredService<JourneyApiSettings>();
        routes.MapOpenApi().AllowAnonymous();
        routes.MapHealthEndpoints();
        routes.MapJourneyEndpoints();
        routes.MapCustomerEndpoints();
        routes.MapErasureEndpoints();
        routes.MapTemplateEndpoints();
        routes.MapSimulationEndpoints();
        routes.MapAnalyticsEndpoints();
        routes.MapCallerEndpoints();
        routes.MapEmailEndpoints();
        routes.MapTaskEndpoints();
        routes.MapDeliveryEndpoints();
        routes.MapDeadLetterEndpoints().RequireAuthorization(Roles.AdminPolicy);

        // /api/dev/mailbox: only in Development (outside it, 404 like any unknown route).
        if (settings.Development)
        {
            routes.MapMailboxEndpoints();
        }

        return routes;
    }
}
