using Azure.Data.Tables;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.AzureStorage.Data;

/// <summary>What journeys do: sales tasks, touchpoints and the development mailbox.</summary>
public sealed partial class AzureStorageJourneyDataStore
{
    private const string DealerPrefix = "d-";
    private const string IdPrefix = "i-";
    private const string AllMail = "a";
    private const string JourneyMailPrefix = "j-";
    private const string RecipientMailPrefix = "t-";
    private const string CounterPartition = "$seq";

    // ---- tasks: d-{dealer} / {id} is the task; i-{id} / $ names its dealer (immutable, written first) ----------

    public async Task<bool> CreateTaskAsync(SalesTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        using var operation = Begin();
        var lookup = new TableEntity(IdPrefix + DataTables.Key(task.Id), DataTables.SingleRow) { ["DealerId"] = task.DealerId };
        if (!await _data.TryAddAsync(_tasks, lookup, cancellationToken).ConfigureAwait(false))
        {
            // The id is taken: by this task (a crash may have stopped its creator before the task row, which is written now)
            // or by another dealer's task (nothing changes).
            var taken = await DataTables.GetAsync(_tasks, lookup.PartitionKey, lookup.RowKey, cancellationToken).ConfigureAwait(false);
            if (taken is not null && taken.GetString("DealerId") != task.DealerId)
            {
                return false;
            }
        }

        var entity = TaskRow(task);
        await _data.SetRecordAsync(entity, task, "tasks", cancellationToken).ConfigureAwait(false);
        return await _data.TryAddAsync(_tasks, entity, cancellationToken).ConfigureAwait(false);
    }

