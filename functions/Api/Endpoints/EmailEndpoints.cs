using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary>An e-mail as authored: a default locale and per locale a Liquid subject, HTML body and optional text body.</summary>
public sealed record EmailInput
{
    public string? DefaultLocale { get; init; }
    public Dictionary<string, EmailLocaleInput?>? Locales { get; init; }
}

public sealed record EmailLocaleInput
{
    public string? Subject { get; init; }
    public string? Html { get; init; }
    public string? Text { get; init; }
}

/// <summary><c>POST /api/emails/{name}/preview</c>: a published version (latest when left out) or a draft, rendered for a sample customer.</summary>
public sealed record EmailPreviewRequest
{
    public int? Version { get; init; }
    public EmailInput? Draft { get; init; }
    public string? Locale { get; init; }
    /// <summary>The sample customer (firstName, lastName, email, locale, ...); a built-in sample when left out.</summary>
    public JsonObject? Customer { get; init; }
    public JsonObject? Data { get; init; }
}

public sealed record EmailPublished(string Name, int Version, bool Created, string Uri);

public sealed record EmailPreview(string Name, int? Version, string Locale, string Subject, string Html, string? Text);

/// <summary>
/// <c>/api/emails</c>: e-mails authored without a deploy (marketing, admin publish; any role reads and previews). Versioned
/// like templates; validated at publish (Liquid, unknown variables, the default locale) with errors at their path. A journey
/// renders the version that was current when its template version was published.
/// </summary>
public static class EmailEndpoints
{
    public static IEndpointRouteBuilder MapEmailEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/emails").WithTags("E-mails");

        group.MapPut("/{name}", PutAsync)
            .RequireAuthorization(Roles.TemplateWritePolicy)
            .WithName("PublishEmail")
            .WithSummary("Publish an e-mail")
            .WithDescription("Publishes {defaultLocale, locales: {\"nl-NL\": {subject, html, text?}}} as the next version of the e-mail (201), or answers 200 with the latest version when the content is the same. Validated first: locales (the default among them), a one-line subject and an HTML body per locale, Liquid that parses and stays under the Liquid limits, and only the variables an e-mail has (customer, data, event, journey, unsubscribe); 422 with every error at its path. Journeys started from a template version published before this e-mail version keep rendering the version that was current then.")
            .Accepts<EmailInput>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/", async (IEmailContentStore emails, CancellationToken cancellationToken) => TypedResults.Ok(await emails.ListEmailsAsync(cancellationToken)))
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithName("ListEmails")
            .WithSummary("List the e-mails published through the API")
            .WithDescription("The latest version of every e-mail published through /api/emails, by name (shipped .liquid files are not listed).")
            .Produces<IReadOnlyList<EmailContent>>();

