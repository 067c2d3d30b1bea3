using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>
/// The Azure Storage <see cref="IJourneyStore"/>: Azure Tables hold the truth, Azure Queues ring doorbells (timers as
/// delayed messages, chained past the 7-day limit), Azure Blobs hold payloads too large for an entity. Many processes
/// can share one account. Layout, costs and failure handling: <c>docs/azure-storage.md</c>.
/// </summary>
/// <remarks>
/// <para><b>One partition per instance.</b> Table <c>{prefix}Instances</c> has PartitionKey = the (escaped) instance id and
/// rows <c>$instance</c> (status, lock, history epoch and length, tags), <c>$seq</c> (the message id counter),
/// <c>h-{epoch}-{seq}</c> (history), <c>m-{id}</c> (inbox), <c>a-{execution}|{seq}</c> (activities, the outbox) and
/// <c>d-{id}</c> (seen event ids). Every port call commits with one entity-group transaction on that partition. A history
/// append longer than one transaction writes its first rows in earlier transactions at positions beyond the recorded
/// history length, where readers ignore them, and the instance row (ETag-checked) in the last one: a crash in between
/// leaves invisible rows that the next commit overwrites.</para>
/// <para><b>Discovery.</b> Table <c>{prefix}Schedule</c> indexes every inbox message and activity by due time (PartitionKey
/// <c>o{NN}</c> / <c>a{NN}</c>, RowKey <c>{due ms}_{instance}_{row}</c>), written right after the instance transaction. Lock
/// calls read due entries up to the caller's <c>now</c> and then check the instance partition, which decides; a missing
/// entry (crash between the two writes) is restored by the recovery sweep, a stale one is deleted when found. Queues only
/// wake workers up: they never decide what is due, so the runtime's clock (fake in tests, manual in development) rules.</para>
/// <para><b>Choices the port leaves open</b> (as in the SQLite store): a control message to a finished instance is refused with
/// <see cref="EnqueueResult.InstanceFinished"/>; a duplicate event id is <see cref="EnqueueResult.Duplicate"/> even once the
/// instance finished; a lock until <c>T</c> is expired at <c>T</c>; <see cref="OrchestrationCommit.DeleteAllTimers"/> never deletes
/// timers written by the same commit; tags are set at creation; an empty <see cref="InstanceQuery.Statuses"/> means any status;
/// <see cref="InstanceQuery.CreatedFrom"/> and <see cref="InstanceQuery.CreatedTo"/> are inclusive; times are kept to the millisecond.
/// Also: a work item carries at most <see cref="AzureStorageOptions.MaxMessagesPerWorkItem"/> messages; an enqueue that races with
/// the commit finishing the instance may still land (the dispatcher discards it); large-payload blobs live until the instance is purged.</para>
/// </remarks>
public sealed partial class AzureStorageJourneyStore : IJourneyStore
{
    private const string BlobSuffix = "Blob";
    private const int MaxBatchActions = 100;
    private const int MaxBatchBytes = 3_500_000;
    private static readonly TimeSpan MaxQueueDelay = TimeSpan.FromDays(7);