    public async Task<SalesTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        using var operation = Begin();
        var row = await ReadTaskRowAsync(taskId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : await _data.GetRecordAsync<SalesTask>(row, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<SalesTask>> ListTasksAsync(string? dealerId, string? status, CancellationToken cancellationToken = default)
    {
        using var operation = Begin();
        var filter = dealerId is null
            ? DataTables.StartsWith("PartitionKey", DealerPrefix)
            : $"PartitionKey eq '{DataTables.Escape(DealerPrefix + DataTables.Key(dealerId))}'";
        if (status is not null)
        {
            filter += $" and Status eq '{DataTables.Escape(status)}'";
        }

        var rows = await DataTables.QueryAsync(_tasks, filter, cancellationToken).ConfigureAwait(false);
        var tasks = await Task.WhenAll(rows.Select(r => _data.GetRecordAsync<SalesTask>(r, cancellationToken))).ConfigureAwait(false);
        return [.. tasks.OrderBy(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal)];
    }

    public Task<SalesTask?> CompleteTaskAsync(string taskId, string outcome, string? notes, DateTimeOffset now, string? completedBy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(outcome);
        return ChangeOpenTaskAsync(taskId, task => task with { Status = TaskStatuses.Completed, Outcome = outcome, Notes = notes, CompletedAt = now, CompletedBy = completedBy }, cancellationToken);
    }

    public Task<SalesTask?> ReassignTaskAsync(string taskId, string assignee, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(assignee);
        return ChangeOpenTaskAsync(taskId, task => task with { Assignee = assignee }, cancellationToken);
    }

    /// <summary>
    /// Applies <paramref name="change"/> to an open task by ETag (another process's change in between: read again and
    /// retry); a task that is no longer open is returned unchanged; null when unknown.
    /// </summary>
    private async Task<SalesTask?> ChangeOpenTaskAsync(string taskId, Func<SalesTask, SalesTask> change, CancellationToken cancellationToken)
    {
        using var operation = Begin();
        for (var attempt = 1; ; attempt++)
        {
            var row = await ReadTaskRowAsync(taskId, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return null;
            }

            var task = await _data.GetRecordAsync<SalesTask>(row, cancellationToken).ConfigureAwait(false);
            if (task.Status != TaskStatuses.Open)
            {
                return task;
            }

            var changed = change(task);
            if (changed == task)
            {
                return task;
            }

            var entity = TaskRow(changed);
            await _data.SetRecordAsync(entity, changed, "tasks", cancellationToken).ConfigureAwait(false);
            if (await _data.TryReplaceAsync(_tasks, row, entity, cancellationToken).ConfigureAwait(false))
            {
                return changed;
            }

            // Completed (or changed) by another process since the read: the next read sees its change.
            await DataTables.BackOffAsync(attempt, $"Task '{taskId}'", cancellationToken).ConfigureAwait(false);
        }
    }

    private static TableEntity TaskRow(SalesTask task) => new(DealerPrefix + DataTables.Key(task.DealerId), DataTables.Key(task.Id))
    {
        ["Status"] = task.Status,
        ["JourneyId"] = task.JourneyId,
        ["CustomerId"] = task.CustomerId,
        ["CreatedAtMs"] = DataTables.Ms(task.CreatedAt),
    };

    private async Task<TableEntity?> ReadTaskRowAsync(string taskId, CancellationToken cancellationToken)
    {
        var lookup = await DataTables.GetAsync(_tasks, IdPrefix + DataTables.Key(taskId), DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
        return lookup?.GetString("DealerId") is not { } dealer
            ? null
            : await DataTables.GetAsync(_tasks, DealerPrefix + DataTables.Key(dealer), DataTables.Key(taskId), cancellationToken).ConfigureAwait(false);
    }

    // ---- touchpoints: {journey} / {id} --------------------------------------------------------------------------

    public async Task<bool> AddTouchpointAsync(Touchpoint touchpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(touchpoint);
        using var operation = Begin();
        var entity = new TableEntity(DataTables.Key(touchpoint.JourneyId), DataTables.Key(touchpoint.Id))
        {
            ["DealerId"] = touchpoint.DealerId,
            ["CustomerId"] = touchpoint.CustomerId,
            ["OccurredAtMs"] = DataTables.Ms(touchpoint.OccurredAt),
        };
        await _data.SetRecordAsync(entity, touchpoint, "touchpoints", cancellationToken).ConfigureAwait(false);
        return await _data.TryAddAsync(_touchpoints, entity, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Touchpoint>> ListTouchpointsAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        using var operation = Begin();
        var rows = await DataTables.QueryAsync(_touchpoints, $"PartitionKey eq '{DataTables.Escape(DataTables.Key(journeyId))}'", cancellationToken).ConfigureAwait(false);
        var read = await Task.WhenAll(rows.Select(async r => (Row: r, Touchpoint: await _data.GetRecordAsync<Touchpoint>(r, cancellationToken).ConfigureAwait(false))))
            .ConfigureAwait(false);
        return [.. read
            .OrderBy(x => x.Touchpoint.OccurredAt)
            .ThenBy(x => x.Row.Timestamp)
            .ThenBy(x => x.Touchpoint.Id, StringComparer.Ordinal)
            .Select(x => x.Touchpoint)];
    }

    // ---- mailbox: i-{id} / $ is the message; copies under a, j-{journey}, t-{to} keyed by the inverted counter ----

    public async Task<bool> AddMailAsync(MailboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var operation = Begin();
        var idPartition = IdPrefix + DataTables.Key(message.Id);
        var existing = await DataTables.GetAsync(_mailbox, idPartition, DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            var sequence = await NextMailSequenceAsync(cancellationToken).ConfigureAwait(false);
            var entity = new TableEntity(idPartition, DataTables.SingleRow)
            {
                ["Sequence"] = sequence,
                ["JourneyId"] = message.JourneyId,
                ["To"] = message.To,
                ["DealerId"] = message.DealerId,
                ["CustomerId"] = message.CustomerId,
            };
            await _data.SetRecordAsync(entity, message, "mail", cancellationToken).ConfigureAwait(false);
            if (await _data.TryAddAsync(_mailbox, entity, cancellationToken).ConfigureAwait(false))
            {
                await WriteMailCopiesAsync(entity, cancellationToken).ConfigureAwait(false);
                return true;
            }

            // Added by another process at the same moment (the counter value taken here stays unused).
            existing = await DataTables.GetAsync(_mailbox, idPartition, DataTables.SingleRow, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Mail '{message.Id}' was added and deleted while this store added it.");
        }

        // Stored before: write its copies again, in case the process that stored it stopped before it wrote them.
        await WriteMailCopiesAsync(existing, cancellationToken).ConfigureAwait(false);
        return false;
    }

    public async Task<IReadOnlyList<MailboxMessage>> ListMailAsync(string? to, string? journeyId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        using var operation = Begin();
        var filter = (to, journeyId) switch
        {
            (null, null) => $"PartitionKey eq '{AllMail}'",
            (not null, null) => $"PartitionKey eq '{DataTables.Escape(RecipientMailPrefix + DataTables.Key(to))}'",
            (null, not null) => $"PartitionKey eq '{DataTables.Escape(JourneyMailPrefix + DataTables.Key(journeyId))}'",
            _ => $"PartitionKey eq '{DataTables.Escape(JourneyMailPrefix + DataTables.Key(journeyId))}' and To eq '{DataTables.Escape(to)}'",
        };
        var rows = await DataTables.QueryAsync(_mailbox, filter, cancellationToken, take: limit).ConfigureAwait(false);
        return await Task.WhenAll(rows.Select(r => _data.GetRecordAsync<MailboxMessage>(r, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>The listing copies of a stored message (upserts: writing them twice changes nothing).</summary>
    private async Task WriteMailCopiesAsync(TableEntity message, CancellationToken cancellationToken)
    {
        var sequence = message.GetInt64("Sequence")!.Value;
        var journeyId = message.GetString("JourneyId");
        var to = message.GetString("To");
        var copies = new[] { AllMail, JourneyMailPrefix + DataTables.Key(journeyId), RecipientMailPrefix + DataTables.Key(to) }.Select(partition =>
        {
            var copy = new TableEntity(partition, DataTables.Inverted(sequence)) { ["Sequence"] = sequence, ["JourneyId"] = journeyId, ["To"] = to };
            DataTables.CopyRecord(message, copy);
            return copy;
        });
        await Task.WhenAll(copies.Select(c => _mailbox.UpsertEntityAsync(c, TableUpdateMode.Replace, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>The next value of the mailbox counter (ETag-checked increment), so that listings are in insertion order across processes.</summary>
    private async Task<long> NextMailSequenceAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var counter = await DataTables.GetAsync(_mailbox, CounterPartition, DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
            var next = (counter?.GetInt64("Next") ?? 0) + 1;
            var entity = new TableEntity(CounterPartition, DataTables.SingleRow) { ["Next"] = next };
            var written = counter is null
                ? await _data.TryAddAsync(_mailbox, entity, cancellationToken).ConfigureAwait(false)
                : await _data.TryReplaceAsync(_mailbox, counter, entity, cancellationToken).ConfigureAwait(false);
            if (written)
            {
                return next;
            }

            await DataTables.BackOffAsync(attempt, "The mailbox counter", cancellationToken).ConfigureAwait(false);
        }
    }
}
