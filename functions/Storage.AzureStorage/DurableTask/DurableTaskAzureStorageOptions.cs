using System.Text.RegularExpressions;
using Azure.Core;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>
/// Options of the self-hosted cluster engine: Microsoft's Durable Task Framework (<c>TaskHubWorker</c>) over
/// DurableTask.AzureStorage. Every process that points at the same account and <see cref="TaskHubName"/> shares the work.
/// Bound from <c>Journeys:Storage:DurableTaskAzureStorage</c> by a host (environment:
/// <c>Journeys__Storage__DurableTaskAzureStorage__ConnectionString</c>, <c>..__TaskHubName</c>, ...).
/// </summary>
/// <remarks>
/// Either <see cref="ConnectionString"/> (shared key or SAS; Azurite in development and tests) or an identity-based
/// account: <see cref="AccountName"/> (or the three service URIs) with <see cref="Credential"/>, which defaults to
/// <c>DefaultAzureCredential</c> (<see cref="ManagedIdentityClientId"/> selects a user-assigned managed identity).
/// </remarks>
public sealed partial class DurableTaskAzureStorageOptions
{
    /// <summary>The configuration section a host binds (<c>Journeys:Storage:DurableTaskAzureStorage</c>).</summary>
    public const string SectionName = "Journeys:Storage:DurableTaskAzureStorage";

    /// <summary>A storage connection string. When set, the account settings below are ignored.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The storage account name: the service URIs default to <c>https://{name}.{blob|queue|table}.core.windows.net</c>.</summary>
    public string? AccountName { get; set; }

    public Uri? BlobServiceUri { get; set; }
    public Uri? QueueServiceUri { get; set; }
    public Uri? TableServiceUri { get; set; }

    /// <summary>The identity used with <see cref="AccountName"/> or the service URIs; <c>DefaultAzureCredential</c> when null.</summary>
    public TokenCredential? Credential { get; set; }

    /// <summary>Client id of a user-assigned managed identity, used when <see cref="Credential"/> is null.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>
    /// The task hub: 3-45 letters or digits, starting with a letter. DurableTask.AzureStorage names its queues
    /// <c>{hub}-control-NN</c> and <c>{hub}-workitems</c>, its tables <c>{hub}Instances</c>, <c>{hub}History</c> and
    /// <c>{hub}Partitions</c>, its containers <c>{hub}-leases</c> and <c>{hub}-largemessages</c> (lowercased where Azure asks).
    /// Deployments (and tests) sharing one account use different hubs.
    /// </summary>
    public string TaskHubName { get; set; } = "journeys";

    /// <summary>
    /// How many control queues (partitions) the orchestrations are spread over; 1..16 (DurableTask.AzureStorage's limit).
    /// Set once per task hub: it is fixed when the hub is created.
    /// </summary>
    public int PartitionCount { get; set; } = 4;

    /// <summary>
    /// The longest an idle worker waits between two looks at a queue (DurableTask.AzureStorage backs off up to this cap;
    /// its own default is 30 s). It bounds how late a due timer or a new event is picked up by an idle worker.
    /// </summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longer durable timers are split into pieces of at most this length (the SDK shim's <c>MaximumTimerInterval</c>;
    /// Azure queues hide a message for at most 7 days). 2 s .. 6 days; tests set it small to exercise the splitting. Not
    /// less: DurableTask.AzureStorage hides a timer message for whole seconds, so a piece under 2 s is visible at once and
    /// the pieces fire back to back, hundreds of history events per wait (measured on Azurite with 1 s).
    /// </summary>
    public TimeSpan MaximumTimerInterval { get; set; } = TimeSpan.FromDays(3);

    /// <summary>
    /// How long a process's partition lease lasts without renewal (DurableTask.AzureStorage's <c>LeaseInterval</c>, default
    /// 30 s): after a crash, the partitions of the dead process move to a live one within about this time. 2 s .. 5 min.
    /// </summary>
    public TimeSpan LeaseInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a process renews its leases (<c>LeaseRenewInterval</c>, default 10 s); less than <see cref="LeaseInterval"/>.</summary>
    public TimeSpan LeaseRenewInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a process looks for partitions to take (<c>LeaseAcquireInterval</c>, default 10 s). 500 ms .. 5 min.</summary>
    public TimeSpan LeaseAcquireInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a dequeued orchestration message stays hidden (<c>ControlQueueVisibilityTimeout</c>, default 5 min): a message
    /// a dead process had taken reappears after this. 5 s .. 1 h; well above the longest episode.
    /// </summary>
    public TimeSpan ControlQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a dequeued activity message stays hidden (<c>WorkItemQueueVisibilityTimeout</c>, default 5 min): an activity
    /// a dead process was running runs again after this (the delivery ledger keeps an e-mail from going out twice). 5 s .. 1 h;
    /// well above the slowest activity (a slow SendGrid call), or a live worker's activity runs twice.
    /// </summary>
    public TimeSpan WorkItemQueueVisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many activities one process runs at once.</summary>
    public int MaxConcurrentActivities { get; set; } = 10;

