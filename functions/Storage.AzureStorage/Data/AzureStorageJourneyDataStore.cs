using System.Globalization;
using Azure.Data.Tables;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace JourneyOrchestrator.Storage.AzureStorage.Data;

/// <summary>
/// The Azure Tables <see cref="IJourneyDataStore"/>: templates, customers, sales tasks, touchpoints and the development
/// mailbox, shared by every host process that points at the same account and <see cref="AzureStorageOptions.NamePrefix"/>.
/// Layout, concurrency and limits: <c>docs/azure-storage.md</c> ("Product data").
/// </summary>
/// <remarks>
/// <para><b>Tables</b> (under the prefix): <c>Templates</c> (PartitionKey = template id, RowKey = <c>v{int.MaxValue - version}</c>,
/// so the latest version is the partition's first row), <c>Customers</c> (dealer / customer), <c>Tasks</c> (the task in
/// <c>d-{dealer}</c> / id, and an immutable id-to-dealer row <c>i-{id}</c>), <c>Touchpoints</c> (journey / id) and <c>Mailbox</c>
/// (the message in <c>i-{id}</c>, copies newest first in <c>a</c>, <c>j-{journey}</c> and <c>t-{to}</c> under a shared counter) and
/// <c>Erasures</c> (audit records in <c>r</c>; blob journals of unfinished erasures), and <c>Journeys</c>, the journey index
/// (<see cref="IJourneyIndex"/>: a primary row per journey and confirmed copies per look-up; see the <c>.Index.cs</c> part).</para>
/// <para><b>Erasure</b> is restartable steps, not one transaction, with the profile deleted last: see <see cref="EraseCustomerAsync(string, string, string?, string, CancellationToken)"/>.</para>
/// <para><b>Concurrency across processes.</b> Publishing inserts <c>latest + 1</c> insert-only and, when another process took that
/// number, reads again and takes the next: versions are consecutive, never shared, never lost. Creating a task, touchpoint or
/// mail is an insert-only write of its id (the second gets false); completing a task replaces it by ETag (the first completion
/// wins, the others see it completed); a customer upsert replaces by ETag and retries on a conflict.</para>
/// <para><b>Limits.</b> A record (or template source) longer than <see cref="AzureStorageOptions.InlinePayloadLimit"/> characters is
/// stored in a blob of <c>{prefix}-data</c> that the row names, so large templates and mail bodies fit.</para>
/// <para>Ties are ordered as follows: tasks with the same creation time by id; touchpoints with the same time by insertion
/// (the row's timestamp); mail newest first by the counter (insertion order), as the SQLite store does.</para>
/// </remarks>
public sealed partial class AzureStorageJourneyDataStore : IJourneyDataStore, IEmailContentStore
{
    private readonly DataTables _data;
    private readonly TableClient _templates;
    private readonly TableClient _customers;
    private readonly TableClient _tasks;
    private readonly TableClient _touchpoints;
    private readonly TableClient _mailbox;
    private readonly TableClient _erasures;
    private readonly TableClient _journeys;
    private readonly TableClient _emails;
    private readonly OperationTracker _operations = new();
    private readonly SemaphoreSlim _initializeGate = new(1, 1);
    private volatile bool _initialized;

    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public AzureStorageJourneyDataStore(AzureStorageOptions options, ILogger<AzureStorageJourneyDataStore>? logger = null)
    {
        _data = new DataTables(options, logger ?? (ILogger)NullLogger.Instance);
        _templates = _data.Table("Templates");
        _customers = _data.Table("Customers");
        _tasks = _data.Table("Tasks");
        _touchpoints = _data.Table("Touchpoints");
        _mailbox = _data.Table("Mailbox");
        _erasures = _data.Table("Erasures");
        _journeys = _data.Table("Journeys");
        _emails = _data.Table("Emails");
    }

    internal TableClient TemplatesTable => _templates;
    internal TableClient MailboxTable => _mailbox;
    internal TableClient TasksTable => _tasks;
    internal TableClient CustomersTable => _customers;
    internal TableClient TouchpointsTable => _touchpoints;
    internal TableClient ErasuresTable => _erasures;
    internal TableClient JourneysTable => _journeys;
    internal DataTables Data => _data;

