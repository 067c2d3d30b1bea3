using System.Text.Json.Serialization;
using JourneyOrchestrator.Delivery;
using JourneyOrchestrator.Delivery.Crm;
using JourneyOrchestrator.Delivery.DependencyInjection;
using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Host.Clock;
using JourneyOrchestrator.Host.Endpoints;
using JourneyOrchestrator.Host.Journeys;
using JourneyOrchestrator.Host.Security;
using JourneyOrchestrator.Host.TemplateCatalog;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Interpreter;
using Microsoft.AspNetCore.Authentication;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>The host's wiring: <see cref="AddJourneyHost"/> registers everything, <see cref="MapJourneyHost"/> the pipeline and routes.</summary>
public static class JourneyHostExtensions
{
    /// <exception cref="HostConfigurationException">The <c>Journeys</c> configuration is unusable.</exception>
    public static WebApplicationBuilder AddJourneyHost(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = JourneyHostSettings.Resolve(builder.Configuration, builder.Environment);
        var services = builder.Services;
        services.AddSingleton(settings);

        // Bodies: the largest route limit (templates: Journeys:Templates:Limits:MaxDocumentBytes, at least 1 MiB) at the
        // server; each route enforces its own (RequestBody).
        var largestBody = Math.Max(settings.TemplateLimits.MaxDocumentBytes, RequestBody.TemplateLimit);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = largestBody + 1024L);

        // Time: the manual clock (Development, embedded engine) or the wall clock, for the engine and everything else.
        var manual = new ManualTimeProvider(settings.ManualClockStart ?? TruncateToSecond(TimeProvider.System.GetUtcNow()));
        services.AddSingleton(manual);
        services.AddSingleton<TimeProvider>(settings.Clock == ClockMode.Manual ? manual : TimeProvider.System);

        // The template cache and publisher (the data store itself: AddProductDataStores below). The initializer is the first
        // hosted service: the data store is open and the shipped templates are published before the engine's workers start.
        services.AddSingleton<CachingTemplateCatalog>();
        services.AddSingleton<ITemplateCatalog>(sp => sp.GetRequiredService<CachingTemplateCatalog>());
        services.AddSingleton(settings.TemplateLimits);
        services.AddSingleton<TemplatePublisher>();
        services.AddHostedService<DataStoreInitializer>();
        services.AddSingleton(new ErasureHasher(settings.ErasureHashKey)); // before AddJourneyTemplates, which only adds a default

        // The engine (embedded on SQLite, or DTFx over DurableTask.AzureStorage) with the journey interpreter and its activities.
        services.AddJourneyEngine(settings, builder.Configuration)
            .AddJourneyTemplates(options =>
            {
                options.EmailTemplateFolder = settings.EmailTemplatesFolder;
                options.BusinessHours = settings.BusinessHours;
                options.Validation = settings.TemplateValidation;
                options.Liquid = settings.TemplateValidation.Liquid;
                options.Budget = settings.Budget;
            });

        // CRM webhooks: https only outside Development (exit code 2 with the setting named otherwise).
        var crmProblems = HttpCrmTaskPusher.Check(
            DealerConfiguration.Read(builder.Configuration).Where(d => d.Value.Crm is not null).ToDictionary(d => d.Key, d => d.Value.Crm!, StringComparer.Ordinal),
            allowPlainHttp: builder.Environment.IsDevelopment());
        if (crmProblems.Count > 0)
        {
            throw new HostConfigurationException(crmProblems);
        }

        // Delivery: the dev mailbox or SendGrid (Journeys:Email), frequency cap, unsubscribe links and the SendGrid webhook
        // (docs/delivery.md); then the data stores, the durable delivery ledger among them (replacing delivery's defaults).
        services.AddJourneyDelivery(builder.Configuration);
        services.AddProductDataStores(settings);

        if (settings.Clock == ClockMode.Manual)
        {
            // The embedded engine's dispatcher and activities, driven by the manual clock (its own worker loops are off).
            services.AddSingleton<ManualClockDriver>();
            services.AddHostedService(sp => sp.GetRequiredService<ManualClockDriver>());
        }

        services.AddSingleton(new JourneyIds(settings.ErasureHashKey)); // keyed with the erasure hash key (one secret), under its own label
        // The journey API over the SDK's DurableTaskClient (whichever engine registered it) and the journey index.
        services.AddSingleton<JourneyLookup>();
        services.AddSingleton<JourneyStarter>();
        services.AddSingleton<JourneyCommands>();
        services.AddSingleton<JourneyQueries>();
        services.AddSingleton<CustomerEventRouter>();
        if (settings.Storage == StorageProvider.Sqlite)
        {
            // An embedded store from before the journey index: every journey gets its row once, before requests are served.
            services.AddHostedService<JourneyIndexBackfill>();
        }
        services.AddSingleton<CustomerErasureService>();

        // API: JSON, problem details for every error, API keys and roles, OpenAPI.
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
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddSingleton<ApiKeyStore>();
        services.AddJourneyRateLimits(RateLimitOptions.Resolve(builder.Configuration));
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.DealerPolicy, p => p.RequireRole(Roles.Dealer, Roles.Admin))
            .AddPolicy(Roles.TemplateWritePolicy, p => p.RequireRole(Roles.Marketing, Roles.Admin))
            .AddPolicy(Roles.AnyRolePolicy, p => p.RequireRole(Roles.Dealer, Roles.Marketing, Roles.Admin))
            .AddPolicy(Roles.AdminPolicy, p => p.RequireRole(Roles.Admin));
        services.AddOpenApi(o => o.AddDocumentTransformer<OpenApiDocumentTransformer>().AddOperationTransformer(OpenApiDocumentTransformer.AddKeyResponses));
        return builder;
    }

    public static WebApplication MapJourneyHost(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<JourneyHostSettings>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseRateLimiter(); // per API key: after authentication, which names the key
        app.UseAuthorization();

        app.MapOpenApi().AllowAnonymous();
        app.MapHealthEndpoints();
        app.MapJourneyEndpoints();
        app.MapCustomerEndpoints();
        app.MapErasureEndpoints();
        app.MapTemplateEndpoints();
        app.MapTaskEndpoints();
        app.MapDeliveryEndpoints();
        app.MapDeadLetterEndpoints().RequireAuthorization(Roles.AdminPolicy);

        // /api/dev/*: only in Development (outside it they do not exist: 404 like any unknown route).
        if (app.Environment.IsDevelopment())
        {
            app.MapMailboxEndpoints();
            if (settings.Clock == ClockMode.Manual)
            {
                app.MapManualClockEndpoints();
            }
        }

        return app;
    }

    private static DateTimeOffset TruncateToSecond(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);
}
