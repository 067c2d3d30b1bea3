using System.Text.RegularExpressions;
using Azure.Core;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>
/// Options of <see cref="AzureStorageJourneyStore"/>. Bound from <c>Journeys:Storage:AzureStorage</c> by the host
/// (environment: <c>Journeys__Storage__AzureStorage__ConnectionString</c>, <c>..__AccountName</c>, <c>..__NamePrefix</c>, ...).
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
    public Uri? QueueServiceUri { get; set; }
    public Uri? BlobServiceUri { get; set; }

    /// <summary>The identity used with <see cref="AccountName"/> or the service URIs; <c>DefaultAzureCredential</c> when null.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>Client id of a user-assigned managed identity, used when <see cref="Credential"/> is null.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// Prefix of every table, queue and container name (lowercase letters and digits, starting with a letter, at most 24
    /// characters): tables <c>{prefix}Instances</c> and <c>{prefix}Schedule</c>, queues <c>{prefix}-control-NN</c> and
    /// <c>{prefix}-workitems</c>, container <c>{prefix}-payloads</c>; the product data stores' tables <c>{prefix}Templates</c>,
    /// <c>{prefix}Customers</c>, <c>{prefix}Tasks</c>, <c>{prefix}Touchpoints</c>, <c>{prefix}Mailbox</c>, <c>{prefix}Sends</c>,
    /// <c>{prefix}Suppressions</c>, <c>{prefix}WebhookEvents</c>, <c>{prefix}DeadLetters</c> and container <c>{prefix}-data</c>.
    /// Deployments (and tests) sharing one account use different prefixes.
    /// </summary>
    public string NamePrefix { get; set; } = "journeys";

    /// <summary>
    /// How many control queues and schedule partitions the work is spread over (by a stable hash of the instance id).
    /// 1..32; set once per deployment: a changed count leaves due entries in partitions nobody reads until the
    /// start-up sweep of a worker rebuilds them.
    /// </summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>The first back-off step after an empty poll.</summary>
    public TimeSpan MinPollingInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest an idle worker waits between two looks at the doorbell queues (exponential back-off up to this cap).
    /// Work written by this process, and timers this process knows of, are picked up at once whatever the back-off.
    /// </summary>
    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often an idle worker reads the schedule table even though no doorbell rang (the safety net for lost doorbells).</summary>
    public TimeSpan SchedulePollInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often a worker repeats the recovery sweep (rows changed since the previous sweep, with an overlap).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a received doorbell stays invisible to other workers (the queue lease) before it rings again elsewhere.</summary>
    public TimeSpan DoorbellLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most messages one orchestration work item carries (the rest wait for the next episode). 1..60.</summary>
    public int MaxMessagesPerWorkItem { get; set; } = 40;

    /// <summary>Text longer than this many characters (payloads, inputs, outputs, events; product data records and template sources) goes to a blob. 1,000..30,000.</summary>
    public int InlinePayloadLimit { get; set; } = 16_000;

    /// <summary>
    /// The real clock, used only to pace polling and to compute queue visibility delays (Azure's queues run on real time).
    /// Visibility and lock expiry of work are always decided by the <c>now</c> the runtime passes in.
    /// </summary>
    public TimeProvider PacingClock { get; set; } = TimeProvider.System;

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

        if (PartitionCount is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(PartitionCount), PartitionCount, "PartitionCount must be between 1 and 32.");
        }

        RequireRange(MinPollingInterval, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1), nameof(MinPollingInterval));
        RequireRange(MaxPollingInterval, MinPollingInterval, TimeSpan.FromMinutes(10), nameof(MaxPollingInterval));
        RequireRange(SchedulePollInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), nameof(SchedulePollInterval));
        RequireRange(SweepInterval, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1), nameof(SweepInterval));
        RequireRange(DoorbellLease, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), nameof(DoorbellLease));
        if (MaxMessagesPerWorkItem is < 1 or > 60)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessagesPerWorkItem), MaxMessagesPerWorkItem, "MaxMessagesPerWorkItem must be between 1 and 60.");
        }

        if (InlinePayloadLimit is < 1_000 or > 30_000)
        {
            throw new ArgumentOutOfRangeException(nameof(InlinePayloadLimit), InlinePayloadLimit, "InlinePayloadLimit must be between 1,000 and 30,000 characters.");
        }

        ArgumentNullException.ThrowIfNull(PacingClock, nameof(PacingClock));
    }

    private static void RequireRange(TimeSpan value, TimeSpan min, TimeSpan max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9]{0,23}$")]
    private static partial Regex PrefixPattern();
}
