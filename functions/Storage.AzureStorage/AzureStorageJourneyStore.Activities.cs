using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.AzureStorage;

public sealed partial class AzureStorageJourneyStore
{
    // ---- activity worker -------------------------------------------------------------------

    /// <remarks>
    /// When the poll gate allows it: receives work-item doorbells, reads due activity entries up to <paramref name="now"/>,
    /// and locks each activity row by ETag (token, lock expiry, dequeue count; its availability moves to the lock
    /// expiry), then moves its schedule entry to the lock expiry, so a crashed worker's activity is found again then.
    /// </remarks>
    public async Task<IReadOnlyList<ActivityWorkItem>> LockNextActivitiesAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockDuration, TimeSpan.Zero);
        using var operation = Begin();
        var reasons = _activityGate.Check(now, out var version);
        if (reasons == PollReasons.None)
        {
            return [];
        }

        var doorbells = await ReceiveDoorbellsAsync([_workItemQueue], cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ScheduleReadDue(ActivityKind, reasons, doorbells.Count))
            {
                _activityGate.Idle();
                return [];
            }

            var scan = await ScanScheduleAsync(ActivityKind, now, maxCount, cancellationToken).ConfigureAwait(false);
            var entries = scan.Candidates.SelectMany(c => c.Entries).OrderBy(e => e.DueMs).DistinctBy(e => (e.InstanceId, e.Target)).ToList();
            var items = new ConcurrentBag<ActivityWorkItem>();
            var dueAgain = new ConcurrentBag<DateTimeOffset>();
            var reserved = 0;
            var skipped = 0;
            await Parallel.ForEachAsync(entries, new ParallelOptions { MaxDegreeOfParallelism = LockParallelism, CancellationToken = cancellationToken }, async (entry, token) =>
            {
                if (Volatile.Read(ref reserved) >= maxCount)
                {
                    Interlocked.Increment(ref skipped);
                    return;
                }

                var pk = Pk(entry.InstanceId);
                var row = await GetRowAsync(pk, entry.Target, token).ConfigureAwait(false);
                if (row is null)
                {
                    await ApplyScheduleAsync([], [entry]).ConfigureAwait(false);
                    return;
                }

                var availableMs = GetLong(row, "AvailableMs");
                if (availableMs > Ms(now))
                {
                    dueAgain.Add(FromMs(availableMs));
                    if (availableMs != entry.DueMs)
                    {
                        await ApplyScheduleAsync([EntryOf(row)], [entry]).ConfigureAwait(false);
                    }

                    return;
                }

                if (Interlocked.Increment(ref reserved) > maxCount)
                {
                    Interlocked.Decrement(ref reserved);
                    Interlocked.Increment(ref skipped);
                    return;
                }

                var lockToken = Guid.NewGuid().ToString("N");
                var untilMs = Ms(now + lockDuration);
                var dequeueCount = GetInt(row, "DequeueCount") + 1;
                try
                {
                    var update = new TableEntity(pk, entry.Target)
                    {
                        ["LockToken"] = lockToken,
                        ["LockUntilMs"] = untilMs,
                        ["AvailableMs"] = untilMs,
                        ["DequeueCount"] = dequeueCount,
                    };
                    await _instances.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, token).ConfigureAwait(false);
                }
                catch (RequestFailedException exception) when (IsConflict(exception))
                {
                    Interlocked.Decrement(ref reserved);
                    Interlocked.Increment(ref skipped);
                    return;
                }

                row["LockToken"] = lockToken;
                row["LockUntilMs"] = untilMs;
                row["AvailableMs"] = untilMs;
                row["DequeueCount"] = dequeueCount;
                await FollowUpAsync(entry.InstanceId, () => ApplyScheduleAsync([EntryOf(row)], [entry])).ConfigureAwait(false);
                items.Add(await ReadActivityAsync(row, token).ConfigureAwait(false));
            }).ConfigureAwait(false);

            var knownDue = dueAgain.Concat(items.Select(i => i.LockedUntil ?? DateTimeOffset.MaxValue)).Append(scan.NextDue ?? DateTimeOffset.MaxValue).Min();
            _activityGate.Completed(version, foundWork: !items.IsEmpty || scan.Truncated || skipped > 0,
                knownDue == DateTimeOffset.MaxValue ? null : knownDue);
            await SetLeaseBellAsync(_workItemQueue, [.. items.Select(i => i.LockToken!)], now + lockDuration, lockDuration).ConfigureAwait(false);
            return [.. items.OrderBy(a => a.VisibleAt)];
        }
        finally
        {
            await DeleteDoorbellsAsync(doorbells).ConfigureAwait(false);
        }
    }

    /// <remarks>
    /// One transaction in the instance partition: deletes the activity row by the ETag just read (only while the lock
    /// token matches) and appends the result to the inbox with the next message id.
    /// </remarks>
    public async Task<bool> CompleteActivityAsync(ActivityWorkItem workItem, InboxMessage result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(result);
        RequireSameInstance(workItem.InstanceId, result.InstanceId, nameof(result));
        using var operation = Begin();
        if (workItem.LockToken is null)
        {
            return false;
        }

        var instanceId = workItem.InstanceId;
        var pk = Pk(instanceId);
        var activityKey = Keys.Activity(workItem.ExecutionId, workItem.Sequence);
        var dedupKey = result.DeduplicationId is { } dedup ? Keys.Seen(dedup) : null;
        var template = await MessageTemplateAsync(result, cancellationToken).ConfigureAwait(false);
        var filter = dedupKey is null
            ? TableClient.CreateQueryFilter($"PartitionKey eq {pk} and (RowKey eq {Keys.CounterRow} or RowKey eq {activityKey})")
            : TableClient.CreateQueryFilter($"PartitionKey eq {pk} and (RowKey eq {Keys.CounterRow} or RowKey eq {activityKey} or RowKey eq {dedupKey})");
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var rows = await QueryAllAsync(_instances, filter, cancellationToken).ConfigureAwait(false);
            var activityRow = rows.Find(r => r.RowKey == activityKey);
            if (activityRow is null || !string.Equals(activityRow.GetString("LockToken"), workItem.LockToken, StringComparison.Ordinal))
            {
                await ReleaseLeaseBellAsync(workItem.LockToken).ConfigureAwait(false);
                return false;
            }

            var counterRow = rows.Find(r => r.RowKey == Keys.CounterRow);
            var id = (counterRow is null ? 0 : GetLong(counterRow, "Value")) + 1;
            var seen = dedupKey is not null && rows.Exists(r => r.RowKey == dedupKey);
            var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Delete, activityRow, activityRow.ETag) };
            if (!seen)
            {
                actions.Add(CounterAction(pk, counterRow, id));
                actions.Add(new(TableTransactionActionType.UpsertReplace, Copy(template, pk, Keys.Message(id))));
                if (dedupKey is not null)
                {
                    actions.Add(new(TableTransactionActionType.Add, new TableEntity(pk, dedupKey)));
                }
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
                await ApplyScheduleAsync(seen ? [] : [MessageEntry(instanceId, id, Ms(result.VisibleAt))], [EntryOf(activityRow)]).ConfigureAwait(false);
                if (!seen)
                {
                    await RingAsync(_controlQueues[Keys.Partition(instanceId, _controlQueues.Length)], instanceId, result.VisibleAt).ConfigureAwait(false);
                }

                await ReleaseLeaseBellAsync(workItem.LockToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            _orchestrationGate.Touch();
            return true;
        }

        throw TooManyConflicts(instanceId);
    }

    /// <remarks>Only while <paramref name="workItem"/> holds the lock (ETag-checked): clears it, sets the visibility, and moves the schedule entry.</remarks>
    public async Task AbandonActivityAsync(ActivityWorkItem workItem, DateTimeOffset visibleAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        using var operation = Begin();
        var pk = Pk(workItem.InstanceId);
        var activityKey = Keys.Activity(workItem.ExecutionId, workItem.Sequence);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var row = await GetRowAsync(pk, activityKey, cancellationToken).ConfigureAwait(false);
            if (row is null || workItem.LockToken is null || !string.Equals(row.GetString("LockToken"), workItem.LockToken, StringComparison.Ordinal))
            {
                await ReleaseLeaseBellAsync(workItem.LockToken).ConfigureAwait(false);
                return;
            }

            var visibleMs = Ms(visibleAt);
            try
            {
                var update = new TableEntity(pk, activityKey)
                {
                    ["LockToken"] = string.Empty,
                    ["LockUntilMs"] = 0L,
                    ["VisibleMs"] = visibleMs,
                    ["AvailableMs"] = visibleMs,
                };
                await _instances.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (IsConflict(exception))
            {
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var oldEntry = EntryOf(row);
            row["AvailableMs"] = visibleMs;
            var newEntry = EntryOf(row);
            await FollowUpAsync(workItem.InstanceId, async () =>
            {
                await ApplyScheduleAsync([newEntry], [oldEntry]).ConfigureAwait(false);
                await RingAsync(_workItemQueue, workItem.InstanceId, visibleAt).ConfigureAwait(false);
                await ReleaseLeaseBellAsync(workItem.LockToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            _activityGate.Touch();
            return;
        }

        throw TooManyConflicts(workItem.InstanceId);
    }
}
