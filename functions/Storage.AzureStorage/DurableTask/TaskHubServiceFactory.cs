using Azure.Identity;
using DurableTask.AzureStorage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>Builds DurableTask.AzureStorage's orchestration service from <see cref="DurableTaskAzureStorageOptions"/>.</summary>
public static class TaskHubServiceFactory
{
    /// <summary>
    /// A new <see cref="AzureStorageOrchestrationService"/> (one per worker start: DTFx cannot restart a stopped one; the
    /// client keeps its own). It also implements <c>IOrchestrationServiceClient</c>, <c>IOrchestrationServiceQueryClient</c>
    /// and <c>IOrchestrationServicePurgeClient</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static AzureStorageOrchestrationService Create(DurableTaskAzureStorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return new AzureStorageOrchestrationService(Settings(options, loggerFactory));
    }

    /// <summary>The DurableTask.AzureStorage settings the options stand for.</summary>
    public static AzureStorageOrchestrationServiceSettings Settings(DurableTaskAzureStorageOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = options.TaskHubName,
            StorageAccountClientProvider = Account(options),
            PartitionCount = options.PartitionCount,
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
            WorkerId = options.WorkerId,
            LeaseInterval = options.LeaseInterval,
            LeaseRenewInterval = options.LeaseRenewInterval,
            LeaseAcquireInterval = options.LeaseAcquireInterval,
            ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,
            WorkItemQueueVisibilityTimeout = options.WorkItemQueueVisibilityTimeout,
            // A start whose dedupe statuses match the existing instance fails (OrchestrationAlreadyExistsException) instead
            // of being dropped without a word.
            ThrowExceptionOnInvalidDedupeStatus = true,
            LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance,
        };
    }

    private static StorageAccountClientProvider Account(DurableTaskAzureStorageOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new StorageAccountClientProvider(options.ConnectionString);
        }

        var credential = options.Credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
        return options is { BlobServiceUri: { } blob, QueueServiceUri: { } queue, TableServiceUri: { } table }
            ? new StorageAccountClientProvider(blob, queue, table, credential)
            : new StorageAccountClientProvider(options.AccountName!, credential);
    }
}
