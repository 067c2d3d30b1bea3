using Azure;
using Azure.Data.Tables;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.AzureStorage.Data;

/// <summary>
/// Erasure (GDPR): a customer's rows, and the audit records (table <c>Erasures</c>: the records in partition <c>r</c>, one row
/// per id, with an insertion counter; the blob journals of unfinished erasures in <c>j|{dealer}|{customer}</c>).
/// </summary>
/// <remarks>
/// <para><b>Not one transaction, but restartable.</b> The customer's rows are in several tables and partitions, so
/// <see cref="EraseCustomerAsync(string, string, string?, string, CancellationToken)"/> is a sequence of steps, each of which a second call redoes safely: (1) the tasks, (2) the
/// mailbox messages, (3) the touchpoints (anonymised), (4) the profile, <b>last</b>, so that a crash at any earlier point
/// leaves the profile, by which the caller finds the unfinished erasure and calls again; (5) the blobs of the records deleted
/// or replaced. Every step finds its rows by the columns they carry (<c>DealerId</c>, <c>CustomerId</c>, <c>To</c>), so a
/// row the crashed call did not reach is found again, and one it did is not counted twice.</para>
/// <para><b>Blobs.</b> Before a row that names a blob (a large record) is deleted or replaced, the blob's name is recorded in
/// the journal partition; the journaled blobs are deleted after the profile, then the journal. A crash at any point therefore
/// leaves no row naming a deleted blob and no unnamed blob: the next call (the caller calls again while its audit record is
/// <c>started</c>) deletes what the journal names.</para>
/// </remarks>
public sealed partial class AzureStorageJourneyDataStore
{
    private const string ErasureRecords = "r";
    /// <summary>The counter row of <see cref="ErasureRecords"/>; never a record's key (<c>|</c> is escaped in keys).</summary>
    private const string ErasureCounter = "|seq";
    private const string JournalPrefix = "j|";