        group.MapGet("/{name}", (string name, IEmailContentStore emails, CancellationToken cancellationToken) => GetAsync(name, null, emails, cancellationToken))
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithName("GetEmail")
            .WithSummary("The latest version of an e-mail")
            .WithDescription("The latest version of an e-mail published through the API, with its locales (Liquid sources); 404 when none.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{name}/versions/{version}", (string name, int version, IEmailContentStore emails, CancellationToken cancellationToken) => GetAsync(name, version, emails, cancellationToken))
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithName("GetEmailVersion")
            .WithSummary("One version of an e-mail")
            .WithDescription("A published version of an e-mail, as a template version pinned it; 404 when there is no such version.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{name}/preview", PreviewAsync)
            .RequireAuthorization(Roles.AnyRolePolicy)
            .WithName("PreviewEmail")
            .WithSummary("Render an e-mail for a sample customer")
            .WithDescription("Renders a published version (latest when version is left out) or a draft ({draft: {defaultLocale, locales}}, validated as for publishing) in a locale (the e-mail's rules: exact, by language, else its default) with sample customer and data (built-in samples when left out). Nothing is sent or stored.")
            .Accepts<EmailPreviewRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return routes;
    }

    private static async Task<Results<Created<EmailPublished>, Ok<EmailPublished>>> PutAsync(
        string name, HttpRequest request, IEmailContentStore emails, EmailContentValidator validator, TimeProvider time, CancellationToken cancellationToken)
    {
        CheckName(name);
        var body = await RequestBody.ReadJsonAsync<EmailInput>(request, cancellationToken, RequestBody.TemplateLimit);
        var content = Checked(name, body, validator);
        if (await emails.GetEmailAsync(name, null, cancellationToken) is { } latest && Same(latest, content))
        {
            return TypedResults.Ok(new EmailPublished(name, latest.Version, Created: false, VersionUri(name, latest.Version)));
        }

        var version = await emails.PublishEmailAsync(content, time.GetUtcNow(), cancellationToken);
        return TypedResults.Created(VersionUri(name, version), new EmailPublished(name, version, Created: true, VersionUri(name, version)));
    }

    private static async Task<Ok<EmailContent>> GetAsync(string name, int? version, IEmailContentStore emails, CancellationToken cancellationToken)
    {
        CheckName(name);
        return TypedResults.Ok(await PublishedAsync(name, version, emails, cancellationToken));
    }

    private static async Task<Ok<EmailPreview>> PreviewAsync(
        string name, HttpRequest request, IEmailContentStore emails, EmailContentValidator validator, [FromServices] LiquidRenderer renderer, CancellationToken cancellationToken)
    {
        CheckName(name);
        var body = await RequestBody.ReadJsonAsync<EmailPreviewRequest>(request, cancellationToken, RequestBody.TemplateLimit);
        EventDataRules.Check(body.Customer, "$.customer");
        EventDataRules.Check(body.Data, "$.data");
        var content = body.Draft is { } draft
            ? Checked(name, draft, validator, prefix: "$.draft")
            : await PublishedAsync(name, body.Version, emails, cancellationToken);
        var customer = body.Customer?.DeepClone().AsObject() ?? new JsonObject
        {
            ["firstName"] = "Anna", ["lastName"] = "de Vries", ["email"] = "anna@example.com", ["locale"] = body.Locale ?? content.DefaultLocale,
        };
        var locale = body.Locale ?? customer["locale"]?.ToString() ?? content.DefaultLocale;
        var model = new JsonObject
        {
            ["customer"] = customer,
            ["data"] = body.Data?.DeepClone() ?? new JsonObject { ["model"] = "Hybrid X" },
            ["journey"] = new JsonObject { ["id"] = "preview", ["templateId"] = "preview", ["templateVersion"] = 1, ["dealerId"] = "demo-dealer" },
            ["unsubscribe"] = new JsonObject { ["url"] = "https://example.com/u/preview" },
        };
        var text = content.For(locale);
        try
        {
            return TypedResults.Ok(new EmailPreview(name, body.Draft is null ? content.Version : null, locale,
                renderer.RenderLine(text.Subject, model), renderer.Render(text.Html, model, html: true), text.Text is null ? null : renderer.Render(text.Text, model, html: false)));
        }
        catch (Exception e) when (e is FormatException or LiquidLimitException)
        {
            throw ApiProblemException.Unprocessable("The e-mail does not render", e.Message, [new FieldError("$", e.Message)]);
        }
    }

    /// <summary>A published version (the latest when null), or 404 saying which is missing.</summary>
    private static async Task<EmailContent> PublishedAsync(string name, int? version, IEmailContentStore emails, CancellationToken cancellationToken) =>
        await emails.GetEmailAsync(name, version, cancellationToken)
            ?? throw ApiProblemException.NotFound(version is null ? $"No e-mail '{name}' is published through the API." : $"E-mail '{name}' has no version {version}.");

    /// <summary>The document as content, or 422 with every error at its path.</summary>
    private static EmailContent Checked(string name, EmailInput input, EmailContentValidator validator, string prefix = "$")
    {
        var locales = new Dictionary<string, EmailLocaleContent>(StringComparer.Ordinal);
        foreach (var (locale, text) in input.Locales ?? [])
        {
            locales[locale] = new EmailLocaleContent { Subject = text?.Subject ?? "", Html = text?.Html ?? "", Text = text?.Text };
        }

        var content = new EmailContent { Name = name, DefaultLocale = input.DefaultLocale ?? "", Locales = locales };
        var errors = validator.Validate(content);
        return errors.Count == 0
            ? content
            : throw ApiProblemException.Unprocessable("The e-mail is not valid",
                $"The e-mail has {errors.Count} error(s); nothing was published. Each error has its path.",
                [.. errors.Select(e => new FieldError(prefix + e.Path[1..], e.Message))]);
    }

    private static bool Same(EmailContent a, EmailContent b) =>
        a.DefaultLocale == b.DefaultLocale
        && JsonSerializer.Serialize(a.Locales.OrderBy(l => l.Key, StringComparer.Ordinal)) == JsonSerializer.Serialize(b.Locales.OrderBy(l => l.Key, StringComparer.Ordinal));

    private static void CheckName(string name)
    {
        if (!FileEmailTemplateSource.IsValidName(name))
        {
            throw ApiProblemException.Invalid("name", "An e-mail name is 1-100 of lowercase letters, digits, '-' and '_', starting with a letter or digit.");
        }
    }

    private static string VersionUri(string name, int version) => $"/api/emails/{Uri.EscapeDataString(name)}/versions/{version}";
}
