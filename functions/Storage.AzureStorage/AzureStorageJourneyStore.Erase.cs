using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>Personal-data erasure of one instance (GDPR).</summary>
public sealed partial class AzureStorageJourneyStore
{
    /// <summary>The lock token an erase holds while it rewrites; an erase that finds it (a crashed erase) takes it over at once.</summary>
    private const string EraseLockToken = "erase";

    /// <summary>How long an erase holds the instance; a crashed erase blocks workers (not another erase) for at most this long.</summary>
    private static readonly TimeSpan EraseLockDuration = TimeSpan.FromMinutes(5);

    /// <remarks>
    /// <para>A partition may hold more rows than one transaction, so the erase is several writes, made restartable by its own
    /// lock: (1) it takes the instance row's lock (ETag-checked) with the token <c>erase</c>, which workers treat like any
    /// unexpired lock and another erase takes over; (2) rewrites history rows in place and deletes inbox and activity rows
    /// (the redaction is idempotent, so redoing them after a crash changes nothing); (3) writes the instance row (redacted,
    /// marker, tags, lock cleared) with the terminating history row in one ETag-checked transaction: an enqueue that changed
    /// the row meanwhile makes it go round again. A crash before (3) leaves the instance locked by the erase and unerased:
    /// calling again finishes it.</para>
    /// <para>Afterwards, schedule entries of the deleted rows are removed and payload blobs no row references any more
    /// (the old, unredacted payloads) are deleted; an <see cref="EraseOutcome.AlreadyErased"/> call repeats that clean-up.</para>
    /// </remarks>
    public async Task<EraseResult> ErasePersonalDataAsync(string instanceId, PersonalDataErasure erasure, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        ArgumentNullException.ThrowIfNull(erasure);
        using var operation = Begin();
        var pk = Pk(instanceId);
        var nowMs = Ms(erasure.Now);
        int rewritten = 0, messagesDeleted = 0, activitiesDeleted = 0;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var row = await GetRowAsync(pk, Keys.InstanceRow, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return new EraseResult(EraseOutcome.NotFound);
            }

            var instance = await ReadInstanceAsync(row, cancellationToken).ConfigureAwait(false);
            if (PersonalDataErasure.IsErased(instance))
            {
                await FollowUpAsync(instanceId, () => DeleteUnreferencedBlobsAsync(instanceId, pk)).ConfigureAwait(false);
                return new EraseResult(EraseOutcome.AlreadyErased);
            }

            var token = row.GetString("LockToken");
            if (!string.IsNullOrEmpty(token) && token != EraseLockToken && GetLong(row, "LockUntilMs") > nowMs)
            {
                return new EraseResult(EraseOutcome.Locked);
            }

            try
            {
                var take = new TableEntity(pk, Keys.InstanceRow) { ["LockToken"] = EraseLockToken, ["LockUntilMs"] = Ms(erasure.Now + EraseLockDuration) };
                var response = await _instances.UpdateEntityAsync(take, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                row.ETag = response.Headers.ETag ?? default;
            }
            catch (RequestFailedException exception) when (IsConflict(exception))
            {
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // The instance is ours now: no worker locks it, and a commit by an earlier holder fails on the changed ETag.
            var epoch = GetInt(row, "HistoryEpoch");
            var count = GetLong(row, "HistoryCount");
            rewritten += await RewriteHistoryAsync(pk, instanceId, epoch, count, erasure, cancellationToken).ConfigureAwait(false);
            var work = await QueryAllAsync(_instances, TableClient.CreateQueryFilter(
                $"PartitionKey eq {pk} and ((RowKey ge {Keys.MessagePrefix} and RowKey lt {Keys.After(Keys.MessagePrefix)}) or (RowKey ge {Keys.ActivityPrefix} and RowKey lt {Keys.After(Keys.ActivityPrefix)}))"),
                cancellationToken, select: ["PartitionKey", "RowKey", "InstanceId", "VisibleMs", "AvailableMs"]).ConfigureAwait(false);
            await DeleteRowsAsync(_instances, work, cancellationToken).ConfigureAwait(false);
            messagesDeleted += work.Count(r => r.RowKey.StartsWith(Keys.MessagePrefix, StringComparison.Ordinal));
            activitiesDeleted += work.Count(r => r.RowKey.StartsWith(Keys.ActivityPrefix, StringComparison.Ordinal));

            var erased = erasure.ApplyTo(instance, out var terminated);
            var template = await InstanceTemplateAsync(erased, GetLong(row, "CreatedMs"), SerializeTags(erased.Tags), cancellationToken).ConfigureAwait(false);
            var final = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, InstanceRow(template, pk, epoch, count + (terminated is null ? 0 : 1)), row.ETag),
            };
            if (terminated is not null)
            {
                var historyRow = new TableEntity(pk, Keys.History(epoch, count));
                await SetTextAsync(historyRow, "Event", HistoryJson.Serialize(terminated), instanceId, cancellationToken).ConfigureAwait(false);
                final.Add(new(TableTransactionActionType.UpsertReplace, historyRow));
            }

            try
            {
                await _instances.SubmitTransactionAsync(final, cancellationToken).ConfigureAwait(false);
            }
            catch (TableTransactionFailedException exception) when (IsConflict(exception))
            {
                // An enqueue changed the row (a new message): go round again, still holding the erase lock.
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            await FollowUpAsync(instanceId, async () =>
            {
                await ApplyScheduleAsync([], [.. work.Select(EntryOf)]).ConfigureAwait(false);
                await DeleteUnreferencedBlobsAsync(instanceId, pk).ConfigureAwait(false);
            }).ConfigureAwait(false);
            return new EraseResult(EraseOutcome.Erased, rewritten, messagesDeleted, activitiesDeleted);
        }

        throw TooManyConflicts(instanceId);
    }

