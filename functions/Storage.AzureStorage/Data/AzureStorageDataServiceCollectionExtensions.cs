using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Storage.AzureStorage.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Storage.AzureStorage;

public static class AzureStorageDataServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Azure Tables product data stores as singletons, replacing any registered before:
    /// <see cref="IJourneyDataStore"/> and <see cref="IJourneyIndex"/> (one <see cref="AzureStorageJourneyDataStore"/>) and <see cref="IDeliveryStore"/> plus
    /// <see cref="IDeadLetterStore"/> (one <see cref="AzureStorageDeliveryStore"/>). Call it after <c>AddJourneyDelivery</c>, which
    /// registers the SQLite delivery store. The host passes the account it gives the DurableTaskAzureStorage engine, so one setting
    /// configures the engine and the data (tables named by <see cref="AzureStorageOptions.NamePrefix"/>). Validated here, before the host starts.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IServiceCollection AddAzureStorageDataStores(this IServiceCollection services, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.Replace(ServiceDescriptor.Singleton(sp =>
            new AzureStorageJourneyDataStore(options, sp.GetService<ILoggerFactory>()?.CreateLogger<AzureStorageJourneyDataStore>())));
        services.Replace(ServiceDescriptor.Singleton<IJourneyDataStore>(sp => sp.GetRequiredService<AzureStorageJourneyDataStore>()));
        services.Replace(ServiceDescriptor.Singleton<IJourneyIndex>(sp => sp.GetRequiredService<AzureStorageJourneyDataStore>()));
        services.Replace(ServiceDescriptor.Singleton<IEmailContentStore>(sp => sp.GetRequiredService<AzureStorageJourneyDataStore>()));
        services.Replace(ServiceDescriptor.Singleton(sp =>
            new AzureStorageDeliveryStore(options, sp.GetService<ILoggerFactory>()?.CreateLogger<AzureStorageDeliveryStore>())));
        services.Replace(ServiceDescriptor.Singleton<IDeliveryStore>(sp => sp.GetRequiredService<AzureStorageDeliveryStore>()));
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(sp => sp.GetRequiredService<AzureStorageDeliveryStore>()));
        return services;
    }

    /// <inheritdoc cref="AddAzureStorageDataStores(IServiceCollection, AzureStorageOptions)"/>
    public static IServiceCollection AddAzureStorageDataStores(this IServiceCollection services, Action<AzureStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new AzureStorageOptions();
        configure(options);
        return services.AddAzureStorageDataStores(options);
    }
}