    public async Task<CustomerErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string pseudonym, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(pseudonym);
        using var operation = Begin();
        var journal = JournalPrefix + DataTables.Key(dealerId) + "|" + DataTables.Key(customerId);
        var tasks = await EraseTasksAsync(dealerId, customerId, journal, cancellationToken).ConfigureAwait(false);
        var mail = await EraseMailAsync(dealerId, customerId, email, journal, cancellationToken).ConfigureAwait(false);
        var touchpoints = await AnonymiseTouchpointsAsync(dealerId, customerId, pseudonym, journal, cancellationToken).ConfigureAwait(false);
        var profile = await DeleteProfileAsync(dealerId, customerId, journal, cancellationToken).ConfigureAwait(false);
        await _data.DeleteJournaledBlobsAsync(_erasures, journal, cancellationToken).ConfigureAwait(false);
        return new CustomerErasure(profile, tasks, touchpoints, mail);
    }

    /// <summary>
    /// The customer's tasks (open and completed) in the dealer's partition: the id row first (a crash after it leaves the task,
    /// which the next call finds), then the task by ETag (a task completed meanwhile is read again).
    /// </summary>
    private async Task<int> EraseTasksAsync(string dealerId, string customerId, string journal, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq '{DataTables.Escape(DealerPrefix + DataTables.Key(dealerId))}' and CustomerId eq '{DataTables.Escape(customerId)}'";
        var deleted = 0;
        for (var attempt = 1; ; attempt++)
        {
            var rows = await DataTables.QueryAsync(_tasks, filter, cancellationToken).ConfigureAwait(false);
            await DataTables.JournalBlobsAsync(_erasures, journal, rows.SelectMany(DataTables.BlobsOf), cancellationToken).ConfigureAwait(false);
            var changed = false;
            foreach (var row in rows)
            {
                var lookup = await DataTables.GetAsync(_tasks, IdPrefix + row.RowKey, DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
                if (lookup is not null && lookup.GetString("DealerId") == dealerId)
                {
                    await DataTables.DeleteAsync(_tasks, lookup, ifMatch: false, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    deleted += await DataTables.DeleteAsync(_tasks, row, ifMatch: true, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                }
                catch (RequestFailedException exception) when (exception.Status == 412)
                {
                    changed = true; // completed or reassigned since the query: its new row (and blob) is read again
                }
            }

            if (!changed)
            {
                return deleted;
            }

            await DataTables.BackOffAsync(attempt, $"A task of customer '{dealerId}/{customerId}'", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The dealer's messages of the customer or to <paramref name="email"/> (case-insensitive): found by the message rows'
    /// columns (the dealer's rows, the recipient compared here); the listing copies first, the message row last, so that a
    /// crash in between leaves the message row, by which the next call finds the copies.
    /// </summary>
    private async Task<int> EraseMailAsync(string dealerId, string customerId, string? email, string journal, CancellationToken cancellationToken)
    {
        var address = email?.Trim().ToLowerInvariant();
        var filter = $"{DataTables.StartsWith("PartitionKey", IdPrefix)} and DealerId eq '{DataTables.Escape(dealerId)}'";
        if (address is null)
        {
            filter += $" and CustomerId eq '{DataTables.Escape(customerId)}'";
        }

        var rows = (await DataTables.QueryAsync(_mailbox, filter, cancellationToken).ConfigureAwait(false))
            .Where(r => r.GetString("CustomerId") == customerId || (address is not null && r.GetString("To")?.ToLowerInvariant() == address))
            .ToList();
        await DataTables.JournalBlobsAsync(_erasures, journal, rows.SelectMany(DataTables.BlobsOf), cancellationToken).ConfigureAwait(false);
        var deleted = 0;
        foreach (var row in rows)
        {
            var copyKey = DataTables.Inverted(row.GetInt64("Sequence")!.Value);
            foreach (var partition in new[] { AllMail, JourneyMailPrefix + DataTables.Key(row.GetString("JourneyId")), RecipientMailPrefix + DataTables.Key(row.GetString("To")) })
            {
                await DataTables.DeleteAsync(_mailbox, new TableEntity(partition, copyKey), ifMatch: false, cancellationToken).ConfigureAwait(false);
            }

            deleted += await DataTables.DeleteAsync(_mailbox, row, ifMatch: false, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>
    /// The customer's touchpoints of the dealer, replaced by ETag with the anonymised record (customer id = the pseudonym, no
    /// detail): found by their columns; one already anonymised no longer matches, so a second call neither finds nor counts it.
    /// </summary>
    private async Task<int> AnonymiseTouchpointsAsync(string dealerId, string customerId, string pseudonym, string journal, CancellationToken cancellationToken)
    {
        var filter = $"DealerId eq '{DataTables.Escape(dealerId)}' and CustomerId eq '{DataTables.Escape(customerId)}'";
        var anonymised = 0;
        for (var attempt = 1; ; attempt++)
        {
            var rows = await DataTables.QueryAsync(_touchpoints, filter, cancellationToken).ConfigureAwait(false);
            await DataTables.JournalBlobsAsync(_erasures, journal, rows.SelectMany(DataTables.BlobsOf), cancellationToken).ConfigureAwait(false);
            var changed = false;
            foreach (var row in rows)
            {
                var touchpoint = await _data.GetRecordAsync<Touchpoint>(row, cancellationToken).ConfigureAwait(false);
                var kept = touchpoint with { CustomerId = pseudonym, Detail = null };
                var entity = new TableEntity(row.PartitionKey, row.RowKey)
                {
                    ["DealerId"] = kept.DealerId,
                    ["CustomerId"] = kept.CustomerId,
                    ["OccurredAtMs"] = DataTables.Ms(kept.OccurredAt),
                };
                await _data.SetRecordAsync(entity, kept, "touchpoints", cancellationToken).ConfigureAwait(false);
                if (await _data.TryReplaceAsync(_touchpoints, row, entity, cancellationToken).ConfigureAwait(false))
                {
                    anonymised++;
                }
                else
                {
                    changed = true;
                }
            }

            if (!changed)
            {
                return anonymised;
            }

            await DataTables.BackOffAsync(attempt, $"A touchpoint of customer '{dealerId}/{customerId}'", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The profile, by ETag (an upsert in between is read again); true when this call deleted it.</summary>
    private async Task<bool> DeleteProfileAsync(string dealerId, string customerId, string journal, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var row = await DataTables.GetAsync(_customers, DataTables.Key(dealerId), DataTables.Key(customerId), cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return false;
            }

            await DataTables.JournalBlobsAsync(_erasures, journal, DataTables.BlobsOf(row), cancellationToken).ConfigureAwait(false);
            try
            {
                return await DataTables.DeleteAsync(_customers, row, ifMatch: true, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException exception) when (exception.Status == 412)
            {
                await DataTables.BackOffAsync(attempt, $"Customer '{dealerId}/{customerId}'", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // ---- audit records: r / {id}, with Sequence (insertion order); r / |seq is the counter ---------------------------

    /// <remarks>
    /// A new id takes the next counter value in the same entity-group transaction as its insert (so ties in
    /// <see cref="ErasureRecord.RequestedAt"/> list in insertion order across processes); a replace keeps its value. The record
    /// has no free text and a bounded size, so it is always stored inline.
    /// </remarks>
    public async Task SaveErasureAsync(ErasureRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentException.ThrowIfNullOrWhiteSpace(record.Id, nameof(record));
        using var operation = Begin();
        var rowKey = DataTables.Key(record.Id);
        for (var attempt = 1; ; attempt++)
        {
            var existing = await DataTables.GetAsync(_erasures, ErasureRecords, rowKey, cancellationToken).ConfigureAwait(false);
            var entity = new TableEntity(ErasureRecords, rowKey)
            {
                ["DealerId"] = record.DealerId,
                ["CustomerHash"] = record.CustomerHash,
                ["RequestedAtMs"] = DataTables.Ms(record.RequestedAt),
                [DataTables.Record] = DataTables.Serialize(record),
            };
            try
            {
                if (existing is not null)
                {
                    entity["Sequence"] = existing.GetInt64("Sequence");
                    await _erasures.UpdateEntityAsync(entity, existing.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
                    return;
                }

                var counter = await DataTables.GetAsync(_erasures, ErasureRecords, ErasureCounter, cancellationToken).ConfigureAwait(false);
                var next = (counter?.GetInt64("Next") ?? 0) + 1;
                entity["Sequence"] = next;
                var counted = new TableEntity(ErasureRecords, ErasureCounter) { ["Next"] = next };
                await _erasures.SubmitTransactionAsync(
                    [
                        counter is null
                            ? new TableTransactionAction(TableTransactionActionType.Add, counted)
                            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, counted, counter.ETag),
                        new TableTransactionAction(TableTransactionActionType.Add, entity),
                    ],
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (RequestFailedException exception) when (exception.Status is 404 or 409 or 412)
            {
                // Another process saved this id or took the counter value first: read again.
                await DataTables.BackOffAsync(attempt, $"Erasure '{record.Id}'", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <remarks>Reads the matching records of partition <c>r</c> (erasures are few) and orders them here.</remarks>
    public async Task<IReadOnlyList<ErasureRecord>> ListErasuresAsync(string? dealerId, string? customerHash, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        using var operation = Begin();
        var filter = $"PartitionKey eq '{ErasureRecords}' and RowKey ne '{DataTables.Escape(ErasureCounter)}'";
        if (dealerId is not null)
        {
            filter += $" and DealerId eq '{DataTables.Escape(dealerId)}'";
        }

        if (customerHash is not null)
        {
            filter += $" and CustomerHash eq '{DataTables.Escape(customerHash)}'";
        }

        var rows = await DataTables.QueryAsync(_erasures, filter, cancellationToken).ConfigureAwait(false);
        return [.. rows
            .Select(r => (Record: DataTables.Deserialize<ErasureRecord>(r.GetString(DataTables.Record)), Sequence: r.GetInt64("Sequence") ?? 0))
            .OrderByDescending(x => x.Record.RequestedAt)
            .ThenByDescending(x => x.Sequence)
            .Take(limit)
            .Select(x => x.Record)];
    }
}
