using Azure.Identity;
using Azure.Storage.Queues;
using JourneyOrchestrator.Storage.AzureStorage;

namespace JourneyOrchestrator.FunctionApp.Events;

/// <summary>The queue service of the product data's account (the Functions host's own unless set apart).</summary>
public static class AzureQueues
{
    public static QueueServiceClient Create(AzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return new QueueServiceClient(options.ConnectionString);
        }

        var credential = options.Credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
        return new QueueServiceClient(options.QueueServiceUri ?? new Uri($"https://{options.AccountName}.queue.core.windows.net"), credential);
    }
}
