using Azure.Data.Tables;
using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.AzureStorage.Delivery;

/// <summary>
/// The dead-letter list (table <c>DeadLetters</c>): the letter in its dealer's partition <c>d-{dealer}</c> / id, and an
/// id-to-dealer row <c>i-{id}</c> / <c>$</c>, written first, for the calls that only know the id.
/// </summary>
public sealed partial class AzureStorageDeliveryStore
{
    private const string DealerPrefix = "d-";
    private const string IdPrefix = "i-";

    public async Task UpsertDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var lookup = await DataTables.GetAsync(_deadLetters, IdPrefix + DataTables.Key(letter.Id), DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
        var previous = lookup is null ? null : await ReadDeadLetterRowAsync(lookup, letter.Id, cancellationToken).ConfigureAwait(false);
        if (lookup?.GetString("DealerId") != letter.DealerId)
        {
            await _deadLetters.UpsertEntityAsync(
                new TableEntity(IdPrefix + DataTables.Key(letter.Id), DataTables.SingleRow) { ["DealerId"] = letter.DealerId },
                TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }

        var entity = new TableEntity(DealerPrefix + DataTables.Key(letter.DealerId), DataTables.Key(letter.Id))
        {
            ["FailedAtMs"] = DataTables.Ms(letter.FailedAt),
            ["TaskId"] = letter.TaskId,
            ["JourneyId"] = letter.JourneyId,
        };
        await _data.SetRecordAsync(entity, letter, "dead-letters", cancellationToken).ConfigureAwait(false);
        await _deadLetters.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        if (previous is not null)
        {
            if (previous.PartitionKey != entity.PartitionKey)
            {
                await _deadLetters.DeleteEntityAsync(previous.PartitionKey, previous.RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            await _data.DeleteBlobsAsync(DataTables.BlobsOf(previous).Except(DataTables.BlobsOf(entity), StringComparer.Ordinal)).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(string? dealerId, CancellationToken cancellationToken = default)
    {
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var filter = dealerId is null
            ? DataTables.StartsWith("PartitionKey", DealerPrefix)
            : $"PartitionKey eq '{DataTables.Escape(DealerPrefix + DataTables.Key(dealerId))}'";
        var rows = await DataTables.QueryAsync(_deadLetters, filter, cancellationToken).ConfigureAwait(false);
        var letters = await Task.WhenAll(rows.Select(r => _data.GetRecordAsync<DeadLetter>(r, cancellationToken))).ConfigureAwait(false);
        return [.. letters.OrderByDescending(l => l.FailedAt).ThenBy(l => l.Id, StringComparer.Ordinal)];
    }

    public async Task<DeadLetter?> GetDeadLetterAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var lookup = await DataTables.GetAsync(_deadLetters, IdPrefix + DataTables.Key(id), DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
        var row = lookup is null ? null : await ReadDeadLetterRowAsync(lookup, id, cancellationToken).ConfigureAwait(false);
        return row is null ? null : await _data.GetRecordAsync<DeadLetter>(row, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RemoveDeadLetterAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var operation = await BeginAsync(cancellationToken).ConfigureAwait(false);
        var lookup = await DataTables.GetAsync(_deadLetters, IdPrefix + DataTables.Key(id), DataTables.SingleRow, cancellationToken).ConfigureAwait(false);
        var row = lookup is null ? null : await ReadDeadLetterRowAsync(lookup, id, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return false;
        }

        try
        {
            await _deadLetters.DeleteEntityAsync(row.PartitionKey, row.RowKey, row.ETag, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException exception) when (exception.Status is 404 or 412)
        {
            return false; // removed (or replaced) by another process first
        }

        await _data.DeleteBlobsAsync(DataTables.BlobsOf(row)).ConfigureAwait(false);
        return true;
    }

    private Task<TableEntity?> ReadDeadLetterRowAsync(TableEntity lookup, string id, CancellationToken cancellationToken) =>
        lookup.GetString("DealerId") is { } dealer
            ? DataTables.GetAsync(_deadLetters, DealerPrefix + DataTables.Key(dealer), DataTables.Key(id), cancellationToken)
            : Task.FromResult<TableEntity?>(null);
}
