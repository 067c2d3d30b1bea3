using JourneyOrchestrator.Core.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Storage.AzureStorage;

public static class AzureStorageBuilderExtensions
{
    /// <summary>
    /// Uses the Azure Storage store (Tables, Queues, Blobs), shared by every process that points at the same account
    /// and <see cref="AzureStorageOptions.NamePrefix"/>. The options are validated here, before the host starts.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static JourneyOrchestratorBuilder UseAzureStorage(this JourneyOrchestratorBuilder builder, AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return builder.UseStore(sp => new AzureStorageJourneyStore(options, sp.GetService<ILoggerFactory>()?.CreateLogger<AzureStorageJourneyStore>()));
    }

    /// <inheritdoc cref="UseAzureStorage(JourneyOrchestratorBuilder, AzureStorageOptions)"/>
    public static JourneyOrchestratorBuilder UseAzureStorage(this JourneyOrchestratorBuilder builder, Action<AzureStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new AzureStorageOptions();
        configure(options);
        return builder.UseAzureStorage(options);
    }
}