    private readonly AzureStorageOptions _options;
    private readonly ILogger _logger;
    private readonly TableClient _instances;
    private readonly TableClient _schedule;
    private readonly QueueClient[] _controlQueues;
    private readonly QueueClient _workItemQueue;
    private readonly BlobContainerClient _payloads;
    private readonly PollGate _orchestrationGate;
    private readonly PollGate _activityGate;
    private readonly OperationTracker _operations = new();
    private readonly SemaphoreSlim _initializeGate = new(1, 1);
    private long _scheduleVersion;
    private bool _initialized;

    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AzureStorageJourneyStore(AzureStorageOptions options, ILogger<AzureStorageJourneyStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? (ILogger)NullLogger.Instance;

        TableServiceClient tables;
        QueueServiceClient queues;
        BlobServiceClient blobs;
        var tableOptions = new TableClientOptions();
        var queueOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var blobOptions = new BlobClientOptions();
        if (options.RequestPolicyForTests is { } policy)
        {
            tableOptions.AddPolicy(policy, HttpPipelinePosition.PerCall);
            queueOptions.AddPolicy(policy, HttpPipelinePosition.PerCall);
            blobOptions.AddPolicy(policy, HttpPipelinePosition.PerCall);
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            tables = new TableServiceClient(options.ConnectionString, tableOptions);
            queues = new QueueServiceClient(options.ConnectionString, queueOptions);
            blobs = new BlobServiceClient(options.ConnectionString, blobOptions);
        }
        else
        {
            var credential = options.Credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
            tables = new TableServiceClient(options.TableServiceUri ?? ServiceUri("table"), credential, tableOptions);
            queues = new QueueServiceClient(options.QueueServiceUri ?? ServiceUri("queue"), credential, queueOptions);
            blobs = new BlobServiceClient(options.BlobServiceUri ?? ServiceUri("blob"), credential, blobOptions);
        }

        var prefix = options.NamePrefix;
        _instances = tables.GetTableClient(prefix + "Instances");
        _schedule = tables.GetTableClient(prefix + "Schedule");
        _controlQueues = [.. Enumerable.Range(0, options.PartitionCount).Select(i => queues.GetQueueClient($"{prefix}-control-{i:D2}"))];
        _workItemQueue = queues.GetQueueClient(prefix + "-workitems");
        _payloads = blobs.GetBlobContainerClient(prefix + "-payloads");
        _orchestrationGate = new PollGate(options.PacingClock, options.MinPollingInterval, options.MaxPollingInterval);
        _activityGate = new PollGate(options.PacingClock, options.MinPollingInterval, options.MaxPollingInterval);

        Uri ServiceUri(string service) => new($"https://{options.AccountName}.{service}.core.windows.net");
    }

    /// <summary>Called for every doorbell sent (tests look at the visibility Azure gave it).</summary>
    internal event Action<DoorbellSent>? DoorbellSentForTests;

    /// <summary>Runs after a commit has read and checked the instance and before its transactions (tests race it).</summary>
    internal Func<string, Task>? BeforeCommitTransactionForTests { get; set; }

    /// <summary>The orchestration poll gate's current back-off (tests and diagnostics).</summary>
    internal TimeSpan OrchestrationBackoff => _orchestrationGate.Backoff;

    internal TableClient InstancesTable => _instances;
    internal TableClient ScheduleTable => _schedule;
    internal IReadOnlyList<QueueClient> ControlQueues => _controlQueues;
    internal QueueClient WorkItemQueue => _workItemQueue;
    internal BlobContainerClient PayloadContainer => _payloads;

