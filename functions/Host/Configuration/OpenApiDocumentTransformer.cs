using JourneyOrchestrator.Host.Security;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>Title, description and the X-Api-Key security scheme of the OpenAPI document.</summary>
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
}
