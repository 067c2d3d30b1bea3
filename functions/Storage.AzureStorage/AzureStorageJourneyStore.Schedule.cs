using System.Collections.Concurrent;
using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>The schedule index (what is due when), doorbells (queues), the wake-up answer and the recovery sweep.</summary>
public sealed partial class AzureStorageJourneyStore
{
    private const string OrchestrationKind = "o";
    private const string ActivityKind = "a";
    private static readonly TimeSpan SweepOverlap = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan EarlyDoorbellTolerance = TimeSpan.FromSeconds(1);

    private readonly Lock _pacingLock = new();
    private readonly DateTimeOffset[] _nextSchedulePollAt = [DateTimeOffset.MinValue, DateTimeOffset.MinValue];
    private readonly ConcurrentDictionary<string, LeaseBell> _leaseBells = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweepAt = DateTimeOffset.MaxValue;
    private DateTimeOffset? _lastSweepStart;
    private WakeUpAnswer? _wakeUp;

    /// <summary>A schedule entry: "the row <see cref="Target"/> of <see cref="InstanceId"/> may be due at <see cref="DueMs"/>".</summary>
    internal sealed record ScheduleEntry(string Partition, string RowKey, string InstanceId, string Target, long DueMs, ETag ETag = default);

    private sealed record Candidate(string InstanceId, List<ScheduleEntry> Entries)
    {
        public long DueMs => Entries.Min(e => e.DueMs);
    }

    private sealed record ScanResult(List<Candidate> Candidates, DateTimeOffset? NextDue, bool Truncated);

    private sealed record WakeUpAnswer(long Version, DateTimeOffset QueriedAt, DateTimeOffset? Answer, DateTimeOffset ExpiresAt);

    private string SchedulePartition(string kind, string instanceId) =>
        kind + Keys.Partition(instanceId, _options.PartitionCount).ToString("D2", CultureInfo.InvariantCulture);

    private ScheduleEntry MessageEntry(string instanceId, long messageId, long dueMs) =>
        Entry(OrchestrationKind, instanceId, Keys.Message(messageId), dueMs);

    private ScheduleEntry ActivityEntry(string instanceId, string activityRowKey, long dueMs) =>
        Entry(ActivityKind, instanceId, activityRowKey, dueMs);

    private ScheduleEntry Entry(string kind, string instanceId, string target, long dueMs) =>
        new(SchedulePartition(kind, instanceId), Keys.Time(dueMs) + "_" + Keys.Encode(instanceId) + "_" + target, instanceId, target, dueMs);

    /// <summary>The schedule entry of an inbox (<c>m-</c>) or activity (<c>a-</c>) row.</summary>
    private ScheduleEntry EntryOf(TableEntity row) =>
        row.RowKey.StartsWith(Keys.MessagePrefix, StringComparison.Ordinal)
            ? MessageEntry(row.GetString("InstanceId"), Keys.MessageId(row.RowKey), GetLong(row, "VisibleMs"))
            : ActivityEntry(row.GetString("InstanceId"), row.RowKey, GetLong(row, "AvailableMs"));

    private static ScheduleEntry ReadEntry(TableEntity row) => new(
        row.PartitionKey, row.RowKey, row.GetString("InstanceId"), row.GetString("Target"),
        long.Parse(row.RowKey.AsSpan(0, 15), NumberStyles.None, CultureInfo.InvariantCulture), row.ETag);

    /// <summary>
    /// Upserts and deletes schedule entries, a transaction per schedule partition and 100 entries. Deletes carry the
    /// ETag read with the entry (or match any); an entry already gone, or changed since it was read, is left alone.
    /// </summary>
    private async Task ApplyScheduleAsync(IEnumerable<ScheduleEntry> upserts, IEnumerable<ScheduleEntry> deletes)
    {
        var upsertList = upserts.DistinctBy(e => (e.Partition, e.RowKey)).ToList();
        var upsertKeys = upsertList.Select(e => (e.Partition, e.RowKey)).ToHashSet();
        var actions = upsertList
            .Select(e => (e.Partition, Action: new TableTransactionAction(TableTransactionActionType.UpsertReplace,
                new TableEntity(e.Partition, e.RowKey) { ["InstanceId"] = e.InstanceId, ["Target"] = e.Target })))
            .Concat(deletes.Where(e => !upsertKeys.Contains((e.Partition, e.RowKey))).DistinctBy(e => (e.Partition, e.RowKey))
                .Select(e => (e.Partition, Action: new TableTransactionAction(TableTransactionActionType.Delete,
                    new TableEntity(e.Partition, e.RowKey), e.ETag == default ? ETag.All : e.ETag))))
            .ToList();
        if (actions.Count == 0)
        {
            return;
        }

        foreach (var partition in actions.GroupBy(a => a.Partition, StringComparer.Ordinal))
        {
            foreach (var batch in Chunk(partition.Select(a => a.Action)))
            {
                await SubmitSkippingConflictsAsync(_schedule, batch, CancellationToken.None).ConfigureAwait(false);
            }
        }

        Interlocked.Increment(ref _scheduleVersion);
    }

