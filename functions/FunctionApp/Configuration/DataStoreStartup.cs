using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using Microsoft.Extensions.Hosting;

namespace JourneyOrchestrator.FunctionApp.Configuration;

/// <summary>
/// Opens the product data store (creates its tables when missing) and warms the template cache when the worker starts,
/// before it takes invocations. Publishing templates is the API's work (not in this app yet).
/// </summary>
public sealed class DataStoreStartup(IJourneyDataStore store, CachingTemplateCatalog catalog) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        await catalog.WarmAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