    /// <summary>
    /// Creates the tables, queues and container if missing, then runs a full recovery sweep (every inbox message and
    /// activity gets its schedule entry back). Idempotent.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        using var operation = _operations.Enter(this);
        await _initializeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_initialized)
            {
                return;
            }

            await Task.WhenAll(
                _instances.CreateIfNotExistsAsync(cancellationToken),
                _schedule.CreateIfNotExistsAsync(cancellationToken),
                _workItemQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken),
                _payloads.CreateIfNotExistsAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
            await Task.WhenAll(_controlQueues.Select(q => q.CreateIfNotExistsAsync(cancellationToken: cancellationToken))).ConfigureAwait(false);
            await SweepAsync(full: true, cancellationToken).ConfigureAwait(false);
            _initialized = true;
        }
        finally
        {
            _initializeGate.Release();
        }
    }

    /// <summary>Waits for the calls already running (their writes complete), then refuses new ones. Idempotent.</summary>
    public async ValueTask DisposeAsync() => await _operations.CloseAsync().ConfigureAwait(false);

    // ---- plumbing --------------------------------------------------------------------------

    private OperationTracker.Scope Begin()
    {
        var scope = _operations.Enter(this);
        if (!_initialized)
        {
            scope.Dispose();
            throw new InvalidOperationException("The Azure Storage store is not initialized: call InitializeAsync first.");
        }

        return scope;
    }

    private static void RequireSameInstance(string expected, string actual, string parameterName)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Every write touches one instance: expected instance '{expected}', got '{actual}'.", parameterName);
        }
    }

    private static string Pk(string instanceId) => Keys.Encode(instanceId);

    private static string BlobPrefix(string instanceId) => Uri.EscapeDataString(instanceId) + "/";

    /// <summary>Reads every row of <paramref name="filter"/>, following continuation tokens.</summary>
    private static async Task<List<TableEntity>> QueryAllAsync(TableClient table, string filter, CancellationToken cancellationToken, int? maxPerPage = null, IEnumerable<string>? select = null)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(filter, maxPerPage, select, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Writes <paramref name="value"/> inline, or (too long) to a blob referenced by <c>{name}Blob</c>.</summary>
    private async Task SetTextAsync(TableEntity entity, string name, string? value, string instanceId, CancellationToken cancellationToken)
    {
        if (value is null)
        {
            return;
        }

        if (value.Length <= _options.InlinePayloadLimit)
        {
            entity[name] = value;
            return;
        }

        var blobName = BlobPrefix(instanceId) + Guid.NewGuid().ToString("N");
        await _payloads.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(value), overwrite: true, cancellationToken).ConfigureAwait(false);
        entity[name + BlobSuffix] = blobName;
    }

    private async Task<string?> GetTextAsync(TableEntity entity, string name, CancellationToken cancellationToken)
    {
        if (entity.GetString(name + BlobSuffix) is { } blobName)
        {
            var content = await _payloads.GetBlobClient(blobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToString();
        }

        return entity.GetString(name);
    }

    private async Task<HistoryEvent> GetEventAsync(TableEntity entity, CancellationToken cancellationToken) =>
        HistoryJson.Deserialize(await GetTextAsync(entity, "Event", cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Row '{entity.PartitionKey}/{entity.RowKey}' has no event."));

    /// <summary>A rough upper bound of an entity's size on the wire, to keep a transaction under 4 MB.</summary>
    private static int EstimateSize(ITableEntity entity)
    {
        var size = 256 + (entity.PartitionKey.Length + entity.RowKey.Length) * 2;
        if (entity is TableEntity table)
        {
            foreach (var (key, value) in table)
            {
                size += key.Length * 2 + 32 + (value is string text ? text.Length * 3 : 16);
            }
        }

        return size;
    }

    /// <summary>Splits <paramref name="actions"/> into transactions of at most 100 actions and about 3.5 MB.</summary>
    private static List<List<TableTransactionAction>> Chunk(IEnumerable<TableTransactionAction> actions)
    {
        var batches = new List<List<TableTransactionAction>>();
        var current = new List<TableTransactionAction>();
        var bytes = 0;
        foreach (var action in actions)
        {
            var size = EstimateSize(action.Entity);
            if (current.Count > 0 && (current.Count == MaxBatchActions || bytes + size > MaxBatchBytes))
            {
                batches.Add(current);
                current = [];
                bytes = 0;
            }

            current.Add(action);
            bytes += size;
        }

        if (current.Count > 0)
        {
            batches.Add(current);
        }

        return batches;
    }

    /// <summary>Whether a transaction failed because another writer got there first (retry from a fresh read).</summary>
    private static bool IsConflict(RequestFailedException exception) => exception.Status is 404 or 409 or 412;

    private static async Task BackOffAsync(int attempt, CancellationToken cancellationToken)
    {
        if (attempt > 2)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 20))), cancellationToken).ConfigureAwait(false);
        }
    }

    private static InvalidOperationException TooManyConflicts(string instanceId) =>
        new($"Instance '{instanceId}' changed under every one of the store's write attempts; giving up.");

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "A follow-up write for instance {InstanceId} failed after its transaction committed; the recovery sweep repairs it.")]
        public static partial void FollowUpFailed(ILogger logger, string instanceId, Exception error);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Recovery sweep ({Kind}) checked {Rows} inbox and activity rows.")]
        public static partial void Swept(ILogger logger, string kind, int rows);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Debug, Message = "Doorbell for {InstanceId} due {Due:o} rang early; chained with a delay of {Delay}.")]
        public static partial void DoorbellChained(ILogger logger, string instanceId, DateTimeOffset due, TimeSpan delay);
    }
}

/// <summary>A doorbell queue message that was sent: its queue, what it is for, and when Azure makes it visible.</summary>
internal sealed record DoorbellSent(string Queue, string InstanceId, DateTimeOffset Due, TimeSpan Delay, DateTimeOffset TimeNextVisible, DateTimeOffset InsertedOn);