    /// <summary>
    /// Reads the due entries (up to the caller's <paramref name="now"/>) of every schedule partition of one kind, in due
    /// order, grouped by instance; and the first entry after <paramref name="now"/> (the next due time) when the scan reached it.
    /// </summary>
    private async Task<ScanResult> ScanScheduleAsync(string kind, DateTimeOffset now, int maxCount, CancellationToken cancellationToken)
    {
        var nowMs = Ms(now);
        var pageSize = Math.Min(1000, maxCount * 4 + 16);
        var cap = Math.Max(1000, maxCount * 8);
        var shards = await Task.WhenAll(Enumerable.Range(0, _options.PartitionCount).Select(async shard =>
        {
            var partition = kind + shard.ToString("D2", CultureInfo.InvariantCulture);
            var due = new List<ScheduleEntry>();
            long? next = null;
            var truncated = false;
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition}");
            await foreach (var row in _schedule.QueryAsync<TableEntity>(filter, pageSize, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                var entry = ReadEntry(row);
                if (entry.DueMs > nowMs)
                {
                    next = entry.DueMs;
                    break;
                }

                due.Add(entry);
                if (due.Count >= cap)
                {
                    truncated = true;
                    break;
                }
            }

            return (Due: due, Next: next, Truncated: truncated);
        })).ConfigureAwait(false);

        var candidates = shards.SelectMany(s => s.Due)
            .GroupBy(e => e.InstanceId, StringComparer.Ordinal)
            .Select(g => new Candidate(g.Key, [.. g]))
            .OrderBy(c => c.DueMs)
            .ToList();
        var nextDue = shards.Where(s => s.Next is not null).Select(s => s.Next!.Value).DefaultIfEmpty(long.MaxValue).Min();
        return new ScanResult(candidates, nextDue == long.MaxValue ? null : FromMs(nextDue), shards.Any(s => s.Truncated));
    }

    /// <summary>
    /// Whether this poll reads the schedule: always when something local or known is due or a doorbell rang, otherwise at
    /// most every <see cref="AzureStorageOptions.SchedulePollInterval"/> (the safety net for doorbells that were lost).
    /// </summary>
    private bool ScheduleReadDue(string kind, PollReasons reasons, int rang)
    {
        var index = kind == OrchestrationKind ? 0 : 1;
        lock (_pacingLock)
        {
            var pacingNow = _options.PacingClock.GetUtcNow();
            if ((reasons & (PollReasons.LocalWrite | PollReasons.Due | PollReasons.Busy)) == 0 && rang == 0 && pacingNow < _nextSchedulePollAt[index])
            {
                return false;
            }

            _nextSchedulePollAt[index] = pacingNow + _options.SchedulePollInterval;
            return true;
        }
    }

    // ---- doorbells -------------------------------------------------------------------------

    /// <summary>
    /// Sends a doorbell that becomes visible at <paramref name="due"/> on the real clock, or after the queue's 7-day
    /// limit, whichever is first (a doorbell that rings early is sent again for the rest: chaining). Never expires.
    /// </summary>
    private async Task<SendReceipt> RingAsync(QueueClient queue, string instanceId, DateTimeOffset due, TimeSpan? delay = null)
    {
        var wait = delay ?? due - _options.PacingClock.GetUtcNow();
        wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxQueueDelay ? MaxQueueDelay : wait;
        var text = Ms(due).ToString(CultureInfo.InvariantCulture) + "|" + instanceId;
        var receipt = await queue.SendMessageAsync(text, wait, TimeSpan.FromSeconds(-1), CancellationToken.None).ConfigureAwait(false);
        DoorbellSentForTests?.Invoke(new DoorbellSent(queue.Name, instanceId, due, wait, receipt.Value.TimeNextVisible, receipt.Value.InsertionTime));
        return receipt.Value;
    }

