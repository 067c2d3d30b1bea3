using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Storage.AzureStorage.Data;

/// <summary>
/// Plumbing shared by the product data stores (<see cref="AzureStorageJourneyDataStore"/>, the delivery store): the
/// clients of one account and prefix, key escaping, records stored inline or (too long) in the <c>{prefix}-data</c>
/// container, insert-only writes, and the retry loop of optimistic writes.
/// </summary>
/// <remarks>
/// Every row keeps its record as JSON in <c>Record</c> (or, longer than <see cref="AzureStorageOptions.InlinePayloadLimit"/>
/// characters, in a blob named by <c>RecordBlob</c>), plus copies of the fields it is queried by. A record read back is the
/// record written, and fields added to a record later need no change here.
/// </remarks>
internal sealed partial class DataTables
{
    /// <summary>The row key of a partition with one row.</summary>
    public const string SingleRow = "$";
    public const string Record = "Record";
    public const int MaxAttempts = 100;
    private const string BlobSuffix = "Blob";

    /// <summary>The records' JSON: as the SQLite stores write it (camelCase, nulls left out).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly AzureStorageOptions _options;
    private readonly TableServiceClient _tables;
    private readonly ILogger _logger;

    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public DataTables(AzureStorageOptions options, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger;
        var tableOptions = new TableClientOptions();
        var blobOptions = new BlobClientOptions();
        if (options.RequestPolicyForTests is { } policy)
        {
            tableOptions.AddPolicy(policy, HttpPipelinePosition.PerCall);
            blobOptions.AddPolicy(policy, HttpPipelinePosition.PerCall);
        }

        BlobServiceClient blobs;
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            _tables = new TableServiceClient(options.ConnectionString, tableOptions);
            blobs = new BlobServiceClient(options.ConnectionString, blobOptions);
        }
        else
        {
            var credential = options.Credential ?? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId });
            _tables = new TableServiceClient(options.TableServiceUri ?? new Uri($"https://{options.AccountName}.table.core.windows.net"), credential, tableOptions);
            blobs = new BlobServiceClient(options.BlobServiceUri ?? new Uri($"https://{options.AccountName}.blob.core.windows.net"), credential, blobOptions);
        }

        Container = blobs.GetBlobContainerClient(options.NamePrefix + "-data");
    }

    /// <summary>The container of records too long for a table property (<c>{prefix}-data</c>).</summary>
    public BlobContainerClient Container { get; }

    /// <summary>The table <c>{prefix}{name}</c>.</summary>
    public TableClient Table(string name) => _tables.GetTableClient(_options.NamePrefix + name);

    /// <summary>Creates the tables and the container when missing.</summary>
    public async Task CreateAsync(IEnumerable<TableClient> tables, CancellationToken cancellationToken) =>
        await Task.WhenAll(tables.Select(t => (Task)t.CreateIfNotExistsAsync(cancellationToken))
            .Append(Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken))).ConfigureAwait(false);

    // ---- keys ----------------------------------------------------------------------------------

    /// <summary>
    /// A key part: the characters tables refuse (<c>/ \ # ?</c>, control characters), the escape <c>%</c> and the separator
    /// <c>|</c> written as <c>%XX</c>, so that parts joined by <c>|</c> never run into each other.
    /// </summary>
    public static string Key(string value) => Keys.Encode(value).Replace("|", "%7C", StringComparison.Ordinal);

    /// <summary>A key part that sorts in the reverse order of <paramref name="value"/> (newest or highest first).</summary>
    public static string Inverted(long value) => (long.MaxValue - value).ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>Rows whose key starts with <paramref name="prefix"/>: <c>{column} ge prefix and {column} lt next(prefix)</c>.</summary>
    public static string StartsWith(string column, string prefix) =>
        $"{column} ge '{Escape(prefix)}' and {column} lt '{Escape(Keys.After(prefix))}'";

    /// <summary>An OData string literal's content (a quote doubled).</summary>
    public static string Escape(string value) => value.Replace("'", "''", StringComparison.Ordinal);

    // ---- records -------------------------------------------------------------------------------

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    public static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidDataException($"A stored {typeof(T).Name} record is null.");

    /// <summary>Puts <paramref name="value"/> into <paramref name="name"/>, or (too long) into a new blob named by <c>{name}Blob</c>.</summary>
    public async Task SetTextAsync(TableEntity entity, string name, string value, string kind, CancellationToken cancellationToken)
    {
        if (value.Length <= _options.InlinePayloadLimit)
        {
            entity[name] = value;
            return;
        }

        var blobName = kind + "/" + Guid.NewGuid().ToString("N");
        await Container.GetBlobClient(blobName).UploadAsync(BinaryData.FromString(value), overwrite: true, cancellationToken).ConfigureAwait(false);
        entity[name + BlobSuffix] = blobName;
    }

    /// <summary>The text written by <see cref="SetTextAsync"/>; null when the row has neither.</summary>
    public async Task<string?> GetTextAsync(TableEntity entity, string name, CancellationToken cancellationToken)
    {
        if (entity.GetString(name + BlobSuffix) is { } blobName)
        {
            var content = await Container.GetBlobClient(blobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return content.Value.Content.ToString();
        }

        return entity.GetString(name);
    }

    public async Task SetRecordAsync<T>(TableEntity entity, T record, string kind, CancellationToken cancellationToken) =>
        await SetTextAsync(entity, Record, Serialize(record), kind, cancellationToken).ConfigureAwait(false);

    public async Task<T> GetRecordAsync<T>(TableEntity entity, CancellationToken cancellationToken) =>
        Deserialize<T>(await GetTextAsync(entity, Record, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Row '{entity.PartitionKey}/{entity.RowKey}' has no record."));

    /// <summary>Copies the record (inline or its blob reference) of <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static void CopyRecord(TableEntity from, TableEntity to)
    {
        foreach (var name in new[] { Record, Record + BlobSuffix })
        {
            if (from.TryGetValue(name, out var value) && value is not null)
            {
                to[name] = value;
            }
        }
    }

    /// <summary>The blobs a row refers to.</summary>
    public static IEnumerable<string> BlobsOf(TableEntity entity) =>
        entity.Where(p => p.Key.EndsWith(BlobSuffix, StringComparison.Ordinal) && p.Value is string).Select(p => (string)p.Value);

    /// <summary>Deletes blobs no row refers to any more. Best effort: a failure leaves an orphan blob, never wrong data.</summary>
    public async Task DeleteBlobsAsync(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            try
            {
                await Container.GetBlobClient(name).DeleteIfExistsAsync().ConfigureAwait(false);
            }
            catch (RequestFailedException exception)
            {
                Log.BlobNotDeleted(_logger, name, exception);
            }
        }
    }

    // ---- erasure: rows deleted, then the blobs they named ---------------------------------------

    /// <summary>
    /// Records <paramref name="blobs"/> in the journal partition <paramref name="partition"/> of <paramref name="table"/> (one
    /// row per blob, upserted: recording twice changes nothing), before the rows that name them are deleted or replaced. So a
    /// crash after those rows are gone still leaves the blobs' names where <see cref="DeleteJournaledBlobsAsync"/> finds them,
    /// and a row never names a blob that was already deleted.
    /// </summary>
    public static async Task JournalBlobsAsync(TableClient table, string partition, IEnumerable<string> blobs, CancellationToken cancellationToken)
    {
        foreach (var chunk in blobs.Distinct(StringComparer.Ordinal).Chunk(100))
        {
            await table.SubmitTransactionAsync(
                chunk.Select(name => new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(partition, Key(name)) { ["Blob"] = name })),
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes every blob recorded in the journal partition, then the journal's rows. Not best effort: a failure throws and
    /// leaves the journal, so the next call deletes what is left (deleting a blob that is gone already succeeds).
    /// </summary>
    public async Task DeleteJournaledBlobsAsync(TableClient table, string partition, CancellationToken cancellationToken)
    {
        var rows = await QueryAsync(table, $"PartitionKey eq '{Escape(partition)}'", cancellationToken).ConfigureAwait(false);
        foreach (var row in rows)
        {
            await Container.GetBlobClient(row.GetString("Blob")).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var row in rows)
        {
            await DeleteAsync(table, row, ifMatch: false, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Deletes a row: unconditionally (<paramref name="ifMatch"/> false) or only if unchanged since it was read. True when
    /// this call deleted it, false when it was gone already.
    /// </summary>
    /// <exception cref="RequestFailedException">412: <paramref name="ifMatch"/> and the row changed since it was read.</exception>
    public static async Task<bool> DeleteAsync(TableClient table, TableEntity row, bool ifMatch, CancellationToken cancellationToken)
    {
        var response = await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ifMatch ? row.ETag : ETag.All, cancellationToken).ConfigureAwait(false);
        return response.Status != 404;
    }

    // ---- writes --------------------------------------------------------------------------------

    /// <summary>Inserts the row; false (its new blobs deleted) when a row with its keys exists.</summary>
    public async Task<bool> TryAddAsync(TableClient table, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            await DeleteBlobsAsync(BlobsOf(entity)).ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>
    /// Replaces <paramref name="current"/> by <paramref name="entity"/> if it is unchanged since it was read (its ETag); the old
    /// row's blobs are deleted. False (the new row's blobs deleted) when another writer changed or deleted it first.
    /// </summary>
    public async Task<bool> TryReplaceAsync(TableClient table, TableEntity current, TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            await table.UpdateEntityAsync(entity, current.ETag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status is 404 or 412)
        {
            await DeleteBlobsAsync(BlobsOf(entity)).ConfigureAwait(false);
            return false;
        }

        await DeleteBlobsAsync(BlobsOf(current).Except(BlobsOf(entity), StringComparer.Ordinal)).ConfigureAwait(false);
        return true;
    }

    public static async Task<TableEntity?> GetAsync(TableClient table, string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }

    /// <summary>Every row of <paramref name="filter"/> (following continuation tokens), at most <paramref name="take"/>.</summary>
    public static async Task<List<TableEntity>> QueryAsync(TableClient table, string filter, CancellationToken cancellationToken, int? take = null, IEnumerable<string>? select = null)
    {
        var rows = new List<TableEntity>();
        if (take is <= 0)
        {
            return rows;
        }

        await foreach (var row in table.QueryAsync<TableEntity>(filter, take is { } t ? Math.Min(t, 1000) : null, select, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
            if (rows.Count == take)
            {
                break;
            }
        }

        return rows;
    }

    /// <summary>Waits a little (jittered) before the third and later attempts of an optimistic write.</summary>
    public static async Task BackOffAsync(int attempt, string what, CancellationToken cancellationToken)
    {
        if (attempt >= MaxAttempts)
        {
            throw new InvalidOperationException($"{what} changed under every one of the store's {MaxAttempts} write attempts; giving up.");
        }

        if (attempt > 2)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, 5 * Math.Min(attempt, 20))), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A time as sortable unix milliseconds (filter and order columns; the record keeps the exact value).</summary>
    public static long Ms(DateTimeOffset value) => value.ToUnixTimeMilliseconds();

    private static partial class Log
    {
        [LoggerMessage(EventId = 3121, Level = LogLevel.Warning, Message = "The data blob {BlobName} no row refers to could not be deleted; it stays as an orphan.")]
        public static partial void BlobNotDeleted(ILogger logger, string blobName, Exception error);
    }
}
