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

        var files = Directory.Exists(settings.TemplatesFolder)
            ? Directory.GetFiles(settings.TemplatesFolder, "*.yaml").Concat(Directory.GetFiles(settings.TemplatesFolder, "*.yml")).Order(StringComparer.Ordinal).ToList()
            : [];
        foreach (var file in files)
        {
            var text = await File.ReadAllTextAsync(file, cancellationToken);
            var result = publisher.Validate(text, "application/yaml");
            if (!result.IsValid)
            {
                throw new HostConfigurationException(
                    [$"The shipped template '{file}' is not valid:", .. result.Errors.Select(e => "    " + e)]);
            }

            var outcome = await publisher.PublishAsync(result.Template!, text, "application/yaml", cancellationToken);
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
