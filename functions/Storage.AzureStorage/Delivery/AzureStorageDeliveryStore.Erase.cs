using System.Globalization;
using Azure;
using Azure.Data.Tables;
using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.AzureStorage.Delivery;

/// <summary>
/// Erasure (GDPR): the erased-address markers (table <c>Suppressions</c>, the dealer's partition, row <c>x|{address hash}</c>),
/// and the customer's ledger rows and suppressions.
/// </summary>
/// <remarks>
/// Not one transaction (the rows are in several partitions), but restartable steps, each of which a second call redoes: (1)
/// the marker, <b>first</b>, so that from then on nothing is mailed to the address, whatever else a crash leaves; (2) the
/// ledger rows of the customer's partition (the <c>k-</c> row first, then the send by ETag; a large record's blob is journaled
/// in <c>j|{dealer}|{customer}</c> of <c>Sends</c> before its row goes, and deleted at the end); (3) the suppressions, the row a
/// second call would not find deleted before the one it finds.
/// </remarks>
public sealed partial class AzureStorageDeliveryStore
{
    private const string ErasedAddress = "x|";
    private const string JournalPrefix = "j|";

    public async Task<DeliveryErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string? addressHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        if (addressHash is not null)
        {
            await MarkErasedAddressAsync(dealerId, addressHash, now, cancellationToken).ConfigureAwait(false);
        }

        var journal = JournalPrefix + DataTables.Key(dealerId) + "|" + DataTables.Key(customerId);
        var sends = await DeleteSendsAsync(dealerId, customerId, journal, cancellationToken).ConfigureAwait(false);
        var suppressions = await DeleteSuppressionsAsync(dealerId, customerId, email, cancellationToken).ConfigureAwait(false);
        await _data.DeleteJournaledBlobsAsync(_sends, journal, cancellationToken).ConfigureAwait(false);
        return new DeliveryErasure(sends, suppressions);
    }

    public async Task<DateTimeOffset?> GetErasedAddressAsync(string dealerId, string addressHash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(addressHash);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var row = await DataTables.GetAsync(_suppressions, DataTables.Key(dealerId), ErasedAddress + DataTables.Key(addressHash), cancellationToken).ConfigureAwait(false);
        return row is null ? null : ErasedAt(row);
    }

    /// <summary>Inserts the marker, or moves its time forward to <paramref name="now"/> (never back), by ETag.</summary>
    private async Task MarkErasedAddressAsync(string dealerId, string addressHash, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (partition, rowKey) = (DataTables.Key(dealerId), ErasedAddress + DataTables.Key(addressHash));
        for (var attempt = 1; ; attempt++)
        {
            var existing = await DataTables.GetAsync(_suppressions, partition, rowKey, cancellationToken).ConfigureAwait(false);
            if (existing is not null && ErasedAt(existing) >= now)
            {
                return;
            }

            var entity = new TableEntity(partition, rowKey)
            {
                ["ErasedAt"] = now.ToString("O", CultureInfo.InvariantCulture),
                ["ErasedAtMs"] = DataTables.Ms(now),
            };
            var written = existing is null
                ? await _data.TryAddAsync(_suppressions, entity, cancellationToken).ConfigureAwait(false)
                : await _data.TryReplaceAsync(_suppressions, existing, entity, cancellationToken).ConfigureAwait(false);
            if (written)
            {
                return;
            }

            await DataTables.BackOffAsync(attempt, "An erased-address marker", cancellationToken).ConfigureAwait(false);
        }
    }

    private static DateTimeOffset ErasedAt(TableEntity row) =>
        DateTimeOffset.Parse(row.GetString("ErasedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    /// <summary>The customer's partition of the ledger: each send's <c>k-</c> row, then the send by ETag (an update in between: read again).</summary>
    private async Task<int> DeleteSendsAsync(string dealerId, string customerId, string journal, CancellationToken cancellationToken)
    {
        var partition = SendPartition(dealerId, customerId);
        var filter = $"PartitionKey eq '{DataTables.Escape(partition)}'";
        var deleted = 0;
        for (var attempt = 1; ; attempt++)
        {
            var rows = await DataTables.QueryAsync(_sends, filter, cancellationToken).ConfigureAwait(false);
            await DataTables.JournalBlobsAsync(_sends, journal, rows.SelectMany(DataTables.BlobsOf), cancellationToken).ConfigureAwait(false);
            var changed = false;
            foreach (var row in rows)
            {
                var lookup = await DataTables.GetAsync(_sends, KeyPrefix + row.RowKey, DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
                if (lookup is not null && lookup.GetString("Partition") == partition)
                {
                    await DataTables.DeleteAsync(_sends, lookup, ifMatch: false, cancellationToken).ConfigureAwait(false);
                }

                try
                {
                    deleted += await DataTables.DeleteAsync(_sends, row, ifMatch: true, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                }
                catch (RequestFailedException exception) when (exception.Status == 412)
                {
                    changed = true;
                }
            }

            if (!changed)
            {
                return deleted;
            }

            await DataTables.BackOffAsync(attempt, $"A send of customer '{dealerId}/{customerId}'", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The dealer's suppressions of the customer id or the address (stored lower case). Each is two rows (by customer, by
    /// address); the one the query that found it would not find again is deleted first, so a crash in between leaves the
    /// one a second call finds.
    /// </summary>
    private async Task<int> DeleteSuppressionsAsync(string dealerId, string customerId, string? email, CancellationToken cancellationToken)
    {
        var partition = DataTables.Key(dealerId);
        var inPartition = $"PartitionKey eq '{DataTables.Escape(partition)}'";
        var address = string.IsNullOrEmpty(email) ? null : email.ToLowerInvariant();
        var queries = new List<Task<List<TableEntity>>>
        {
            DataTables.QueryAsync(_suppressions, $"{inPartition} and {DataTables.StartsWith("RowKey", ByCustomer + DataTables.Key(customerId) + "|")}", cancellationToken),
        };
        if (address is not null)
        {
            queries.Add(DataTables.QueryAsync(_suppressions, $"{inPartition} and {DataTables.StartsWith("RowKey", ByEmail + DataTables.Key(address) + "|")}", cancellationToken));
        }

        var found = (await Task.WhenAll(queries).ConfigureAwait(false)).SelectMany(r => r)
            .Select(r => DataTables.Deserialize<Suppression>(r.GetString(DataTables.Record)))
            .DistinctBy(s => (s.CustomerId, s.Email, s.Scope))
            .ToList();
        var deleted = 0;
        foreach (var suppression in found)
        {
            var (customer, mail, scope) = (DataTables.Key(suppression.CustomerId ?? ""), DataTables.Key(suppression.Email ?? ""), DataTables.Key(suppression.Scope));
            var byCustomer = $"{ByCustomer}{customer}|{mail}|{scope}";
            var byEmail = $"{ByEmail}{mail}|{customer}|{scope}";
            string[] order = suppression.CustomerId == customerId ? [byEmail, byCustomer] : [byCustomer, byEmail];
            var any = false;
            foreach (var rowKey in order)
            {
                any |= await DataTables.DeleteAsync(_suppressions, new TableEntity(partition, rowKey), ifMatch: false, cancellationToken).ConfigureAwait(false);
            }

            deleted += any ? 1 : 0;
        }

        return deleted;
    }
}
