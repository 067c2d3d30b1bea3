using System.Text.Json;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary><c>/api/templates</c>: publish (marketing, admin), validate, and read journey templates (any role).</summary>
public static class TemplateEndpoints
{
    private static readonly JsonSerializerOptions TemplateJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    private const string LimitsDescription =
        "A document past one of the loader's limits (Journeys:Templates:Limits: MaxDocumentBytes, default 1 MiB; MaxDepth 32; MaxNodes 50,000; " +
        "MaxScalarLength 100,000; MaxAliases 100) is refused as soon as the limit is reached: 413 for the size, 422 for the structure, " +
        "a problem with limit (the setting), value and path (with line, column) where it was hit.";

    public static IEndpointRouteBuilder MapTemplateEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/templates").WithTags("Templates");

        group.MapPut("/{id}", PutAsync)
            .RequireAuthorization(Roles.TemplateWritePolicy)
            .WithName("PublishTemplate")
            .WithSummary("Publish a template")
            .WithDescription("Validates a template document (YAML: application/yaml or text/yaml; JSON: application/json) and publishes it as a new immutable version: 201 {version}. A document whose content equals the latest version publishes nothing: 200 with that version. 422 lists the validation errors (at most Journeys:Templates:Limits:MaxErrors, then one '…and N more') with their path (and line, column) in the document. " + LimitsDescription)
            .Accepts<string>("application/yaml", "text/yaml", "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id}/migrations", async (string id, HttpRequest request, System.Security.Claims.ClaimsPrincipal user, JourneyMigrations migrations, CancellationToken cancellationToken) =>
            {
                CheckId(id);
                var body = await RequestBody.ReadJsonAsync<MigrationRequest>(request, cancellationToken);
                var by = user.FindFirst(ApiKeyAuthenticationHandler.KeyIdClaim)?.Value ?? "unknown";
                return TypedResults.Ok(await migrations.RunAsync(id, body, $"admin key {by}", cancellationToken));
            })
            .RequireAuthorization(Roles.AdminPolicy)
            .WithName("MigrateJourneys")
            .WithSummary("Move or end the running journeys of a template version")
            .WithDescription("{fromVersion, toVersion, action: move|end, mapping: {v1 wait step: v2 step}, dryRun (default true), migrationId?, dealerId?}. A dry run lists how many journeys wait at each step and what would happen to them. A move needs every wait step of the old version mapped (422 naming the unmapped ones) and asks each journey to continue at its mapped step in the new version at its current wait; a journey that moved meanwhile to a place the mapping does not cover stays. The same migrationId again continues without asking a journey twice. Each journey's timeline records the order (who, when, from, to). At most 5,000 journeys per call (truncated: true says to call again). Admin only.")
            .Accepts<MigrationRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/validate", ValidateAsync)
            .RequireAuthorization(Roles.TemplateWritePolicy)
            .WithName("ValidateTemplate")
            .WithSummary("Validate a template without publishing it")
            .WithDescription("200 {valid, errors}: the errors (at most Journeys:Templates:Limits:MaxErrors, then one '…and N more') with their path (and line, column) in the document. " + LimitsDescription)
            .Accepts<string>("application/yaml", "text/yaml", "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/", ListAsync)
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithName("ListTemplates")
            .WithSummary("List templates")
            .WithDescription("Every published template with its latest version and entry events.");

        group.MapGet("/{id}", GetLatestAsync)
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithName("GetTemplate")
            .WithSummary("Get a template's latest version")
            .WithDescription("The latest version: the template as JSON, the document it was published from, and all version numbers.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/versions/{version}", GetVersionAsync)
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithName("GetTemplateVersion")
            .WithSummary("Get one version of a template")
            .WithDescription("A published version (immutable): the template as JSON and the document it was published from.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    private static async Task<Results<Created<TemplatePublished>, Ok<TemplatePublished>>> PutAsync(
        string id, HttpRequest request, TemplatePublisher publisher, CancellationToken cancellationToken)
    {
        CheckId(id);
        var (text, contentType) = await RequestBody.ReadTemplateAsync(request, cancellationToken, publisher.Limits.MaxDocumentBytes);
        var result = await publisher.ValidateUploadAsync(text, contentType, cancellationToken);
        var errors = TemplatePublisher.Errors(result, id);
        if (result.Template is null || errors.Count > 0)
        {
            throw ApiProblemException.Unprocessable("The template is not valid",
                $"The template has {errors.Count} error(s); nothing was published. See errors: each has the path (and line, column) in the document.", errors);
        }

        var outcome = await publisher.PublishAsync(result.Template, text, contentType, cancellationToken);
        var uri = VersionUri(id, outcome.Version);
        var published = new TemplatePublished(id, outcome.Version, outcome.Created, uri);
        return outcome.Created ? TypedResults.Created(uri, published) : TypedResults.Ok(published);
    }

    private static async Task<Ok<TemplateValidation>> ValidateAsync(HttpRequest request, TemplatePublisher publisher, CancellationToken cancellationToken)
    {
        var (text, contentType) = await RequestBody.ReadTemplateAsync(request, cancellationToken, publisher.Limits.MaxDocumentBytes);
        var errors = TemplatePublisher.Errors(await publisher.ValidateUploadAsync(text, contentType, cancellationToken), expectedId: null);
        return TypedResults.Ok(new TemplateValidation(errors.Count == 0, errors));
    }

    private static async Task<Ok<IReadOnlyList<TemplateSummary>>> ListAsync(IJourneyDataStore data, CancellationToken cancellationToken) =>
        TypedResults.Ok(await data.ListTemplatesAsync(cancellationToken));

    private static Task<Ok<TemplateVersionView>> GetLatestAsync(string id, IJourneyDataStore data, CancellationToken cancellationToken) =>
        GetAsync(id, null, data, cancellationToken);

    private static Task<Ok<TemplateVersionView>> GetVersionAsync(string id, int version, IJourneyDataStore data, CancellationToken cancellationToken) =>
        version < 1 ? throw ApiProblemException.Invalid("version", "Must be 1 or more.") : GetAsync(id, version, data, cancellationToken);

    private static async Task<Ok<TemplateVersionView>> GetAsync(string id, int? version, IJourneyDataStore data, CancellationToken cancellationToken)
    {
        CheckId(id);
        var published = await data.GetTemplateAsync(id, version, cancellationToken)
            ?? throw ApiProblemException.NotFound(version is null ? $"No template '{id}' is published." : $"Template '{id}' has no version {version}.");
        var versions = await data.ListTemplateVersionsAsync(id, cancellationToken);
        var template = published.Template;
        return TypedResults.Ok(new TemplateVersionView(
            template.Id, template.Version, template.Name, published.PublishedAt, published.ContentType, versions,
            JsonSerializer.SerializeToNode(template, TemplateJson)!, published.Source));
    }

    private static void CheckId(string id)
    {
        if (!InputRules.IsTemplateId(id))
        {
            throw ApiProblemException.Invalid("id", "A template id is 1-100 lowercase letters, digits and '-', starting and ending with a letter or digit.");
        }
    }

    private static string VersionUri(string id, int version) => $"/api/templates/{id}/versions/{version}";
}
