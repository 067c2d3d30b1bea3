using System.Text.RegularExpressions;
using Azure.Core;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>
/// The storage account and name prefix of the product data stores on Azure Tables and Blobs
/// (<see cref="Data.AzureStorageJourneyDataStore"/>, <see cref="Delivery.AzureStorageDeliveryStore"/>). Bound from
/// <c>Journeys:Storage:AzureStorage</c> by the host (environment: <c>Journeys__Storage__AzureStorage__ConnectionString</c>,
/// <c>..__AccountName</c>, <c>..__NamePrefix</c>, ...), whose <c>DurableTaskAzureStorage</c> engine runs on the same account.
/// </summary>
/// <remarks>
/// Either <see cref="ConnectionString"/> (shared key or SAS; Azurite in development and tests) or an identity-based
/// account: <see cref="AccountName"/> (or the three service URIs) with <see cref="Credential"/>, which defaults to
/// <c>DefaultAzureCredential</c> (managed identity on Azure; <see cref="ManagedIdentityClientId"/> selects a user-assigned one).
/// </remarks>
public sealed partial class AzureStorageOptions
{
    /// <summary>A storage connection string. When set, the account settings below are ignored.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The storage account name: the service URIs default to <c>https://{name}.{table|queue|blob}.core.windows.net</c>.</summary>
    public string? AccountName { get; set; }

    public Uri? TableServiceUri { get; set; }
    public Uri? BlobServiceUri { get; set; }

    /// <summary>The identity used with <see cref="AccountName"/> or the service URIs; <c>DefaultAzureCredential</c> when null.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>Client id of a user-assigned managed identity, used when <see cref="Credential"/> is null.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>The queue service; not used by the data stores, but by an engine on the same account (identity-based service URIs).</summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>
    /// Prefix of every table and container name (lowercase letters and digits, starting with a letter, at most 24
    /// characters): the product data stores' tables <c>{prefix}Templates</c>,
    /// <c>{prefix}Customers</c>, <c>{prefix}Tasks</c>, <c>{prefix}Touchpoints</c>, <c>{prefix}Mailbox</c>, <c>{prefix}Sends</c>,
    /// <c>{prefix}Suppressions</c>, <c>{prefix}WebhookEvents</c>, <c>{prefix}DeadLetters</c> and container <c>{prefix}-data</c>.
    /// Deployments (and tests) sharing one account use different prefixes.
    /// </summary>
    public string NamePrefix { get; set; } = "journeys";

    /// <summary>A product data record or template source longer than this many characters goes to a blob. 1,000..30,000.</summary>
    public int InlinePayloadLimit { get; set; } = 16_000;

    /// <summary>A pipeline policy added to every client (tests count the storage requests).</summary>
    internal Azure.Core.Pipeline.HttpPipelinePolicy? RequestPolicyForTests { get; set; }

    /// <exception cref="ArgumentException">A value is missing or out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(AccountName)
            && (TableServiceUri is null || QueueServiceUri is null || BlobServiceUri is null))
        {
            throw new ArgumentException(
                "AzureStorageOptions needs a ConnectionString, an AccountName, or all of TableServiceUri, QueueServiceUri and BlobServiceUri.",
                nameof(ConnectionString));
        }

        if (NamePrefix is null || !PrefixPattern().IsMatch(NamePrefix))
        {
            throw new ArgumentException(
                $"AzureStorageOptions.NamePrefix '{NamePrefix}' must be 1-24 lowercase letters or digits starting with a letter.", nameof(NamePrefix));
        }

        if (InlinePayloadLimit is < 1_000 or > 30_000)
        {
            throw new ArgumentOutOfRangeException(nameof(InlinePayloadLimit), InlinePayloadLimit, "InlinePayloadLimit must be between 1,000 and 30,000 characters.");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9]{0,23}$")]
    private static partial Regex PrefixPattern();
}
