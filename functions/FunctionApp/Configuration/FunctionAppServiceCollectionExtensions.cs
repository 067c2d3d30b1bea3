using System.Diagnostics;
using Azure.Core.Serialization;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Delivery.DependencyInjection;
using JourneyOrchestrator.Api;
using JourneyOrchestrator.FunctionApp.Events;
using JourneyOrchestrator.FunctionApp.Http;
using JourneyOrchestrator.FunctionApp.Journeys;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Interpreter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JourneyOrchestrator.FunctionApp.Configuration;

public static class FunctionAppServiceCollectionExtensions
{
    /// <summary>
    /// What the orchestrator, activity and housekeeping functions need, with the registration methods the embedded host uses:
    /// the journey program (<c>AddJourneyTemplates</c>: interpreter, activities, Liquid, business calendar) on the task
    /// registry only (the Durable extension is the engine), delivery from <c>Journeys:Email</c> / <c>Journeys:Dealers</c>
    /// (<c>AddJourneyDelivery</c>: SendGrid or the dev mailbox, CRM webhooks, frequency cap, unsubscribe links), the product
    /// data and delivery ledger on Azure Tables (<c>AddAzureStorageDataStores</c>), the template catalog over them, and the
    /// worker's serializer set to the journey program's JSON (<see cref="JsonData"/>), so that inputs, outputs and events read
    /// the same as on the other engines.
    /// </summary>
    public static IServiceCollection AddJourneyFunctionApp(this IServiceCollection services, IConfiguration configuration, FunctionAppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        services.Configure<WorkerOptions>(o => o.Serializer = new JsonObjectSerializer(JsonData.Options));
        services.AddSingleton(settings);
        services.AddSingleton(settings.Retention);
        services.AddSingleton(new ErasureHasher(settings.ErasureHashKey)); // before AddJourneyTemplates, which only adds a default
        services.AddSingleton<CachingTemplateCatalog>();
        services.AddSingleton<ITemplateCatalog>(sp => sp.GetRequiredService<CachingTemplateCatalog>());
        services.AddJourneyTasks().AddJourneyTemplates(options =>
        {
            options.EmailTemplateFolder = settings.EmailTemplatesFolder;
            options.BusinessHours = settings.BusinessHours;
            options.Budget = settings.Budget;
        });
        services.AddJourneyDelivery(configuration);
        services.AddAzureStorageDataStores(settings.DataStorage); // after AddJourneyDelivery: replaces its SQLite ledger

        // The public API (functions/Api), served by one HTTP trigger through the shared pipeline, over the Durable
        // extension's client (bound by each invocation); the bulk event queue and its dead letters.
        services.AddRouting();
        // What the worker's ASP.NET Core host registers (the exception handler middleware needs it): also without that host.
        services.TryAddSingleton(_ => new DiagnosticListener("Microsoft.AspNetCore"));
        services.TryAddSingleton<DiagnosticSource>(sp => sp.GetRequiredService<DiagnosticListener>());
        services.AddJourneyApi(settings.Api);
        services.AddSingleton<BoundDurableTaskClient>();
        services.AddSingleton<DurableTaskClient>(sp => sp.GetRequiredService<BoundDurableTaskClient>());
        services.AddSingleton<ApiPipeline>();
        services.AddSingleton(_ => AzureQueues.Create(settings.DataStorage));
        services.AddSingleton<EventDeadLetters>();
        services.AddSingleton<QueuedCustomerEvents>();
        services.AddHostedService<DataStoreStartup>();
        return services;
    }
}