    /// <summary>How many orchestration episodes one process runs at once.</summary>
    public int MaxConcurrentOrchestrations { get; set; } = 100;

    /// <summary>
    /// This process's name in the partition leases (default: <c>{machine name}-{process id}</c>, so that several processes on
    /// one machine never hold a lease under one name). Two live processes must never share it: DurableTask.AzureStorage would
    /// let both work the same partitions.
    /// </summary>
    public string WorkerId { get; set; } = FormattableString.Invariant($"{Environment.MachineName}-{Environment.ProcessId}");

    /// <summary>
    /// Whether this process runs a worker (a hosted <see cref="DurableTaskAzureStorageWorker"/>). False for a process
    /// that only starts, queries and signals journeys through the <see cref="DurableTaskAzureStorageClient"/>.
    /// </summary>
    public bool RunWorker { get; set; } = true;

    /// <summary>How often the client polls an instance while waiting for it to start or finish.</summary>
    public TimeSpan ClientPollingInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The longest <see cref="DurableTaskAzureStorageClient.RaiseEventAsync"/> waits for a <c>Pending</c> instance to start
    /// before it sends the event anyway (DurableTask.AzureStorage can drop an event that reaches a just-started instance before
    /// its start message is processed; see the client). 0 .. 1 minute; zero sends at once.
    /// </summary>
    public TimeSpan EventStartWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <exception cref="ArgumentException">A value is missing or out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(AccountName)
            && (TableServiceUri is null || QueueServiceUri is null || BlobServiceUri is null))
        {
            throw new ArgumentException(
                "DurableTaskAzureStorageOptions needs a ConnectionString, an AccountName, or all of BlobServiceUri, QueueServiceUri and TableServiceUri.",
                nameof(ConnectionString));
        }

        if (TaskHubName is null || !TaskHubPattern().IsMatch(TaskHubName))
        {
            throw new ArgumentException(
                $"DurableTaskAzureStorageOptions.TaskHubName '{TaskHubName}' must be 3-45 letters or digits starting with a letter.", nameof(TaskHubName));
        }

        if (PartitionCount is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(PartitionCount), PartitionCount, "PartitionCount must be between 1 and 16.");
        }

        RequireRange(MaxQueuePollingInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1), nameof(MaxQueuePollingInterval));
        RequireRange(MaximumTimerInterval, TimeSpan.FromSeconds(2), TimeSpan.FromDays(6), nameof(MaximumTimerInterval));
        RequireRange(LeaseInterval, TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(5), nameof(LeaseInterval));
        RequireRange(LeaseRenewInterval, TimeSpan.FromMilliseconds(500), LeaseInterval - TimeSpan.FromMilliseconds(1), nameof(LeaseRenewInterval));
        RequireRange(LeaseAcquireInterval, TimeSpan.FromMilliseconds(500), TimeSpan.FromMinutes(5), nameof(LeaseAcquireInterval));
        RequireRange(ControlQueueVisibilityTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), nameof(ControlQueueVisibilityTimeout));
        RequireRange(WorkItemQueueVisibilityTimeout, TimeSpan.FromSeconds(5), TimeSpan.FromHours(1), nameof(WorkItemQueueVisibilityTimeout));
        RequireRange(ClientPollingInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(30), nameof(ClientPollingInterval));
        RequireRange(EventStartWait, TimeSpan.Zero, TimeSpan.FromMinutes(1), nameof(EventStartWait));
        if (MaxConcurrentActivities is < 1 or > 1_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentActivities), MaxConcurrentActivities, "MaxConcurrentActivities must be between 1 and 1,000.");
        }

        if (MaxConcurrentOrchestrations is < 1 or > 1_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentOrchestrations), MaxConcurrentOrchestrations, "MaxConcurrentOrchestrations must be between 1 and 1,000.");
        }

        if (string.IsNullOrWhiteSpace(WorkerId))
        {
            throw new ArgumentException("DurableTaskAzureStorageOptions.WorkerId must not be empty.", nameof(WorkerId));
        }
    }

    private static void RequireRange(TimeSpan value, TimeSpan min, TimeSpan max, string name)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]{2,44}$")]
    private static partial Regex TaskHubPattern();
}