    /// <summary>Rewrites the visible history rows whose payloads change; returns how many.</summary>
    private async Task<int> RewriteHistoryAsync(string pk, string instanceId, int epoch, long count, PersonalDataErasure erasure, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return 0;
        }

        var rows = await QueryAllAsync(_instances, TableClient.CreateQueryFilter(
            $"PartitionKey eq {pk} and RowKey ge {Keys.History(epoch, 0)} and RowKey lt {Keys.History(epoch, count)}"), cancellationToken).ConfigureAwait(false);
        var actions = new List<TableTransactionAction>();
        foreach (var row in rows)
        {
            var historyEvent = await GetEventAsync(row, cancellationToken).ConfigureAwait(false);
            var updated = erasure.Apply(historyEvent);
            if (ReferenceEquals(updated, historyEvent))
            {
                continue;
            }

            var replacement = new TableEntity(pk, row.RowKey);
            await SetTextAsync(replacement, "Event", HistoryJson.Serialize(updated), instanceId, cancellationToken).ConfigureAwait(false);
            actions.Add(new TableTransactionAction(TableTransactionActionType.UpsertReplace, replacement));
        }

        foreach (var batch in Chunk(actions))
        {
            await _instances.SubmitTransactionAsync(batch, cancellationToken).ConfigureAwait(false);
        }

        return actions.Count;
    }

    /// <summary>Deletes the instance's payload blobs that no row of its partition references (the payloads an erase replaced).</summary>
    private async Task DeleteUnreferencedBlobsAsync(string instanceId, string pk)
    {
        var rows = await QueryAllAsync(_instances, TableClient.CreateQueryFilter($"PartitionKey eq {pk}"), CancellationToken.None).ConfigureAwait(false);
        var referenced = rows
            .SelectMany(r => r.Where(p => p.Key.EndsWith(BlobSuffix, StringComparison.Ordinal) && p.Value is string).Select(p => (string)p.Value))
            .ToHashSet(StringComparer.Ordinal);
        await foreach (var blob in _payloads.GetBlobsAsync(BlobTraits.None, BlobStates.None, BlobPrefix(instanceId), CancellationToken.None).ConfigureAwait(false))
        {
            if (!referenced.Contains(blob.Name))
            {
                await _payloads.DeleteBlobIfExistsAsync(blob.Name).ConfigureAwait(false);
            }
        }
    }
}
