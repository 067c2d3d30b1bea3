using Azure.Data.Tables;
using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JourneyOrchestrator.Storage.AzureStorage.Delivery;

/// <summary>
/// The Azure Tables <see cref="IDeliveryStore"/> and <see cref="IDeadLetterStore"/>: the never-twice ledger, suppressions,
/// seen webhook event ids and CRM dead letters, shared by every host process on the same account and
/// <see cref="AzureStorageOptions.NamePrefix"/>. Layout, concurrency and limits: <c>docs/azure-storage.md</c> ("Product data").
/// </summary>
/// <remarks>
/// <para><b>Claims are atomic across processes.</b> A send lives in its customer's partition (<c>c-{dealer}|{customer}</c> / key)
/// and is claimed by an insert-only write (first claim) or a replace by ETag (<see cref="SendStates.Retry"/> back to pending):
/// of any number of concurrent claimers exactly one wins, the others re-read and get the row unclaimed. An immutable row
/// <c>k-{key}</c>, written before the send, names the send's partition for the calls that only know the key.</para>
/// <para><b>Suppressions</b> are in the dealer's partition twice, by customer (<c>c|…</c>) and by lower-case address
/// (<c>e|…</c>), inserted together in one entity-group transaction; webhook event ids are insert-only rows.</para>
/// <para><b>Erasure</b> writes the erased-address marker (<c>x|{hash}</c> in the dealer's suppression partition) first, then deletes
/// the ledger rows and suppressions in steps a second call redoes (see <see cref="EraseCustomerAsync"/>).</para>
/// <para>Created on first use (or by <see cref="InitializeAsync"/>), as the SQLite delivery store is: the host never calls it.</para>
/// </remarks>
public sealed partial class AzureStorageDeliveryStore : IDeliveryStore, IDeadLetterStore, IAsyncDisposable
{
    private const string KeyPrefix = "k-";
    private const string CustomerPrefix = "c-";
    private const string ByCustomer = "c|";
    private const string ByEmail = "e|";

    private readonly DataTables _data;
    private readonly TableClient _sends;
    private readonly TableClient _suppressions;
    private readonly TableClient _webhookEvents;
    private readonly TableClient _deadLetters;
    private readonly OperationTracker _operations = new();
    private readonly SemaphoreSlim _initializeGate = new(1, 1);
    private volatile bool _initialized;

    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AzureStorageDeliveryStore(AzureStorageOptions options, ILogger<AzureStorageDeliveryStore>? logger = null)
    {
        _data = new DataTables(options, logger ?? (ILogger)NullLogger.Instance);
        _sends = _data.Table("Sends");
        _suppressions = _data.Table("Suppressions");
        _webhookEvents = _data.Table("WebhookEvents");
        _deadLetters = _data.Table("DeadLetters");
    }

    internal TableClient SendsTable => _sends;
    internal DataTables Data => _data;

    /// <summary>Creates the tables and the container when missing. Idempotent; every other call does it first when needed.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        using var operation = _operations.Enter(this);
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits for the calls already running (their writes complete), then refuses new ones. Idempotent.</summary>
    public async ValueTask DisposeAsync() => await _operations.CloseAsync().ConfigureAwait(false);

    // ---- the ledger: c-{dealer}|{customer} / {key} is the send; k-{key} / $ names its partition -----------------

