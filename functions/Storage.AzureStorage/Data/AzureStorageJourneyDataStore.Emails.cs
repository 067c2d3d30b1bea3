using System.Globalization;
using Azure.Data.Tables;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.AzureStorage.Data;

/// <summary>
/// The API-authored e-mails (<see cref="IEmailContentStore"/>) in table <c>{prefix}Emails</c>: partition = the name, one row
/// per version (row keys sort newest first, as the templates' do) with its record (large ones in blobs).
/// </summary>
public sealed partial class AzureStorageJourneyDataStore
{
    public async Task<int> PublishEmailAsync(EmailContent content, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(content.Name, nameof(content));
        using var operation = Begin();
        var partition = DataTables.Key(content.Name);
        for (var attempt = 1; ; attempt++)
        {
            var latest = (await DataTables.QueryAsync(_emails, $"PartitionKey eq '{DataTables.Escape(partition)}'", cancellationToken, take: 1, select: ["RowKey"])
                .ConfigureAwait(false)).FirstOrDefault();
            var version = (latest is null ? 0 : VersionOf(latest.RowKey)) + 1;
            var entity = new TableEntity(partition, VersionKey(version));
            await _data.SetRecordAsync(entity, content with { Version = version, PublishedAt = now }, "emails", cancellationToken).ConfigureAwait(false);
            if (await _data.TryAddAsync(_emails, entity, cancellationToken).ConfigureAwait(false))
            {
                return version;
            }

            // Another process published this number first: read the new latest and take the next one.
            await DataTables.BackOffAsync(attempt, $"E-mail '{content.Name}'", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<EmailContent?> GetEmailAsync(string name, int? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        using var operation = Begin();
        var partition = DataTables.Key(name);
        var row = version is { } v
            ? v < 1 ? null : await DataTables.GetAsync(_emails, partition, VersionKey(v), cancellationToken).ConfigureAwait(false)
            : (await DataTables.QueryAsync(_emails, $"PartitionKey eq '{DataTables.Escape(partition)}'", cancellationToken, take: 1).ConfigureAwait(false)).FirstOrDefault();
        return row is null ? null : await _data.GetRecordAsync<EmailContent>(row, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EmailContent>> ListEmailsAsync(CancellationToken cancellationToken = default)
    {
        using var operation = Begin();
        var rows = await DataTables.QueryAsync(_emails, "RowKey ge 'v'", cancellationToken, select: ["PartitionKey", "RowKey"]).ConfigureAwait(false);
        var latest = rows.GroupBy(r => r.PartitionKey, StringComparer.Ordinal).Select(g => g.MinBy(r => r.RowKey, StringComparer.Ordinal)!).ToList();
        var emails = new List<EmailContent>(latest.Count);
        foreach (var row in latest)
        {
            if (await DataTables.GetAsync(_emails, row.PartitionKey, row.RowKey, cancellationToken).ConfigureAwait(false) is { } full)
            {
                emails.Add(await _data.GetRecordAsync<EmailContent>(full, cancellationToken).ConfigureAwait(false));
            }
        }

        return [.. emails.OrderBy(e => e.Name, StringComparer.Ordinal)];
    }

    private static int VersionOf(string rowKey) => int.MaxValue - int.Parse(rowKey[1..], CultureInfo.InvariantCulture);
}