    /// <summary>
    /// A doorbell that rings when the locks of one lock call run out: deleted once every work item of the call is
    /// committed, completed or abandoned, so it only rings if this worker died (or stalled) holding them. That is the
    /// queue lease that hands a dead worker's work to the others as soon as its locks expire.
    /// </summary>
    private sealed class LeaseBell(QueueClient queue, SendReceipt receipt, int count)
    {
        private int _open = count;

        public QueueClient Queue { get; } = queue;
        public SendReceipt Receipt { get; } = receipt;

        /// <summary>Marks one work item done; true for the last one.</summary>
        public bool Release() => Interlocked.Decrement(ref _open) == 0;
    }

    /// <summary>Rings a lease bell for the work items (lock tokens) one lock call returned.</summary>
    private async Task SetLeaseBellAsync(QueueClient queue, IReadOnlyCollection<string> lockTokens, DateTimeOffset lockedUntil, TimeSpan lockDuration)
    {
        if (lockTokens.Count == 0)
        {
            return;
        }

        try
        {
            var receipt = await RingAsync(queue, "lease", lockedUntil, lockDuration + EarlyDoorbellTolerance).ConfigureAwait(false);
            var bell = new LeaseBell(queue, receipt, lockTokens.Count);
            foreach (var token in lockTokens)
            {
                _leaseBells[token] = bell;
            }
        }
        catch (RequestFailedException exception)
        {
            Log.FollowUpFailed(_logger, "lease", exception);
        }
    }

    /// <summary>Marks the work item with <paramref name="lockToken"/> done; deletes its lease bell with the last one.</summary>
    private async Task ReleaseLeaseBellAsync(string? lockToken)
    {
        if (lockToken is null || !_leaseBells.TryRemove(lockToken, out var bell) || !bell.Release())
        {
            return;
        }

        try
        {
            await bell.Queue.DeleteMessageAsync(bell.Receipt.MessageId, bell.Receipt.PopReceipt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // It rang already (the work took longer than the lock) and another worker deleted it.
        }
    }

    /// <summary>
    /// Receives visible doorbells. One that rang early (its due time is still ahead on the real clock: a chained long
    /// timer) is sent again for the rest and deleted; the others count as rung and are returned, to be deleted after the
    /// schedule was read (until then their queue lease keeps them from other workers).
    /// </summary>
    private async Task<List<(QueueClient Queue, QueueMessage Message)>> ReceiveDoorbellsAsync(IReadOnlyList<QueueClient> queues, CancellationToken cancellationToken)
    {
        var received = await Task.WhenAll(queues.Select(async queue =>
        {
            var messages = await queue.ReceiveMessagesAsync(32, _options.DoorbellLease, cancellationToken).ConfigureAwait(false);
            return messages.Value.Select(m => (Queue: queue, Message: m)).ToList();
        })).ConfigureAwait(false);

        var rung = new List<(QueueClient, QueueMessage)>();
        foreach (var (queue, message) in received.SelectMany(r => r))
        {
            var text = message.Body.ToString();
            var separator = text.IndexOf('|', StringComparison.Ordinal);
            if (separator > 0 && long.TryParse(text.AsSpan(0, separator), NumberStyles.Integer, CultureInfo.InvariantCulture, out var dueMs)
                && FromMs(dueMs) - _options.PacingClock.GetUtcNow() > EarlyDoorbellTolerance)
            {
                var instanceId = text[(separator + 1)..];
                var due = FromMs(dueMs);
                await RingAsync(queue, instanceId, due).ConfigureAwait(false);
                await DeleteDoorbellAsync(queue, message).ConfigureAwait(false);
                var rest = due - _options.PacingClock.GetUtcNow();
                Log.DoorbellChained(_logger, instanceId, due, rest);
                continue;
            }

            rung.Add((queue, message));
        }

        return rung;
    }

    private static async Task DeleteDoorbellsAsync(List<(QueueClient Queue, QueueMessage Message)> doorbells)
    {
        foreach (var (queue, message) in doorbells)
        {
            await DeleteDoorbellAsync(queue, message).ConfigureAwait(false);
        }
    }

    private static async Task DeleteDoorbellAsync(QueueClient queue, QueueMessage message)
    {
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // Its lease ran out and another worker took it: nothing to do.
        }
    }

