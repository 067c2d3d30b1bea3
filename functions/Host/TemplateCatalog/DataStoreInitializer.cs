using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;

namespace JourneyOrchestrator.Host.TemplateCatalog;

/// <summary>
/// The first hosted service: opens the data store, warms the template cache and publishes the shipped templates
/// (<c>{templates folder}/*.yaml</c>), before the runtime's workers start, so that no journey runs before its template is known.
/// A shipped template that does not validate stops the start-up with its errors.
/// </summary>
public sealed partial class DataStoreInitializer(
    JourneyHostSettings settings,
    IJourneyDataStore store,
    CachingTemplateCatalog catalog,
    TemplatePublisher publisher,
    ILogger<DataStoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        await catalog.WarmAsync(cancellationToken);
        if (!settings.PublishOnStartup)
        {
            return;
        }

        foreach (var (file, outcome) in await publisher.PublishFolderAsync(settings.TemplatesFolder, cancellationToken))
        {
            if (outcome.Created)
            {
                Log.Published(logger, outcome.Template.Id, outcome.Version, file);
            }
            else
            {
                Log.Unchanged(logger, outcome.Template.Id, outcome.Version);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Published template '{TemplateId}' version {Version} from {File}.")]
        public static partial void Published(ILogger logger, string templateId, int version, string file);

        [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Template '{TemplateId}' is unchanged; it stays at version {Version}.")]
        public static partial void Unchanged(ILogger logger, string templateId, int version);
    }
}
