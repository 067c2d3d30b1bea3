using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.FunctionApp.Events;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.FunctionApp.Configuration;

/// <summary>
/// When the worker starts, before it takes invocations: opens the product data store (creates its tables when missing),
/// warms the template cache, publishes the shipped templates (<c>templates/*.yaml</c> beside the app, unless
/// <c>Journeys__Templates__PublishOnStartup=false</c>; an unchanged one keeps its version, an invalid one stops the start)
/// and creates the bulk event queue and its dead-letter queue.
/// </summary>
public sealed partial class DataStoreStartup(
    IJourneyDataStore store, CachingTemplateCatalog catalog, TemplatePublisher publisher, EventDeadLetters events, FunctionAppSettings settings,
    ILogger<DataStoreStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        await catalog.WarmAsync(cancellationToken);
        if (settings.PublishOnStartup)
        {
            foreach (var (file, outcome) in await publisher.PublishFolderAsync(settings.TemplatesFolder, cancellationToken))
            {
                Log.Published(logger, outcome.Template.Id, outcome.Version, outcome.Created, file);
            }
        }

        await events.InitializeAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Template '{TemplateId}' is at version {Version} (new: {Created}) from {File}.")]
        public static partial void Published(ILogger logger, string templateId, int version, bool created, string file);
    }
}
