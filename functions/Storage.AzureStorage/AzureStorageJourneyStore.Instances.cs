using System.Globalization;
using System.Text;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.AzureStorage;

public sealed partial class AzureStorageJourneyStore
{
    private const int MaxAttempts = 200;
    private const int PurgeParallelism = 8;

    // ---- client side -----------------------------------------------------------------------

    /// <remarks>
    /// One read of the partition's non-history rows, then one transaction: the instance row (inserted, or replacing the
    /// finished one by ETag), the counter, the start message. Replacing deletes the old messages and activities (in
    /// earlier transactions when they are many: they belong to a finished instance) and moves history to a new epoch, so
    /// the old rows are invisible at once and deleted afterwards. A new id first deletes rows a crashed purge left behind.
    /// </remarks>
    public async Task<CreateResult> CreateInstanceAsync(InstanceRecord instance, InboxMessage startMessage, bool replaceIfFinished, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(startMessage);
        RequireSameInstance(instance.InstanceId, startMessage.InstanceId, nameof(startMessage));
        using var operation = Begin();
        var instanceId = instance.InstanceId;
        var pk = Pk(instanceId);
        var record = instance with { Status = InstanceStatus.Pending };
        var template = await InstanceTemplateAsync(record, Ms(record.CreatedAt), SerializeTags(record.Tags), cancellationToken).ConfigureAwait(false);
        var messageTemplate = await MessageTemplateAsync(startMessage, cancellationToken).ConfigureAwait(false);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {pk} and (RowKey lt {Keys.HistoryPrefix} or RowKey ge {"i"})");

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var rows = await QueryAllAsync(_instances, filter, cancellationToken).ConfigureAwait(false);
            var existing = rows.Find(r => r.RowKey == Keys.InstanceRow);
            if (existing is not null && (!replaceIfFinished || !StatusOf(existing).IsFinished()))
            {
                return CreateResult.AlreadyExists;
            }

            var counterRow = rows.Find(r => r.RowKey == Keys.CounterRow);
            var messageId = (counterRow is null ? 0 : GetLong(counterRow, "Value")) + 1;
            var oldWork = rows.Where(r => r.RowKey.StartsWith(Keys.MessagePrefix, StringComparison.Ordinal) || r.RowKey.StartsWith(Keys.ActivityPrefix, StringComparison.Ordinal)).ToList();
            // Seen event ids survive a replace; without an instance row they are leftovers of a purge that crashed.
            var deletes = existing is null ? [.. oldWork, .. rows.Where(r => r.RowKey.StartsWith(Keys.SeenPrefix, StringComparison.Ordinal))] : oldWork;
            var epoch = existing is null ? 0 : GetInt(existing, "HistoryEpoch") + 1;

            var final = new List<TableTransactionAction>
            {
                existing is null
                    ? new(TableTransactionActionType.Add, InstanceRow(template, pk, epoch, 0))
                    : new(TableTransactionActionType.UpdateReplace, InstanceRow(template, pk, epoch, 0), existing.ETag),
                CounterAction(pk, counterRow, messageId),
                new(TableTransactionActionType.UpsertReplace, Copy(messageTemplate, pk, Keys.Message(messageId))),
            };
            if (startMessage.DeduplicationId is { } dedup && !rows.Exists(r => r.RowKey == Keys.Seen(dedup)))
            {
                final.Add(new(TableTransactionActionType.Add, new TableEntity(pk, Keys.Seen(dedup))));
            }

            var deleteActions = deletes.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, ETag.All)).ToList();
            var inFinal = Math.Min(deleteActions.Count, MaxBatchActions - final.Count);
            final.AddRange(deleteActions.Skip(deleteActions.Count - inFinal));
            try
            {
                foreach (var batch in Chunk(deleteActions.Take(deleteActions.Count - inFinal)))
                {
                    await _instances.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
                }

                await _instances.SubmitTransactionAsync(final, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (IsConflict(exception))
            {
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await FollowUpAsync(instanceId, async () =>
            {
                await ApplyScheduleAsync(
                    [MessageEntry(instanceId, messageId, Ms(startMessage.VisibleAt))],
                    oldWork.Select(EntryOf)).ConfigureAwait(false);
                if (existing is not null)
                {
                    await DeleteHistoryEpochAsync(pk, epoch - 1).ConfigureAwait(false);
                }

                await RingAsync(_controlQueues[Keys.Partition(instanceId, _controlQueues.Length)], instanceId, startMessage.VisibleAt).ConfigureAwait(false);
            }).ConfigureAwait(false);
            _orchestrationGate.Touch();
            return CreateResult.Created;
        }

        throw TooManyConflicts(instanceId);
    }

    /// <remarks>
    /// Reads the instance row, the counter and the seen-id row in one query, then inserts the message, bumps the counter
    /// (ETag) and records the seen id (insert-only) in one transaction; a concurrent writer makes it start over, which is
    /// how exactly one of many copies with the same id is accepted. Message ids come from the counter: increasing in
    /// enqueue order. The instance row is not written, so events never conflict with the dispatcher's commit.
    /// </remarks>
    public async Task<EnqueueResult> EnqueueAsync(InboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var operation = Begin();
        var instanceId = message.InstanceId;
        var pk = Pk(instanceId);
        var template = await MessageTemplateAsync(message, cancellationToken).ConfigureAwait(false);
        var dedupKey = message.DeduplicationId is { } dedup ? Keys.Seen(dedup) : null;
        var filter = dedupKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {pk} and (RowKey eq {Keys.InstanceRow} or RowKey eq {Keys.CounterRow})")
            : TableClient.CreateQueryFilter($"PartitionKey eq {pk} and (RowKey eq {Keys.InstanceRow} or RowKey eq {Keys.CounterRow} or RowKey eq {dedupKey})");

        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var rows = await QueryAllAsync(_instances, filter, cancellationToken).ConfigureAwait(false);
            var instanceRow = rows.Find(r => r.RowKey == Keys.InstanceRow);
            if (instanceRow is null)
            {
                return EnqueueResult.InstanceNotFound;
            }

            if (dedupKey is not null && rows.Exists(r => r.RowKey == dedupKey))
            {
                return EnqueueResult.Duplicate;
            }

            if (StatusOf(instanceRow).IsFinished() && (message.ExecutionId is null || message.IsControl))
            {
                return EnqueueResult.InstanceFinished;
            }

            var counterRow = rows.Find(r => r.RowKey == Keys.CounterRow);
            var id = (counterRow is null ? 0 : GetLong(counterRow, "Value")) + 1;
            var actions = new List<TableTransactionAction>
            {
                CounterAction(pk, counterRow, id),
                new(TableTransactionActionType.UpsertReplace, Copy(template, pk, Keys.Message(id))),
            };
            if (dedupKey is not null)
            {
                actions.Add(new(TableTransactionActionType.Add, new TableEntity(pk, dedupKey)));
            }

            try
            {
                await _instances.SubmitTransactionAsync(actions, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (IsConflict(exception))
            {
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await FollowUpAsync(instanceId, async () =>
            {
                await ApplyScheduleAsync([MessageEntry(instanceId, id, Ms(message.VisibleAt))], []).ConfigureAwait(false);
                await RingAsync(_controlQueues[Keys.Partition(instanceId, _controlQueues.Length)], instanceId, message.VisibleAt).ConfigureAwait(false);
            }).ConfigureAwait(false);
            _orchestrationGate.Touch();
            return EnqueueResult.Accepted;
        }

        throw TooManyConflicts(instanceId);
    }

    private static TableTransactionAction CounterAction(string pk, TableEntity? counterRow, long value)
    {
        var counter = new TableEntity(pk, Keys.CounterRow) { ["Value"] = value };
        return counterRow is null
            ? new TableTransactionAction(TableTransactionActionType.Add, counter)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, counter, counterRow.ETag);
    }

    public async Task<InstanceRecord?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        using var operation = Begin();
        var row = await GetRowAsync(Pk(instanceId), Keys.InstanceRow, cancellationToken).ConfigureAwait(false);
        return row is null ? null : await ReadInstanceAsync(row, cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>Reads the instance row for the history's epoch and length, then exactly those rows (rows beyond are unfinished appends).</remarks>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        using var operation = Begin();
        var pk = Pk(instanceId);
        var row = await GetRowAsync(pk, Keys.InstanceRow, cancellationToken).ConfigureAwait(false);
        return row is null ? [] : await ReadHistoryAsync(pk, GetInt(row, "HistoryEpoch"), GetLong(row, "HistoryCount"), cancellationToken).ConfigureAwait(false);
    }

    /// <remarks>
    /// A table query over the instance rows (<c>RowKey eq '$instance'</c>) with status, name, id prefix and creation-time
    /// filters evaluated by the service; tags are matched here. Azure Tables return rows in key order, not creation
    /// order, so every page reads all matching rows created at or after the page's start and sorts them: the cost of a
    /// page grows with the number of matching instances (fine for thousands; a dashboard over millions needs an index
    /// table). The continuation token is an opaque (creation time, id) cursor, stable while instances come and go.
    /// </remarks>
    public async Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, 1000, nameof(query));
        using var operation = Begin();
        var after = query.ContinuationToken is null ? ((long CreatedMs, string InstanceId)?)null : DecodeToken(query.ContinuationToken);

        var filter = new StringBuilder(TableClient.CreateQueryFilter($"RowKey eq {Keys.InstanceRow}"));
        if (query.Statuses is { Count: > 0 } statuses)
        {
            filter.Append(" and (")
                .AppendJoin(" or ", statuses.Distinct().Select(s => TableClient.CreateQueryFilter($"Status eq {s.ToString()}")))
                .Append(')');
        }

        if (query.Name is not null)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"Name eq {query.Name}"));
        }

        if (!string.IsNullOrEmpty(query.InstanceIdPrefix))
        {
            var prefix = Keys.Encode(query.InstanceIdPrefix);
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"PartitionKey ge {prefix} and PartitionKey lt {Keys.After(prefix)}"));
        }

        if (query.CreatedFrom is { } from)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"CreatedMs ge {Ms(from)}"));
        }

        if (query.CreatedTo is { } to)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"CreatedMs le {Ms(to)}"));
        }

        if (after is { } cursor)
        {
            filter.Append(" and ").Append(TableClient.CreateQueryFilter($"CreatedMs ge {cursor.CreatedMs}"));
        }

        var matches = new List<(long CreatedMs, string InstanceId, TableEntity Row)>();
        await foreach (var row in _instances.QueryAsync<TableEntity>(filter.ToString(), 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var createdMs = GetLong(row, "CreatedMs");
            var id = row.GetString("InstanceId");
            if (after is { } c && (createdMs < c.CreatedMs || (createdMs == c.CreatedMs && string.CompareOrdinal(id, c.InstanceId) <= 0)))
            {
                continue;
            }

            if (!string.IsNullOrEmpty(query.InstanceIdPrefix) && !id.StartsWith(query.InstanceIdPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (query.Tags is { Count: > 0 } tagFilter)
            {
                var tags = DeserializeTags(await GetTextAsync(row, "Tags", cancellationToken).ConfigureAwait(false));
                if (!tagFilter.All(t => tags.TryGetValue(t.Key, out var value) && string.Equals(value, t.Value, StringComparison.Ordinal)))
                {
                    continue;
                }
            }

            matches.Add((createdMs, id, row));
        }

        matches.Sort((a, b) => a.CreatedMs != b.CreatedMs ? a.CreatedMs.CompareTo(b.CreatedMs) : string.CompareOrdinal(a.InstanceId, b.InstanceId));
        var page = matches.Take(query.PageSize).ToList();
        var instances = new List<InstanceRecord>(page.Count);
        foreach (var match in page)
        {
            instances.Add(await ReadInstanceAsync(match.Row, cancellationToken).ConfigureAwait(false));
        }

        var continuation = matches.Count > query.PageSize ? EncodeToken(page[^1].CreatedMs, page[^1].InstanceId) : null;
        return new InstancePage(instances, continuation);
    }

    /// <remarks>
    /// Deletes the instance's activities, then its instance row (by ETag, so a concurrent change makes it look again),
    /// then every other row, schedule entry and payload blob. Once the instance row is gone the rest is invisible; if the
    /// purge stops half-way, creating the id again deletes what is left.
    /// </remarks>
    public async Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        using var operation = Begin();
        return await PurgeAsync(instanceId, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PurgeResult> PurgeAsync(string instanceId, CancellationToken cancellationToken)
    {
        var pk = Pk(instanceId);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var row = await GetRowAsync(pk, Keys.InstanceRow, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return PurgeResult.NotFound;
            }

            if (!StatusOf(row).IsFinished())
            {
                return PurgeResult.NotFinished;
            }

            var activities = await QueryAllAsync(_instances, TableClient.CreateQueryFilter(
                $"PartitionKey eq {pk} and RowKey ge {Keys.ActivityPrefix} and RowKey lt {Keys.After(Keys.ActivityPrefix)}"), cancellationToken).ConfigureAwait(false);
            await DeleteRowsAsync(_instances, activities, cancellationToken).ConfigureAwait(false);
            try
            {
                await _instances.DeleteEntityAsync(pk, Keys.InstanceRow, row.ETag, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (exception.Status == 412)
            {
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (RequestFailedException exception) when (exception.Status == 404)
            {
                return PurgeResult.NotFound;
            }

            await FollowUpAsync(instanceId, async () =>
            {
                var rest = await QueryAllAsync(_instances, TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), CancellationToken.None,
                    select: ["PartitionKey", "RowKey", "InstanceId", "VisibleMs", "AvailableMs"]).ConfigureAwait(false);
                await DeleteRowsAsync(_instances, rest, CancellationToken.None).ConfigureAwait(false);
                await ApplyScheduleAsync([], [.. activities.Select(EntryOf), .. rest.Where(IsWorkRow).Select(EntryOf)]).ConfigureAwait(false);
                await foreach (var blob in _payloads.GetBlobsAsync(BlobTraits.None, BlobStates.None, BlobPrefix(instanceId), CancellationToken.None).ConfigureAwait(false))
                {
                    await _payloads.DeleteBlobIfExistsAsync(blob.Name).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
            return PurgeResult.Purged;
        }

        throw TooManyConflicts(instanceId);
    }

    /// <remarks>Finds candidates with one table query over the instance rows, then purges up to eight instances at a time.</remarks>
    public async Task<int> PurgeInstancesAsync(DateTimeOffset completedBefore, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        using var operation = Begin();
        if (maxCount == 0)
        {
            return 0;
        }

        var filter = TableClient.CreateQueryFilter(
            $"RowKey eq {Keys.InstanceRow} and CompletedMs lt {Ms(completedBefore)} and (Status eq {nameof(InstanceStatus.Completed)} or Status eq {nameof(InstanceStatus.Failed)} or Status eq {nameof(InstanceStatus.Terminated)})");
        var candidates = await QueryAllAsync(_instances, filter, cancellationToken, 1000, ["PartitionKey", "RowKey", "InstanceId", "CompletedMs"]).ConfigureAwait(false);
        var ids = candidates.OrderBy(r => GetLong(r, "CompletedMs")).Select(r => r.GetString("InstanceId")).Take(maxCount).ToList();
        var purged = 0;
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = PurgeParallelism, CancellationToken = cancellationToken }, async (id, token) =>
        {
            if (await PurgeAsync(id, token).ConfigureAwait(false) == PurgeResult.Purged)
            {
                Interlocked.Increment(ref purged);
            }
        }).ConfigureAwait(false);
        return purged;
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static bool IsWorkRow(TableEntity row) =>
        row.RowKey.StartsWith(Keys.MessagePrefix, StringComparison.Ordinal) || row.RowKey.StartsWith(Keys.ActivityPrefix, StringComparison.Ordinal);

    /// <summary>Deletes rows by their ETags in transactions per partition; rows already gone or changed since are skipped.</summary>
    private static async Task DeleteRowsAsync(TableClient table, IEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        foreach (var partition in rows.GroupBy(r => r.PartitionKey, StringComparer.Ordinal))
        {
            foreach (var batch in Chunk(partition.Select(r => new TableTransactionAction(TableTransactionActionType.Delete, r, r.ETag))))
            {
                await SubmitSkippingConflictsAsync(table, batch, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Submits a transaction; an action that fails with 404/409/412 is dropped and the rest submitted again.</summary>
    private static async Task SubmitSkippingConflictsAsync(TableClient table, List<TableTransactionAction> batch, CancellationToken cancellationToken)
    {
        while (batch.Count > 0)
        {
            try
            {
                await table.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (TableTransactionFailedException exception) when (IsConflict(exception) && exception.FailedTransactionActionIndex is { } index && index < batch.Count)
            {
                batch.RemoveAt(index);
            }
        }
    }

    /// <summary>Deletes the (invisible) history rows of an epoch that a replace or ContinueAsNew left behind.</summary>
    private async Task DeleteHistoryEpochAsync(string pk, int epoch)
    {
        var start = Keys.History(epoch, 0)[..^10];
        var rows = await QueryAllAsync(_instances, TableClient.CreateQueryFilter($"PartitionKey eq {pk} and RowKey ge {start} and RowKey lt {Keys.After(start)}"),
            CancellationToken.None, select: ["PartitionKey", "RowKey"]).ConfigureAwait(false);
        await DeleteRowsAsync(_instances, rows, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs what follows a committed transaction (schedule entries, doorbells, clean-up). It runs to its end even when
    /// the caller cancels; a failure is logged, not thrown, because the transaction stands and the recovery sweep repairs
    /// a missing schedule entry.
    /// </summary>
    private async Task FollowUpAsync(string instanceId, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (RequestFailedException exception)
        {
            Log.FollowUpFailed(_logger, instanceId, exception);
        }
    }

    private static string EncodeToken(long createdMs, string instanceId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("1:" + createdMs.ToString(CultureInfo.InvariantCulture) + ":" + instanceId));

    private static (long CreatedMs, string InstanceId) DecodeToken(string token)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':', 3);
            if (parts.Length == 3 && parts[0] == "1" && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var createdMs))
            {
                return (createdMs, parts[2]);
            }
        }
        catch (FormatException)
        {
            // Reported below.
        }

        throw new ArgumentException("The continuation token is not one this store issued.", nameof(token));
    }
}
