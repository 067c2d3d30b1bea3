using JourneyOrchestrator.Api.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace JourneyOrchestrator.Api.Http;

/// <summary>
/// Title, description and the X-Api-Key security scheme of the OpenAPI document; every route that takes a key also answers 429
/// (the failed-key lockout and the per-key token bucket, docs/security.md#hardening).
/// </summary>
public sealed class OpenApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(document);
        document.Info = new OpenApiInfo
        {
            Title = "JourneyOrchestrator API",
            Version = "v1",
            Description = "Customer journeys for car dealers: dealer systems raise events, marketing publishes templates, journeys send e-mails and create sales tasks. " +
                "Authenticate with the X-Api-Key header (roles: dealer, marketing, admin). Errors are RFC 9457 problem details.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ApiKeyAuthenticationHandler.HeaderName,
            Description = "An API key. In Development: dev-admin-key, dev-marketing-key, dev-dealer-key (dealer demo-dealer).",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [] });
        return Task.CompletedTask;
    }

    /// <summary>An operation that needs a key may answer 401 and 429 (the failed-key lockout and the per-key token bucket).</summary>
    public static Task AddKeyResponses(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any() || metadata.OfType<Microsoft.AspNetCore.Authorization.IAllowAnonymous>().Any())
        {
            return Task.CompletedTask;
        }

        operation.Responses ??= [];
        operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key, or an unknown one." });
        operation.Responses.TryAdd("429", new OpenApiResponse
        {
            Description = "Too many requests: too many unknown API keys from this client address, or this key is over its token bucket. Retry after the Retry-After header's seconds.",
        });
        return Task.CompletedTask;
    }
}
