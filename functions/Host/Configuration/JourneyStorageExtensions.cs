using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Storage.AzureStorage.DurableTask;
using JourneyOrchestrator.Storage.Sqlite;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.Extensions.DependencyInjection.Extensions;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>
/// The one place where the host picks its engine and stores from <c>Journeys:Storage:Provider</c> (<see cref="JourneyHostSettings.Storage"/>):
/// the engine (<see cref="AddJourneyEngine"/>) and the product data stores (<see cref="AddProductDataStores"/>).
/// </summary>
public static class JourneyStorageExtensions
{
    /// <summary>
    /// The engine that runs the journeys, with the SDK's <see cref="Microsoft.DurableTask.Client.DurableTaskClient"/> over it:
    /// the embedded engine on SQLite under the data folder (tuned by <c>Journeys:Runtime</c>; its worker loops are off with the
    /// manual clock, whose driver runs them), or, with <see cref="StorageProvider.DurableTaskAzureStorage"/>, the Durable Task
    /// Framework over DurableTask.AzureStorage (a hosted worker unless <c>RunWorker</c> is false, and the
    /// <see cref="DurableTaskAzureStorageClient"/>); then no embedded store, client or worker is registered.
    /// </summary>
    public static JourneyOrchestratorBuilder AddJourneyEngine(this IServiceCollection services, JourneyHostSettings settings, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(configuration);
        if (settings.Storage == StorageProvider.DurableTaskAzureStorage)
        {
            return services.AddJourneyTasks().UseDurableTaskAzureStorage(settings.DurableTask!);
        }

        return services.AddJourneyOrchestrator(options =>
            {
                configuration.GetSection("Journeys:Runtime").Bind(options);
                if (settings.Clock == ClockMode.Manual)
                {
                    options.RunWorkers = false; // the manual-clock driver runs the dispatcher and activities instead
                }
            })
            .UseSqliteStorage(options => options.Path = settings.RuntimeDatabasePath);
    }

    /// <summary>
    /// The product data stores: <see cref="IJourneyDataStore"/> (templates, customers, tasks, touchpoints, mailbox) with the
    /// journey index <see cref="IJourneyIndex"/> (the same singleton, the same file or tables), and the
    /// delivery ledger (<c>IDeliveryStore</c>, <c>IDeadLetterStore</c>, registered by <c>AddJourneyDelivery</c>, which must run
    /// before this so that a provider here can replace them). SQLite files under the data folder, or, with
    /// <see cref="StorageProvider.DurableTaskAzureStorage"/>, the Azure Tables data stores on the engine's account (name prefix
    /// <c>Journeys:Storage:AzureStorage:NamePrefix</c>), so that any number of host processes share them.
    /// </summary>
    public static IServiceCollection AddProductDataStores(this IServiceCollection services, JourneyHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        switch (settings.Storage)
        {
            case StorageProvider.DurableTaskAzureStorage:
                // Shared by every host process on the account: templates, customers, tasks, touchpoints, mailbox, the
                // delivery ledger (never twice across processes), suppressions, webhook ids and dead letters.
                services.AddAzureStorageDataStores(settings.AzureStorage!);
                break;
            default:
                services.AddSingleton(_ => new SqliteJourneyDataStore(new SqliteStoreOptions { Path = settings.DataDatabasePath }));
                services.AddSingleton<IJourneyDataStore>(sp => sp.GetRequiredService<SqliteJourneyDataStore>());
                services.AddSingleton<IJourneyIndex>(sp => sp.GetRequiredService<SqliteJourneyDataStore>());
                services.AddSingleton<IEmailContentStore>(sp => sp.GetRequiredService<SqliteJourneyDataStore>());
                // The delivery ledger, suppressions, webhook ids and dead letters: one more file beside the others.
                services.Replace(ServiceDescriptor.Singleton<IDeliveryStore>(_ => new SqliteDeliveryStore(settings.DeliveryDatabasePath)));
                break;
        }

        return services;
    }
}
