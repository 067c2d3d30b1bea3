using JourneyOrchestrator.Host.ConsoleSite;
using JourneyOrchestrator.Api;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Delivery.Crm;
using JourneyOrchestrator.Delivery.DependencyInjection;
using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Host.Clock;
using JourneyOrchestrator.Host.Journeys;
using JourneyOrchestrator.Host.TemplateCatalog;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Interpreter;

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

        if (settings.Storage == StorageProvider.Sqlite)
        {
            // An embedded store from before the journey index: every journey gets its row once, before requests are served.
            services.AddHostedService<JourneyIndexBackfill>();
        }

        // The public API (functions/Api): the same routes, bodies, problems, keys and roles as the Function app.
        services.AddJourneyApi(new JourneyApiSettings
        {
            ApiKeys = settings.ApiKeys,
            ErasureHashKey = settings.ErasureHashKey,
            TemplateLimits = settings.TemplateLimits,
            RateLimits = RateLimitOptions.Resolve(builder.Configuration),
            Host = settings.Storage == StorageProvider.DurableTaskAzureStorage
                ? new ApiHostInfo("DurableTaskAzureStorage", settings.Clock.ToString(), settings.DurableTask!.TaskHubName)
                : new ApiHostInfo("Embedded", settings.Clock.ToString()),
            Development = builder.Environment.IsDevelopment(),
        });
        return builder;
    }

    public static WebApplication MapJourneyHost(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<JourneyHostSettings>();
        app.UseJourneyApi();
        app.MapJourneyApi();

        // /api/dev/clock: the manual clock, only in Development with Journeys__Clock=Manual (otherwise the routes do not exist).
        if (app.Environment.IsDevelopment() && settings.Clock == ClockMode.Manual)
        {
            app.MapManualClockEndpoints();
        }

        app.MapConsole();
        return app;
    }

    private static DateTimeOffset TruncateToSecond(DateTimeOffset time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), time.Offset);
}