    // ---- poller ----------------------------------------------------------------------------

    /// <remarks>
    /// The earliest schedule entry strictly after <paramref name="now"/> over all partitions (a locked activity's entry
    /// sits at its lock expiry, so a crashed worker's activity also wakes the poller). The answer is kept and reused
    /// while this store wrote nothing, no doorbell rang, the caller's clock has not passed it, and for at most
    /// <see cref="AzureStorageOptions.SchedulePollInterval"/> of real time, so an idle worker asking every few seconds costs nothing.
    /// </remarks>
    public async Task<DateTimeOffset?> GetNextWakeUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        using var operation = Begin();
        var version = Interlocked.Read(ref _scheduleVersion);
        var cached = Volatile.Read(ref _wakeUp);
        if (cached is not null && cached.Version == version && now >= cached.QueriedAt && (cached.Answer is null || now < cached.Answer)
            && _options.PacingClock.GetUtcNow() < cached.ExpiresAt)
        {
            return cached.Answer;
        }

        var after = Keys.Time(Ms(now) + 1);
        var partitions = new[] { OrchestrationKind, ActivityKind }
            .SelectMany(kind => Enumerable.Range(0, _options.PartitionCount).Select(s => kind + s.ToString("D2", CultureInfo.InvariantCulture)));
        var firsts = await Task.WhenAll(partitions.Select(async partition =>
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {after}");
            await foreach (var row in _schedule.QueryAsync<TableEntity>(filter, 1, ["PartitionKey", "RowKey"], cancellationToken).ConfigureAwait(false))
            {
                return long.Parse(row.RowKey.AsSpan(0, 15), NumberStyles.None, CultureInfo.InvariantCulture);
            }

            return long.MaxValue;
        })).ConfigureAwait(false);

        var earliest = firsts.Min();
        DateTimeOffset? answer = earliest == long.MaxValue ? null : FromMs(earliest);
        Volatile.Write(ref _wakeUp, new WakeUpAnswer(version, now, answer, _options.PacingClock.GetUtcNow() + _options.SchedulePollInterval));
        return answer;
    }

    // ---- recovery sweep --------------------------------------------------------------------

    /// <summary>
    /// Gives every inbox message and activity row its schedule entry back (upserting is harmless when it exists). A full
    /// sweep reads every such row; an incremental one only rows changed since the previous sweep started, less an
    /// overlap. Repairs a crash between an instance transaction and its schedule write. Returns the rows seen.
    /// </summary>
    internal async Task<int> SweepAsync(bool full, CancellationToken cancellationToken)
    {
        var started = _options.PacingClock.GetUtcNow();
        var filter = TableClient.CreateQueryFilter(
            $"(RowKey ge {Keys.MessagePrefix} and RowKey lt {Keys.After(Keys.MessagePrefix)}) or (RowKey ge {Keys.ActivityPrefix} and RowKey lt {Keys.After(Keys.ActivityPrefix)})");
        if (!full && _lastSweepStart is { } last)
        {
            filter = "(" + filter + ") and " + TableClient.CreateQueryFilter($"Timestamp ge {last - SweepOverlap}");
        }

        var rows = await QueryAllAsync(_instances, filter, cancellationToken, 1000, ["PartitionKey", "RowKey", "InstanceId", "VisibleMs", "AvailableMs"]).ConfigureAwait(false);
        await ApplyScheduleAsync(rows.Select(EntryOf), []).ConfigureAwait(false);
        lock (_pacingLock)
        {
            _lastSweepStart = started;
            _nextSweepAt = started + _options.SweepInterval;
        }

        if (rows.Count > 0)
        {
            _orchestrationGate.Touch();
            _activityGate.Touch();
        }

        Log.Swept(_logger, full ? "full" : "incremental", rows.Count);
        return rows.Count;
    }

    /// <summary>Runs the incremental sweep when its interval has passed (called from the lock calls, so idle workers sweep too).</summary>
    private async Task SweepIfDueAsync(CancellationToken cancellationToken)
    {
        lock (_pacingLock)
        {
            if (_options.PacingClock.GetUtcNow() < _nextSweepAt)
            {
                return;
            }

            _nextSweepAt = DateTimeOffset.MaxValue;
        }

        try
        {
            await SweepAsync(full: false, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_pacingLock)
            {
                _nextSweepAt = _options.PacingClock.GetUtcNow() + _options.MinPollingInterval;
            }

            throw;
        }
    }
}
