using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Storage.Sqlite;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>
/// The one place where the host picks its stores from <c>Journeys:Storage:Provider</c> (<see cref="JourneyHostSettings.Storage"/>):
/// the runtime store (<see cref="UseRuntimeStore"/>) and the product data stores (<see cref="AddProductDataStores"/>).
/// </summary>
public static class JourneyStorageExtensions
{
    /// <summary>The runtime store: SQLite under the data folder, or Azure Tables, Queues and Blobs.</summary>
    public static JourneyOrchestratorBuilder UseRuntimeStore(this JourneyOrchestratorBuilder builder, JourneyHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        return settings.Storage switch
        {
            StorageProvider.AzureStorage => builder.UseAzureStorage(settings.AzureStorage!),
            _ => builder.UseSqliteStorage(options => options.Path = settings.RuntimeDatabasePath),
        };
    }

    /// <summary>
    /// The product data stores: <see cref="IJourneyDataStore"/> (templates, customers, tasks, touchpoints, mailbox) with the
    /// journey index <see cref="IJourneyIndex"/> (the same singleton, the same file or tables), and the
    /// delivery ledger (<c>IDeliveryStore</c>, <c>IDeadLetterStore</c>, registered by <c>AddJourneyDelivery</c>, which must run
    /// before this so that a provider here can replace them). SQLite files under the data folder, or, with
    /// <see cref="StorageProvider.AzureStorage"/>, the Azure Tables data stores on the same account and name prefix as the
    /// runtime store, so that any number of host processes share them.
    /// </summary>
    public static IServiceCollection AddProductDataStores(this IServiceCollection services, JourneyHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        switch (settings.Storage)
        {
            case StorageProvider.AzureStorage:
                // Shared by every host process on the account: templates, customers, tasks, touchpoints, mailbox, the
                // delivery ledger (never twice across processes), suppressions, webhook ids and dead letters.
                services.AddAzureStorageDataStores(settings.AzureStorage!);
                break;
            default:
                services.AddSingleton(_ => new SqliteJourneyDataStore(new SqliteStoreOptions { Path = settings.DataDatabasePath }));
                services.AddSingleton<IJourneyDataStore>(sp => sp.GetRequiredService<SqliteJourneyDataStore>());
                services.AddSingleton<IJourneyIndex>(sp => sp.GetRequiredService<SqliteJourneyDataStore>());
                break;
        }

        return services;
    }
}
