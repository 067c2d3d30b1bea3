using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.AzureStorage;

public sealed partial class AzureStorageJourneyStore
{
    private const int LockParallelism = 8;

    private enum CheckOutcome { Locked, LockedByOther, NothingDue, Skipped }

    private sealed record CheckResult(CheckOutcome Outcome, OrchestrationWorkItem? WorkItem = null, DateTimeOffset? DueAgainAt = null);

    // ---- orchestration dispatcher ----------------------------------------------------------

    /// <remarks>
    /// When the poll gate allows it: receives doorbells, reads due schedule entries up to <paramref name="now"/>, and for
    /// each candidate instance (earliest first, eight at a time) reads its instance row, counter and inbox in one query,
    /// picks the messages visible at <paramref name="now"/>, and locks the instance row by ETag (a lost race skips it).
    /// The history is read after the lock, at the epoch and length the locked row names. Entries whose message is gone
    /// (or waits behind a suspension) are deleted; the commit that resumes the instance writes them again.
    /// </remarks>
    public async Task<IReadOnlyList<OrchestrationWorkItem>> LockNextOrchestrationsAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockDuration, TimeSpan.Zero);
        using var operation = Begin();
        var reasons = _orchestrationGate.Check(now, out var version);
        if (reasons == PollReasons.None)
        {
            return [];
        }

        await SweepIfDueAsync(cancellationToken).ConfigureAwait(false);
        var doorbells = await ReceiveDoorbellsAsync(_controlQueues, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!ScheduleReadDue(OrchestrationKind, reasons, doorbells.Count))
            {
                _orchestrationGate.Idle();
                return [];
            }

            if (doorbells.Count > 0)
            {
                Interlocked.Increment(ref _scheduleVersion);
            }

            var scan = await ScanScheduleAsync(OrchestrationKind, now, maxCount, cancellationToken).ConfigureAwait(false);
            var items = new ConcurrentBag<OrchestrationWorkItem>();
            var dueAgain = new ConcurrentBag<DateTimeOffset>();
            var reserved = 0;
            var skipped = 0;
            await Parallel.ForEachAsync(scan.Candidates, new ParallelOptions { MaxDegreeOfParallelism = LockParallelism, CancellationToken = cancellationToken }, async (candidate, token) =>
            {
                if (Volatile.Read(ref reserved) >= maxCount)
                {
                    Interlocked.Increment(ref skipped);
                    return;
                }

                var result = await TryLockOrchestrationAsync(candidate, now, lockDuration,
                    () => Interlocked.Increment(ref reserved) <= maxCount || Interlocked.Decrement(ref reserved) < 0,
                    () => Interlocked.Decrement(ref reserved), token).ConfigureAwait(false);
                if (result.WorkItem is { } item)
                {
                    items.Add(item);
                }
                else if (result.Outcome == CheckOutcome.Skipped)
                {
                    Interlocked.Increment(ref skipped);
                }

                if (result.DueAgainAt is { } again)
                {
                    dueAgain.Add(again);
                }
            }).ConfigureAwait(false);

            // Our own locks count too: if this process drops a work item without committing, its lock expiry is when to look again.
            var knownDue = dueAgain.Concat(items.Select(i => i.LockedUntil)).Append(scan.NextDue ?? DateTimeOffset.MaxValue).Min();
            _orchestrationGate.Completed(version, foundWork: !items.IsEmpty || scan.Truncated || skipped > 0,
                knownDue == DateTimeOffset.MaxValue ? null : knownDue);
            if (!items.IsEmpty)
            {
                var first = items.First().InstanceId;
                await SetLeaseBellAsync(_controlQueues[Keys.Partition(first, _controlQueues.Length)], [.. items.Select(i => i.LockToken)], now + lockDuration, lockDuration).ConfigureAwait(false);
            }

            return [.. items.OrderBy(i => i.Messages.Count > 0 ? i.Messages[0].VisibleAt : now)];
        }
        finally
        {
            await DeleteDoorbellsAsync(doorbells).ConfigureAwait(false);
        }
    }

    private async Task<CheckResult> TryLockOrchestrationAsync(Candidate candidate, DateTimeOffset now, TimeSpan lockDuration, Func<bool> reserve, Action release, CancellationToken cancellationToken)
    {
        var instanceId = candidate.InstanceId;
        var pk = Pk(instanceId);
        var nowMs = Ms(now);
        var rows = await QueryAllAsync(_instances, TableClient.CreateQueryFilter(
            $"PartitionKey eq {pk} and (RowKey eq {Keys.InstanceRow} or RowKey eq {Keys.CounterRow} or (RowKey ge {Keys.MessagePrefix} and RowKey lt {Keys.After(Keys.MessagePrefix)}))"),
            cancellationToken).ConfigureAwait(false);
        var instanceRow = rows.Find(r => r.RowKey == Keys.InstanceRow);
        if (instanceRow is null)
        {
            await ApplyScheduleAsync([], candidate.Entries).ConfigureAwait(false);
            return new CheckResult(CheckOutcome.NothingDue);
        }

        var lockUntilMs = GetLong(instanceRow, "LockUntilMs");
        if (!string.IsNullOrEmpty(instanceRow.GetString("LockToken")) && lockUntilMs > nowMs)
        {
            return new CheckResult(CheckOutcome.LockedByOther, DueAgainAt: FromMs(lockUntilMs));
        }

        var counter = rows.Find(r => r.RowKey == Keys.CounterRow) is { } counterRow ? GetLong(counterRow, "Value") : 0;
        var suspended = StatusOf(instanceRow) == InstanceStatus.Suspended;
        var messages = rows.Where(r => r.RowKey.StartsWith(Keys.MessagePrefix, StringComparison.Ordinal) && Keys.MessageId(r.RowKey) <= counter).ToList();
        var visible = messages
            .Where(m => GetLong(m, "VisibleMs") <= nowMs && (!suspended || m.GetBoolean("IsControl") == true))
            .Take(_options.MaxMessagesPerWorkItem)
            .ToList();
        if (visible.Count == 0)
        {
            await HealEntriesAsync(candidate, messages, suspended).ConfigureAwait(false);
            return new CheckResult(CheckOutcome.NothingDue);
        }

        if (!reserve())
        {
            return new CheckResult(CheckOutcome.Skipped);
        }

        var lockToken = Guid.NewGuid().ToString("N");
        var lockedUntil = now + lockDuration;
        TableEntity locked;
        try
        {
            var update = new TableEntity(pk, Keys.InstanceRow) { ["LockToken"] = lockToken, ["LockUntilMs"] = Ms(lockedUntil) };
            var response = await _instances.UpdateEntityAsync(update, instanceRow.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
            locked = instanceRow;
            locked["LockToken"] = lockToken;
            locked["LockUntilMs"] = Ms(lockedUntil);
            locked.ETag = response.Headers.ETag ?? default;
        }
        catch (RequestFailedException exception) when (IsConflict(exception))
        {
            release();
            return new CheckResult(CheckOutcome.Skipped);
        }

        var history = await ReadHistoryAsync(pk, GetInt(locked, "HistoryEpoch"), GetLong(locked, "HistoryCount"), cancellationToken).ConfigureAwait(false);
        var inbox = new List<InboxMessage>(visible.Count);
        foreach (var row in visible)
        {
            inbox.Add(await ReadMessageAsync(row, cancellationToken).ConfigureAwait(false));
        }

        return new CheckResult(CheckOutcome.Locked, new OrchestrationWorkItem
        {
            InstanceId = instanceId,
            LockToken = lockToken,
            LockedUntil = lockedUntil,
            Instance = await ReadInstanceAsync(locked, cancellationToken).ConfigureAwait(false),
            History = history,
            Messages = inbox,
        });
    }

    /// <summary>
    /// Nothing was due for a candidate: deletes its entries whose message is gone or waits behind a suspension, and moves
    /// an entry whose time disagrees with its message's.
    /// </summary>
    private async Task HealEntriesAsync(Candidate candidate, List<TableEntity> messages, bool suspended)
    {
        var byKey = messages.ToDictionary(m => m.RowKey, StringComparer.Ordinal);
        var upserts = new List<ScheduleEntry>();
        foreach (var entry in candidate.Entries)
        {
            if (byKey.TryGetValue(entry.Target, out var message) && !(suspended && message.GetBoolean("IsControl") != true))
            {
                upserts.Add(EntryOf(message));
            }
        }

        await ApplyScheduleAsync(upserts, candidate.Entries).ConfigureAwait(false);
    }

    /// <remarks>
    /// Reads the instance row, counter, inbox and activities in one query and checks the lock token; then writes, in one
    /// transaction, the instance row (by the ETag just read: a lock taken meanwhile makes it start over and fail), the
    /// counter, new and deleted messages, new activities and as much of the history as fits. History beyond that goes
    /// first, in earlier transactions, to positions the instance row does not count yet. Afterwards the schedule entries
    /// of deleted messages go, and those of every remaining message and new activity are (re)written.
    /// </remarks>
    public async Task CommitOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(commit);
        var instanceId = workItem.InstanceId;
        RequireSameInstance(instanceId, commit.Instance.InstanceId, nameof(commit));
        foreach (var message in commit.NewMessages)
        {
            RequireSameInstance(instanceId, message.InstanceId, nameof(commit));
        }

        foreach (var activity in commit.NewActivities)
        {
            RequireSameInstance(instanceId, activity.InstanceId, nameof(commit));
        }

        using var operation = Begin();
        var pk = Pk(instanceId);
        var historyTemplates = new List<TableEntity>(commit.NewHistory.Count);
        foreach (var historyEvent in commit.NewHistory)
        {
            var entity = new TableEntity();
            await SetTextAsync(entity, "Event", HistoryJson.Serialize(historyEvent), instanceId, cancellationToken).ConfigureAwait(false);
            historyTemplates.Add(entity);
        }

        var messageTemplates = new List<(InboxMessage Message, TableEntity Template)>(commit.NewMessages.Count);
        foreach (var message in commit.NewMessages)
        {
            messageTemplates.Add((message, await MessageTemplateAsync(message, cancellationToken).ConfigureAwait(false)));
        }

        var activityTemplates = new List<(ActivityWorkItem Activity, TableEntity Template)>(commit.NewActivities.Count);
        foreach (var activity in commit.NewActivities)
        {
            activityTemplates.Add((activity, await ActivityTemplateAsync(activity, cancellationToken).ConfigureAwait(false)));
        }

        TableEntity? instanceTemplate = null;
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {pk} and (RowKey lt {"b"} or (RowKey ge {Keys.MessagePrefix} and RowKey lt {Keys.After(Keys.MessagePrefix)}))");
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var rows = await QueryAllAsync(_instances, filter, cancellationToken).ConfigureAwait(false);
            var instanceRow = rows.Find(r => r.RowKey == Keys.InstanceRow);
            if (instanceRow is null || !string.Equals(instanceRow.GetString("LockToken"), workItem.LockToken, StringComparison.Ordinal))
            {
                await ReleaseLeaseBellAsync(workItem.LockToken).ConfigureAwait(false);
                throw new LockLostException(instanceId);
            }

            instanceTemplate ??= await InstanceTemplateAsync(commit.Instance, GetLong(instanceRow, "CreatedMs"),
                await GetTextAsync(instanceRow, "Tags", cancellationToken).ConfigureAwait(false) ?? "{}", cancellationToken).ConfigureAwait(false);
            var counterRow = rows.Find(r => r.RowKey == Keys.CounterRow);
            var counter = counterRow is null ? 0 : GetLong(counterRow, "Value");
            var messages = rows.Where(r => r.RowKey.StartsWith(Keys.MessagePrefix, StringComparison.Ordinal) && Keys.MessageId(r.RowKey) <= counter).ToList();
            var activityKeys = rows.Where(r => r.RowKey.StartsWith(Keys.ActivityPrefix, StringComparison.Ordinal)).Select(r => r.RowKey).ToHashSet(StringComparer.Ordinal);

            // Deleted: consumed messages, cancelled timers of the execution the episode ran, all timers when asked.
            var consumed = commit.ConsumedMessageIds.ToHashSet();
            var cancelled = commit.CancelledTimers.ToHashSet();
            var timerExecution = workItem.Instance?.ExecutionId ?? instanceRow.GetString("ExecutionId");
            var deleted = messages.Where(m =>
            {
                var timer = m.GetInt32("TimerSeq");
                return consumed.Contains(Keys.MessageId(m.RowKey))
                    || (timer is { } seq && cancelled.Contains(seq) && string.Equals(m.GetString("ExecutionId"), timerExecution, StringComparison.Ordinal))
                    || (commit.DeleteAllTimers && timer is not null);
            }).ToList();

            var epoch = GetInt(instanceRow, "HistoryEpoch");
            var historyBase = GetLong(instanceRow, "HistoryCount");
            if (commit.ReplaceHistory)
            {
                epoch++;
                historyBase = 0;
            }

            var final = new List<TableTransactionAction>
            {
                new(TableTransactionActionType.UpdateReplace, InstanceRow(instanceTemplate, pk, epoch, historyBase + historyTemplates.Count), instanceRow.ETag),
            };
            var newMessageIds = new List<(InboxMessage Message, long Id)>(messageTemplates.Count);
            if (messageTemplates.Count > 0)
            {
                var id = counter;
                foreach (var (message, template) in messageTemplates)
                {
                    id++;
                    newMessageIds.Add((message, id));
                    final.Add(new(TableTransactionActionType.UpsertReplace, Copy(template, pk, Keys.Message(id))));
                }

                final.Add(CounterAction(pk, counterRow, id));
            }

            final.AddRange(deleted.Select(m => new TableTransactionAction(TableTransactionActionType.Delete, m, ETag.All)));
            var newActivities = activityTemplates
                .Select(a => (a.Activity, Key: Keys.Activity(a.Activity.ExecutionId, a.Activity.Sequence), a.Template))
                .Where(a => !activityKeys.Contains(a.Key))
                .DistinctBy(a => a.Key)
                .ToList();
            final.AddRange(newActivities.Select(a => new TableTransactionAction(TableTransactionActionType.Add, Copy(a.Template, pk, a.Key))));
            if (final.Count > MaxBatchActions)
            {
                throw new InvalidOperationException(
                    $"The episode of instance '{instanceId}' writes {final.Count} rows besides its history; one Azure Tables transaction holds at most {MaxBatchActions}. " +
                    "Lower MaxMessagesPerWorkItem or schedule fewer activities and timers per episode.");
            }

            // History rows at positions the instance row does not count yet: invisible until the final transaction.
            var historyActions = historyTemplates
                .Select((template, i) => new TableTransactionAction(TableTransactionActionType.UpsertReplace, Copy(template, pk, Keys.History(epoch, historyBase + i))))
                .ToList();
            var finalBytes = final.Sum(a => EstimateSize(a.Entity));
            var tail = 0;
            while (tail < historyActions.Count && final.Count + tail < MaxBatchActions
                && finalBytes + EstimateSize(historyActions[^(tail + 1)].Entity) <= MaxBatchBytes)
            {
                finalBytes += EstimateSize(historyActions[^(tail + 1)].Entity);
                tail++;
            }

            final.AddRange(historyActions.Skip(historyActions.Count - tail));
            if (BeforeCommitTransactionForTests is { } hook)
            {
                await hook(instanceId).ConfigureAwait(false);
            }

            try
            {
                foreach (var batch in Chunk(historyActions.Take(historyActions.Count - tail)))
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

            var deletedKeys = deleted.Select(m => m.RowKey).ToHashSet(StringComparer.Ordinal);
            var remaining = messages.Where(m => !deletedKeys.Contains(m.RowKey)).Select(EntryOf);
            var created = newMessageIds.Select(m => MessageEntry(instanceId, m.Id, Ms(m.Message.VisibleAt)));
            var activityEntries = newActivities.Select(a => ActivityEntry(instanceId, a.Key, Ms(a.Activity.VisibleAt)));
            var previousEpoch = commit.ReplaceHistory ? epoch - 1 : (int?)null;
            await FollowUpAsync(instanceId, async () =>
            {
                await ApplyScheduleAsync([.. remaining, .. created, .. activityEntries], deleted.Select(EntryOf)).ConfigureAwait(false);
                var queue = _controlQueues[Keys.Partition(instanceId, _controlQueues.Length)];
                foreach (var due in newMessageIds.Select(m => m.Message.VisibleAt).Distinct())
                {
                    await RingAsync(queue, instanceId, due).ConfigureAwait(false);
                }

                if (newActivities.Count > 0)
                {
                    await RingAsync(_workItemQueue, instanceId, newActivities.Min(a => a.Activity.VisibleAt)).ConfigureAwait(false);
                }

                if (previousEpoch is { } old)
                {
                    await DeleteHistoryEpochAsync(pk, old).ConfigureAwait(false);
                }

                await ReleaseLeaseBellAsync(workItem.LockToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
            _orchestrationGate.Touch();
            if (newActivities.Count > 0)
            {
                _activityGate.Touch();
            }

            return;
        }

        throw TooManyConflicts(instanceId);
    }

    /// <remarks>Clears the lock only while <paramref name="workItem"/> still holds it (ETag-checked); another owner's lock is never released.</remarks>
    public async Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        using var operation = Begin();
        var pk = Pk(workItem.InstanceId);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var row = await GetRowAsync(pk, Keys.InstanceRow, cancellationToken).ConfigureAwait(false);
            if (row is null || !string.Equals(row.GetString("LockToken"), workItem.LockToken, StringComparison.Ordinal))
            {
                await ReleaseLeaseBellAsync(workItem.LockToken).ConfigureAwait(false);
                return;
            }

            try
            {
                var update = new TableEntity(pk, Keys.InstanceRow) { ["LockToken"] = string.Empty, ["LockUntilMs"] = 0L };
                await _instances.UpdateEntityAsync(update, row.ETag, TableUpdateMode.Merge, cancellationToken).ConfigureAwait(false);
                await FollowUpAsync(workItem.InstanceId, () => ReleaseLeaseBellAsync(workItem.LockToken)).ConfigureAwait(false);
                _orchestrationGate.Touch();
                Interlocked.Increment(ref _scheduleVersion);
                return;
            }
            catch (RequestFailedException exception) when (IsConflict(exception))
            {
                await BackOffAsync(attempt, cancellationToken).ConfigureAwait(false);
            }
        }

        throw TooManyConflicts(workItem.InstanceId);
    }
}