    public async Task<SendClaim> ClaimSendAsync(OutboundSend send, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentNullException.ThrowIfNull(send.Key, nameof(send));
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var partition = await SendPartitionAsync(send, cancellationToken).ConfigureAwait(false);
        var rowKey = DataTables.Key(send.Key);
        for (var attempt = 1; ; attempt++)
        {
            var row = await DataTables.GetAsync(_sends, partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                var claimed = send with { State = SendStates.Pending, Attempts = 1, Detail = null, SentAt = null, UpdatedAt = send.CreatedAt };
                if (await _data.TryAddAsync(_sends, await SendRowAsync(partition, claimed, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
                {
                    return new SendClaim(true, claimed);
                }
            }
            else
            {
                var existing = await _data.GetRecordAsync<OutboundSend>(row, cancellationToken).ConfigureAwait(false);
                if (existing.State != SendStates.Retry)
                {
                    return new SendClaim(false, existing);
                }

                var claimed = existing with { State = SendStates.Pending, Attempts = existing.Attempts + 1, UpdatedAt = send.CreatedAt };
                if (await _data.TryReplaceAsync(_sends, row, await SendRowAsync(partition, claimed, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
                {
                    return new SendClaim(true, claimed);
                }
            }

            // Another claimer wrote the row between our read and our write: read its result.
            await DataTables.BackOffAsync(attempt, $"Send '{send.Key}'", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task UpdateSendAsync(string key, string state, string? detail, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(state);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            if (await ReadSendRowAsync(key, cancellationToken).ConfigureAwait(false) is not { } row)
            {
                return; // no such send: nothing to update (as the other stores)
            }

            var send = await _data.GetRecordAsync<OutboundSend>(row, cancellationToken).ConfigureAwait(false);
            var updated = send with { State = state, Detail = detail, UpdatedAt = now, SentAt = state == SendStates.Sent ? now : send.SentAt };
            if (await _data.TryReplaceAsync(_sends, row, await SendRowAsync(row.PartitionKey, updated, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await DataTables.BackOffAsync(attempt, $"Send '{key}'", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<OutboundSend?> GetSendAsync(string key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        return await ReadSendRowAsync(key, cancellationToken).ConfigureAwait(false) is { } row
            ? await _data.GetRecordAsync<OutboundSend>(row, cancellationToken).ConfigureAwait(false)
            : null;
    }

    public async Task<IReadOnlyList<DateTimeOffset>> ListSentAtAsync(string dealerId, string customerId, string category, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        ArgumentNullException.ThrowIfNull(category);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        // The customer's partition, narrowed by the service to the category and the millisecond; the exact time decides.
        var filter = $"PartitionKey eq '{DataTables.Escape(SendPartition(dealerId, customerId))}' and Category eq '{DataTables.Escape(category)}' " +
            $"and SentAtMs ge {DataTables.Ms(since)}L";
        var rows = await DataTables.QueryAsync(_sends, filter, cancellationToken).ConfigureAwait(false);
        var sends = await Task.WhenAll(rows.Select(r => _data.GetRecordAsync<OutboundSend>(r, cancellationToken))).ConfigureAwait(false);
        return [.. sends.Where(s => s.SentAt >= since).Select(s => s.SentAt!.Value).Order()];
    }

    private static string SendPartition(string dealerId, string customerId) => CustomerPrefix + DataTables.Key(dealerId) + "|" + DataTables.Key(customerId);

    /// <summary>The partition of <paramref name="send"/>'s key: the one its first claim recorded (written before the send row).</summary>
    private async Task<string> SendPartitionAsync(OutboundSend send, CancellationToken cancellationToken)
    {
        var partition = SendPartition(send.DealerId, send.CustomerId);
        var lookup = new TableEntity(KeyPrefix + DataTables.Key(send.Key), DataTables.SingleRow) { ["Partition"] = partition };
        if (await _data.TryAddAsync(_sends, lookup, cancellationToken).ConfigureAwait(false))
        {
            return partition;
        }

        var recorded = await DataTables.GetAsync(_sends, lookup.PartitionKey, lookup.RowKey, cancellationToken).ConfigureAwait(false);
        return recorded?.GetString("Partition") ?? partition;
    }

    private async Task<TableEntity?> ReadSendRowAsync(string key, CancellationToken cancellationToken)
    {
        var lookup = await DataTables.GetAsync(_sends, KeyPrefix + DataTables.Key(key), DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
        return lookup?.GetString("Partition") is not { } partition
            ? null
            : await DataTables.GetAsync(_sends, partition, DataTables.Key(key), cancellationToken).ConfigureAwait(false);
    }

    private async Task<TableEntity> SendRowAsync(string partition, OutboundSend send, CancellationToken cancellationToken)
    {
        var entity = new TableEntity(partition, DataTables.Key(send.Key))
        {
            ["State"] = send.State,
            ["Channel"] = send.Channel,
            ["JourneyId"] = send.JourneyId,
        };
        if (send.Category is not null)
        {
            entity["Category"] = send.Category;
        }

        if (send.SentAt is { } sentAt)
        {
            entity["SentAtMs"] = DataTables.Ms(sentAt);
        }

        await _data.SetRecordAsync(entity, send, "sends", cancellationToken).ConfigureAwait(false);
        return entity;
    }

    // ---- suppressions: {dealer} / c|{customer}|{email}|{scope} and e|{email}|{customer}|{scope} --------------------

    public async Task<bool> AddSuppressionAsync(Suppression suppression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var stored = suppression with { Email = suppression.Email?.ToLowerInvariant() };
        var partition = DataTables.Key(stored.DealerId);
        var (customer, email, scope) = (DataTables.Key(stored.CustomerId ?? ""), DataTables.Key(stored.Email ?? ""), DataTables.Key(stored.Scope));
        var keys = new List<string>();
        if (stored.CustomerId is not null || stored.Email is null)
        {
            keys.Add($"{ByCustomer}{customer}|{email}|{scope}");
        }

        if (stored.Email is not null)
        {
            keys.Add($"{ByEmail}{email}|{customer}|{scope}");
        }

        var record = DataTables.Serialize(stored);
        var actions = keys.Select(k => new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(partition, k)
        {
            [DataTables.Record] = record,
            ["CustomerId"] = stored.CustomerId,
            ["Email"] = stored.Email,
        }));
        try
        {
            await _suppressions.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Azure.RequestFailedException exception) when (exception.Status == 409)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<Suppression>> FindSuppressionsAsync(string dealerId, string? customerId, string? email, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var partition = $"PartitionKey eq '{DataTables.Escape(DataTables.Key(dealerId))}'";
        var queries = new List<Task<List<TableEntity>>>();
        if (!string.IsNullOrEmpty(customerId))
        {
            queries.Add(DataTables.QueryAsync(_suppressions, $"{partition} and {DataTables.StartsWith("RowKey", ByCustomer + DataTables.Key(customerId) + "|")}", cancellationToken));
        }

        if (!string.IsNullOrEmpty(email))
        {
            queries.Add(DataTables.QueryAsync(_suppressions, $"{partition} and {DataTables.StartsWith("RowKey", ByEmail + DataTables.Key(email.ToLowerInvariant()) + "|")}", cancellationToken));
        }

        var rows = (await Task.WhenAll(queries).ConfigureAwait(false)).SelectMany(r => r);
        return [.. rows
            .Select(r => DataTables.Deserialize<Suppression>(r.GetString(DataTables.Record)))
            .DistinctBy(s => (s.CustomerId, s.Email, s.Scope))
            .OrderBy(s => s.CreatedAt)];
    }

    // ---- webhook event ids: {provider}|{event id} / $ ---------------------------------------------------------------

    public async Task<bool> HasWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(eventId);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        return await DataTables.GetAsync(_webhookEvents, WebhookPartition(provider, eventId), DataTables.SingleRow, cancellationToken).ConfigureAwait(false) is not null;
    }

    public async Task<bool> TryRecordWebhookEventAsync(string provider, string eventId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(eventId);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var entity = new TableEntity(WebhookPartition(provider, eventId), DataTables.SingleRow)
        {
            ["Provider"] = provider,
            ["EventId"] = eventId,
            ["ReceivedAtMs"] = DataTables.Ms(now),
        };
        return await _data.TryAddAsync(_webhookEvents, entity, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One partition per event id: the writes are point writes, spread over the account.</summary>
    private static string WebhookPartition(string provider, string eventId) => DataTables.Key(provider) + "|" + DataTables.Key(eventId);

    // ---- plumbing ----------------------------------------------------------------------------

    private async Task<OperationTracker.Scope> BeginAsync(CancellationToken cancellationToken)
    {
        var scope = _operations.Enter(this);
        try
        {
            await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
            return scope;
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    private async Task EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (_initialized)
        {
            return;
        }

        await _initializeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized)
            {
                await _data.CreateAsync([_sends, _suppressions, _webhookEvents, _deadLetters], cancellationToken).ConfigureAwait(false);
                _initialized = true;
            }
        }
        finally
        {
            _initializeGate.Release();
        }
    }
}