    /// <summary>Creates the tables and the container when missing. Idempotent.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        using var operation = _operations.Enter(this);
        await _initializeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_initialized)
            {
                await _data.CreateAsync([_templates, _customers, _tasks, _touchpoints, _mailbox, _erasures, _journeys, _emails], cancellationToken).ConfigureAwait(false);
                _initialized = true;
            }
        }
        finally
        {
            _initializeGate.Release();
        }
    }

    /// <summary>Waits for the calls already running (their writes complete), then refuses new ones. Idempotent.</summary>
    public async ValueTask DisposeAsync() => await _operations.CloseAsync().ConfigureAwait(false);

    // ---- templates ---------------------------------------------------------------------------

    public async Task<int> PublishTemplateAsync(JourneyTemplate template, string source, string contentType, DateTimeOffset now, IReadOnlyDictionary<string, int>? emailVersions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        ArgumentException.ThrowIfNullOrWhiteSpace(template.Id, nameof(template));
        using var operation = Begin();
        var partition = DataTables.Key(template.Id);
        for (var attempt = 1; ; attempt++)
        {
            var latest = await LatestTemplateRowAsync(partition, [nameof(TemplateColumns.Version)], cancellationToken).ConfigureAwait(false);
            var version = (latest?.GetInt32(nameof(TemplateColumns.Version)) ?? 0) + 1;
            var entity = new TableEntity(partition, VersionKey(version))
            {
                [nameof(TemplateColumns.TemplateId)] = template.Id,
                [nameof(TemplateColumns.Version)] = version,
                [nameof(TemplateColumns.Name)] = template.Name,
                [nameof(TemplateColumns.PublishedAt)] = now.ToString("O", CultureInfo.InvariantCulture),
                [nameof(TemplateColumns.EntryEvents)] = DataTables.Serialize(template.Entry?.Events ?? []),
                [nameof(TemplateColumns.ContentType)] = contentType,
            };
            await _data.SetRecordAsync(entity, new StoredTemplate(template with { Version = version }, now, emailVersions), "templates", cancellationToken).ConfigureAwait(false);
            await _data.SetTextAsync(entity, nameof(TemplateColumns.Source), source, "templates", cancellationToken).ConfigureAwait(false);
            if (await _data.TryAddAsync(_templates, entity, cancellationToken).ConfigureAwait(false))
            {
                return version;
            }

            // Another process published this number first: read the new latest and take the next one.
            await DataTables.BackOffAsync(attempt, $"Template '{template.Id}'", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<PublishedTemplate?> GetTemplateAsync(string id, int? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var operation = Begin();
        var partition = DataTables.Key(id);
        var row = version is { } v
            ? v < 1 ? null : await DataTables.GetAsync(_templates, partition, VersionKey(v), cancellationToken).ConfigureAwait(false)
            : await LatestTemplateRowAsync(partition, null, cancellationToken).ConfigureAwait(false);
        if (row is null)
        {
            return null;
        }

        var stored = await _data.GetRecordAsync<StoredTemplate>(row, cancellationToken).ConfigureAwait(false);
        var source = await _data.GetTextAsync(row, nameof(TemplateColumns.Source), cancellationToken).ConfigureAwait(false) ?? string.Empty;
        return new PublishedTemplate(stored.Template, source, row.GetString(nameof(TemplateColumns.ContentType)), stored.PublishedAt) { EmailVersions = stored.EmailVersions ?? new Dictionary<string, int>() };
    }

    public async Task<IReadOnlyList<TemplateSummary>> ListTemplatesAsync(CancellationToken cancellationToken = default)
    {
        using var operation = Begin();
        // Every version row's summary columns (not the records): templates are few, and versions of one id are adjacent.
        var rows = await DataTables.QueryAsync(_templates, "RowKey ge 'v'", cancellationToken, select:
            [nameof(TemplateColumns.TemplateId), nameof(TemplateColumns.Version), nameof(TemplateColumns.Name), nameof(TemplateColumns.PublishedAt), nameof(TemplateColumns.EntryEvents)])
            .ConfigureAwait(false);
        return [.. rows
            .GroupBy(r => r.GetString(nameof(TemplateColumns.TemplateId)), StringComparer.Ordinal)
            .Select(g => g.MaxBy(r => r.GetInt32(nameof(TemplateColumns.Version)))!)
            .Select(r => new TemplateSummary(
                r.GetString(nameof(TemplateColumns.TemplateId)),
                r.GetString(nameof(TemplateColumns.Name)),
                r.GetInt32(nameof(TemplateColumns.Version))!.Value,
                DateTimeOffset.Parse(r.GetString(nameof(TemplateColumns.PublishedAt)), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                DataTables.Deserialize<List<string>>(r.GetString(nameof(TemplateColumns.EntryEvents)))))
            .OrderBy(s => s.Id, StringComparer.Ordinal)];
    }

    public async Task<IReadOnlyList<int>> ListTemplateVersionsAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        using var operation = Begin();
        var rows = await DataTables.QueryAsync(_templates, $"PartitionKey eq '{DataTables.Escape(DataTables.Key(id))}'", cancellationToken, select: [nameof(TemplateColumns.Version)])
            .ConfigureAwait(false);
        return [.. rows.Select(r => r.GetInt32(nameof(TemplateColumns.Version))!.Value).Order()];
    }

    private async Task<TableEntity?> LatestTemplateRowAsync(string partition, IEnumerable<string>? select, CancellationToken cancellationToken) =>
        (await DataTables.QueryAsync(_templates, $"PartitionKey eq '{DataTables.Escape(partition)}' and RowKey ge 'v'", cancellationToken, take: 1, select: select)
            .ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Version rows sort newest first.</summary>
    private static string VersionKey(int version) => "v" + (int.MaxValue - version).ToString("D10", CultureInfo.InvariantCulture);

    // ---- customers ---------------------------------------------------------------------------

    public async Task UpsertCustomerAsync(CustomerProfile customer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customer);
        using var operation = Begin();
        var comparable = DataTables.Serialize(customer with { UpdatedAt = default });
        var (partition, row) = (DataTables.Key(customer.DealerId), DataTables.Key(customer.Id));
        for (var attempt = 1; ; attempt++)
        {
            var existing = await DataTables.GetAsync(_customers, partition, row, cancellationToken).ConfigureAwait(false);
            if (existing is not null &&
                DataTables.Serialize(await _data.GetRecordAsync<CustomerProfile>(existing, cancellationToken).ConfigureAwait(false) with { UpdatedAt = default }) == comparable)
            {
                return; // unchanged: keep the stored row (and its UpdatedAt) as it is
            }

            var entity = new TableEntity(partition, row)
            {
                ["DealerId"] = customer.DealerId,
                ["CustomerId"] = customer.Id,
                ["UpdatedAtMs"] = DataTables.Ms(customer.UpdatedAt),
            };
            await _data.SetRecordAsync(entity, customer, "customers", cancellationToken).ConfigureAwait(false);
            var written = existing is null
                ? await _data.TryAddAsync(_customers, entity, cancellationToken).ConfigureAwait(false)
                : await _data.TryReplaceAsync(_customers, existing, entity, cancellationToken).ConfigureAwait(false);
            if (written)
            {
                return;
            }

            await DataTables.BackOffAsync(attempt, $"Customer '{customer.DealerId}/{customer.Id}'", cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<CustomerProfile?> GetCustomerAsync(string dealerId, string customerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        using var operation = Begin();
        var row = await DataTables.GetAsync(_customers, DataTables.Key(dealerId), DataTables.Key(customerId), cancellationToken).ConfigureAwait(false);
        return row is null ? null : await _data.GetRecordAsync<CustomerProfile>(row, cancellationToken).ConfigureAwait(false);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private OperationTracker.Scope Begin()
    {
        var scope = _operations.Enter(this);
        if (!_initialized)
        {
            scope.Dispose();
            throw new InvalidOperationException("The Azure Storage data store is not initialized: call InitializeAsync first.");
        }

        return scope;
    }

    /// <summary>The stored form of a template version: the template (version assigned) and when it was published.</summary>
    private sealed record StoredTemplate(JourneyTemplate Template, DateTimeOffset PublishedAt, IReadOnlyDictionary<string, int>? EmailVersions = null);

    /// <summary>Column names of a template version row (besides <c>Record</c>/<c>RecordBlob</c> and <c>Source</c>/<c>SourceBlob</c>).</summary>
    private enum TemplateColumns
    {
        TemplateId,
        Version,
        Name,
        PublishedAt,
        EntryEvents,
        ContentType,
        Source,
    }
}
