using Azure;
using Azure.Data.Tables;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.AzureStorage.Data;

/// <summary>
/// The journey index (<see cref="IJourneyIndex"/>) in table <c>{prefix}Journeys</c>. Tables have no secondary indexes, so each
/// journey is stored several times, and every look-up is a point read or a range query of one partition:
/// <list type="bullet">
/// <item><c>i|{id}</c> / <c>$</c>: the primary row, the truth (<see cref="GetAsync"/>, and the claim on the id).</item>
/// <item>index rows, RowKey <c>{inverted created ticks}|{id}</c> (newest first, ties by id), under <c>c|{dealer}|{customer}</c>,
/// <c>d|{dealer}</c>, <c>t|{template}</c>, <c>dt|{dealer}|{template}</c> and <c>a</c> (all journeys: the query without filters).</item>
/// </list>
/// Every row carries the whole entry; index rows also <c>Confirmed</c>.
/// </summary>
/// <remarks>
/// <para><b>Positions.</b> An index row's keys (its position) follow from the entry; a position is legitimate when it is one of
/// the positions of the primary row of its id. Anything else is garbage (a crashed add, the loser of a race) that anyone may
/// delete and that a query never returns.</para>
/// <para><b>Add.</b> <see cref="AddOrGetAsync"/> inserts the index rows unconfirmed (insert-only), the customer row first, then
/// the primary row (insert-only: the one atomic decision), then confirms its rows (each replaced only if unchanged since its
/// insert, or if still unconfirmed). A crash before the primary insert leaves garbage and no journey (the engine was not
/// asked to start one); a crash after it leaves unconfirmed rows at legitimate positions, which queries resolve.</para>
/// <para><b>Read.</b> A confirmed row is returned as it is. An unconfirmed one costs a point read of the primary row: when
/// the row's position is one of the primary's, the primary's entry is returned (so an entry whose owner differs from the
/// primary's is never returned), otherwise nothing. Filters are applied to the entry returned.</para>
/// <para><b>Concurrent adds of one id.</b> The loser of the primary insert deletes its rows at positions that are not the
/// winner's (its customer row last) and puts the winner's entry into those it inserted at the winner's positions (only if
/// unchanged since its insert), then returns the winner's row.</para>
/// <para><b>Changes.</b> <see cref="MarkFinishedAsync"/>, <see cref="EraseCustomerAsync(string, string, string, CancellationToken)"/> and <see cref="RemoveAsync"/> change
/// the index rows first and the primary row last, each row by ETag, and start again from the primary row when another
/// process changed it meanwhile (so a stale read never puts old content back, and nothing deleted is created again).
/// Erasure moves the customer row to the pseudonym's partition (new row first, old row last, so a crash leaves the old one,
/// by which the next call finds the journey); removal deletes the index rows (customer row last), then the primary.
/// Every step of all three is safe to redo, so a call that failed part-way is completed by the next.</para>
/// <para><b>Limits.</b> Pages and customer lists hold 1..1000 entries. Every journey's add writes the one partition <c>a</c>
/// twice: a table partition serves about 2,000 operations a second, which bounds journey starts per account.</para>
/// </remarks>
public sealed partial class AzureStorageJourneyDataStore : IJourneyIndex
{
    private const string PrimaryPrefix = "i|";
    private const string AllJourneys = "a";

    public async Task<JourneyIndexEntry> AddOrGetAsync(JourneyIndexEntry entry, CancellationToken cancellationToken = default)
    {
        JourneyIndexPaging.Validate(entry);
        using var operation = Begin();
        entry = entry with { CreatedAt = entry.CreatedAt.ToUniversalTime() };
        for (var attempt = 1; ; attempt++)
        {
            var existing = await GetPrimaryAsync(entry.JourneyId, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                return ToEntry(existing);
            }

            // The customer row first: every other row of a (crashed) claim can be found from it, and it is deleted last.
            var positions = Positions(entry);
            var inserted = new ETag?[positions.Count];
            inserted[0] = await TryInsertAsync(IndexRow(positions[0], entry, confirmed: false), cancellationToken).ConfigureAwait(false);
            var rest = await Task.WhenAll(positions.Skip(1).Select(p => TryInsertAsync(IndexRow(p, entry, confirmed: false), cancellationToken))).ConfigureAwait(false);
            rest.CopyTo(inserted, 1);

            if (await TryInsertAsync(PrimaryRow(entry), cancellationToken).ConfigureAwait(false) is not null)
            {
                await Task.WhenAll(positions.Select((p, i) => ConfirmAsync(p, entry, inserted[i], cancellationToken))).ConfigureAwait(false);
                return entry;
            }

            var winner = await GetPrimaryAsync(entry.JourneyId, cancellationToken).ConfigureAwait(false);
            if (winner is null)
            {
                // Removed again between its insert and this read: claim anew.
                await DataTables.BackOffAsync(attempt, $"Journey '{entry.JourneyId}'", cancellationToken).ConfigureAwait(false);
                continue;
            }

            var won = ToEntry(winner);
            var legitimate = Positions(won);
            for (var i = positions.Count - 1; i >= 0; i--)
            {
                if (!legitimate.Contains(positions[i]))
                {
                    await DeleteRowAsync(positions[i], ETag.All, cancellationToken).ConfigureAwait(false);
                }
                else if (inserted[i] is { } etag)
                {
                    await TryUpdateAsync(IndexRow(positions[i], won, confirmed: true), etag, cancellationToken).ConfigureAwait(false);
                }
            }

            return won;
        }
    }

    public async Task<JourneyIndexEntry?> GetAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        using var operation = Begin();
        var row = await GetPrimaryAsync(journeyId, cancellationToken).ConfigureAwait(false);
        return row is null ? null : ToEntry(row);
    }

    public async Task<IReadOnlyList<JourneyIndexEntry>> ListByCustomerAsync(string dealerId, string customerId, bool unfinishedOnly, int max, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        JourneyIndexPaging.ValidateMax(max, nameof(max));
        using var operation = Begin();
        var query = new JourneyIndexQuery { DealerId = dealerId, CustomerId = customerId, Finished = unfinishedOnly ? false : null, PageSize = max };
        var (entries, _) = await ReadPartitionAsync(query, CustomerPartition(dealerId, customerId), null, max, cancellationToken).ConfigureAwait(false);
        return entries;
    }

    public async Task<JourneyIndexPage> QueryAsync(JourneyIndexQuery query, CancellationToken cancellationToken = default)
    {
        var after = JourneyIndexPaging.Validate(query);
        using var operation = Begin();
        var partition = (query.DealerId, query.CustomerId, query.TemplateId) switch
        {
            ({ } dealer, { } customer, _) => CustomerPartition(dealer, customer),
            ({ } dealer, null, { } template) => DealerTemplatePartition(dealer, template),
            ({ } dealer, null, null) => DealerPartition(dealer),
            (null, _, { } template) => TemplatePartition(template),
            _ => AllJourneys,
        };
        var (entries, keys) = await ReadPartitionAsync(query, partition, after, query.PageSize + 1, cancellationToken).ConfigureAwait(false);
        if (entries.Count <= query.PageSize)
        {
            return new JourneyIndexPage(entries, null);
        }

        entries.RemoveAt(entries.Count - 1);
        return new JourneyIndexPage(entries, JourneyIndexPaging.CreateToken(query, keys[entries.Count - 1]));
    }

    public async Task<bool> MarkFinishedAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        using var operation = Begin();
        for (var attempt = 1; ; attempt++)
        {
            var primary = await GetPrimaryAsync(journeyId, cancellationToken).ConfigureAwait(false);
            if (primary is null)
            {
                return false;
            }

            var current = ToEntry(primary);
            if (current.Finished)
            {
                return true;
            }

            var finished = current with { Finished = true };
            if (await RewriteAsync(Positions(current), current, finished, cancellationToken).ConfigureAwait(false) &&
                await TryUpdateAsync(PrimaryRow(finished), primary.ETag, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            await DataTables.BackOffAsync(attempt, $"Journey '{journeyId}'", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <remarks>
    /// Reads the customer partition (up to 1,000 rows a round) until it is empty: each legitimate row's journey is erased (index
    /// rows, the pseudonym's customer row, the primary, the old customer row last) and counted; garbage rows are deleted with
    /// the rows of their claim (those at the winner's positions get the winner's entry), so no copy of the key hash stays.
    /// </remarks>
    public async Task<int> EraseCustomerAsync(string dealerId, string customerId, string pseudonym, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(pseudonym);
        if (pseudonym == customerId)
        {
            throw new ArgumentException("The erasure pseudonym must differ from the customer id it replaces.", nameof(pseudonym));
        }

        using var operation = Begin();
        var partition = CustomerPartition(dealerId, customerId);
        var erased = 0;
        for (var attempt = 1; ; attempt++)
        {
            var rows = await DataTables.QueryAsync(_journeys, $"PartitionKey eq '{DataTables.Escape(partition)}'", cancellationToken, take: 1000).ConfigureAwait(false);
            if (rows.Count == 0)
            {
                return erased;
            }

            var progress = false;
            foreach (var row in rows)
            {
                var (done, counted) = await EraseRowAsync(row, dealerId, pseudonym, cancellationToken).ConfigureAwait(false);
                progress |= done;
                erased += counted ? 1 : 0;
            }

            if (!progress)
            {
                await DataTables.BackOffAsync(attempt, $"A journey of customer '{dealerId}/{customerId}'", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public async Task<bool> RemoveAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        using var operation = Begin();
        for (var attempt = 1; ; attempt++)
        {
            var primary = await GetPrimaryAsync(journeyId, cancellationToken).ConfigureAwait(false);
            if (primary is null)
            {
                return false;
            }

            var positions = Positions(ToEntry(primary));
            for (var i = positions.Count - 1; i >= 0; i--)
            {
                await DeleteRowAsync(positions[i], ETag.All, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                await _journeys.DeleteEntityAsync(primary.PartitionKey, primary.RowKey, primary.ETag, cancellationToken).ConfigureAwait(false);
                return true;
            }
            catch (RequestFailedException exception) when (exception.Status is 404 or 412)
            {
                // Changed (erased, finished) or removed since the read: read again.
                await DataTables.BackOffAsync(attempt, $"Journey '{journeyId}'", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // ---- erasure of one customer row ----------------------------------------------------------------------------

    /// <returns>Whether the row is dealt with (deleted), and whether it was a journey of the customer.</returns>
    private async Task<(bool Done, bool Counted)> EraseRowAsync(TableEntity row, string dealerId, string pseudonym, CancellationToken cancellationToken)
    {
        var claimed = ToEntry(row);
        var position = new Position(row.PartitionKey, row.RowKey);
        var primary = await GetPrimaryAsync(claimed.JourneyId, cancellationToken).ConfigureAwait(false);
        var current = primary is null ? null : ToEntry(primary);
        var legitimate = current is null ? [] : Positions(current);
        bool counted;
        if (legitimate.Contains(position))
        {
            var erased = current! with { CustomerId = pseudonym, KeyHash = null, TriggerEventId = null, Finished = true };
            var moved = Positions(erased)[0];
            if (!await RewriteAsync(legitimate.Skip(1).ToList(), current!, erased, cancellationToken).ConfigureAwait(false) ||
                !await PutUnconfirmedAsync(moved, erased, cancellationToken).ConfigureAwait(false) ||
                !await TryUpdateAsync(PrimaryRow(erased), primary!.ETag, cancellationToken).ConfigureAwait(false))
            {
                return (false, false); // changed meanwhile: the next round reads it again
            }

            await ConfirmIfUnconfirmedAsync(moved, erased, cancellationToken).ConfigureAwait(false);
            counted = true;
        }
        else
        {
            // Garbage of a claim that lost or crashed, or the old row of a journey erased by a call that stopped before deleting
            // it: the claim's other rows go (those at the journey's positions keep or get the journey's own entry).
            foreach (var other in Positions(claimed).Skip(1))
            {
                if (!legitimate.Contains(other))
                {
                    await DeleteRowAsync(other, ETag.All, cancellationToken).ConfigureAwait(false);
                }
                else if (await DataTables.GetAsync(_journeys, other.PartitionKey, other.RowKey, cancellationToken).ConfigureAwait(false) is { } copy &&
                    copy.GetBoolean("Confirmed") != true && ToEntry(copy) != current)
                {
                    await TryUpdateAsync(IndexRow(other, current!, confirmed: false), copy.ETag, cancellationToken).ConfigureAwait(false);
                }
            }

            counted = current is not null && current.DealerId == dealerId && current.CustomerId == pseudonym && current.KeyHash is null;
            if (counted)
            {
                await ConfirmIfUnconfirmedAsync(Positions(current!)[0], current!, cancellationToken).ConfigureAwait(false);
            }
        }

        await DeleteRowAsync(position, ETag.All, cancellationToken).ConfigureAwait(false);
        return (true, counted);
    }

    /// <summary>Inserts <paramref name="entry"/> unconfirmed at <paramref name="position"/>, or replaces what is there by ETag; false on a race.</summary>
    private async Task<bool> PutUnconfirmedAsync(Position position, JourneyIndexEntry entry, CancellationToken cancellationToken)
    {
        if (await TryInsertAsync(IndexRow(position, entry, confirmed: false), cancellationToken).ConfigureAwait(false) is not null)
        {
            return true;
        }

        var row = await DataTables.GetAsync(_journeys, position.PartitionKey, position.RowKey, cancellationToken).ConfigureAwait(false);
        return row is not null && (ToEntry(row) == entry || await TryUpdateAsync(IndexRow(position, entry, confirmed: false), row.ETag, cancellationToken).ConfigureAwait(false));
    }

    // ---- rows ---------------------------------------------------------------------------------------------------

    /// <summary>
    /// Puts <paramref name="target"/> (confirmed) into the rows at <paramref name="positions"/> that hold <paramref name="current"/>
    /// (finished or not) or an unconfirmed claim, by ETag; missing rows are not created. False when a row changed meanwhile or holds another
    /// confirmed entry (the primary read is stale): the caller reads the primary again.
    /// </summary>
    private async Task<bool> RewriteAsync(IReadOnlyList<Position> positions, JourneyIndexEntry current, JourneyIndexEntry target, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(positions.Select(async position =>
        {
            var row = await DataTables.GetAsync(_journeys, position.PartitionKey, position.RowKey, cancellationToken).ConfigureAwait(false);
            if (row is null)
            {
                return true;
            }

            var confirmed = row.GetBoolean("Confirmed") == true;
            var held = ToEntry(row);
            if (confirmed && held == target)
            {
                return true;
            }

            // A copy of the current entry (finished or not: a finishing that stopped part-way), or a claim: replace it.
            return (!confirmed || held with { Finished = current.Finished } == current) &&
                await TryUpdateAsync(IndexRow(position, target, confirmed: true), row.ETag, cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);
        return results.All(r => r);
    }

    /// <summary>
    /// After a successful claim: confirms the row this call inserted (unchanged since: its ETag), or one it found taken that is
    /// still an unconfirmed claim. A row changed by anyone else (erasure, a loser's repair) is left as it is.
    /// </summary>
    private async Task ConfirmAsync(Position position, JourneyIndexEntry entry, ETag? inserted, CancellationToken cancellationToken)
    {
        if (inserted is { } etag)
        {
            await TryUpdateAsync(IndexRow(position, entry, confirmed: true), etag, cancellationToken).ConfigureAwait(false);
            return;
        }

        await ConfirmIfUnconfirmedAsync(position, entry, cancellationToken, anyClaim: true).ConfigureAwait(false);
    }

    private async Task ConfirmIfUnconfirmedAsync(Position position, JourneyIndexEntry entry, CancellationToken cancellationToken, bool anyClaim = false)
    {
        var row = await DataTables.GetAsync(_journeys, position.PartitionKey, position.RowKey, cancellationToken).ConfigureAwait(false);
        if (row is not null && row.GetBoolean("Confirmed") != true && (anyClaim || ToEntry(row) == entry))
        {
            await TryUpdateAsync(IndexRow(position, entry, confirmed: true), row.ETag, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Rows of one partition after <paramref name="after"/>, resolved (unconfirmed rows against their primary) and filtered,
    /// until <paramref name="take"/> entries or the end; with each entry's row key (its paging position).
    /// </summary>
    private async Task<(List<JourneyIndexEntry> Entries, List<string> Keys)> ReadPartitionAsync(
        JourneyIndexQuery query, string partition, string? after, int take, CancellationToken cancellationToken)
    {
        var filter = $"PartitionKey eq '{DataTables.Escape(partition)}'";
        if (after is not null)
        {
            filter += $" and RowKey gt '{DataTables.Escape(after)}'";
        }

        var conditions = new List<string>();
        if (query.CustomerId is not null && query.TemplateId is not null)
        {
            conditions.Add($"TemplateId eq '{DataTables.Escape(query.TemplateId)}'");
        }

        if (query.Finished is { } finished)
        {
            conditions.Add(finished ? "Finished eq true" : "Finished eq false");
        }

        if (conditions.Count > 0)
        {
            filter += $" and (Confirmed eq false or ({string.Join(" and ", conditions)}))";
        }

        var entries = new List<JourneyIndexEntry>();
        var keys = new List<string>();
        await foreach (var row in _journeys.QueryAsync<TableEntity>(filter, Math.Min(take, 1000), cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var entry = await ResolveAsync(row, cancellationToken).ConfigureAwait(false);
            if (entry is null || !JourneyIndexPaging.Matches(query, entry))
            {
                continue;
            }

            entries.Add(entry);
            keys.Add(row.RowKey);
            if (entries.Count == take)
            {
                break;
            }
        }

        return (entries, keys);
    }

    /// <summary>A confirmed row's entry; an unconfirmed row's primary entry when the row is at one of its positions, else null.</summary>
    private async Task<JourneyIndexEntry?> ResolveAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var entry = ToEntry(row);
        if (row.GetBoolean("Confirmed") == true)
        {
            return entry;
        }

        var primary = await GetPrimaryAsync(entry.JourneyId, cancellationToken).ConfigureAwait(false);
        if (primary is null)
        {
            return null;
        }

        var current = ToEntry(primary);
        return Positions(current).Contains(new Position(row.PartitionKey, row.RowKey)) ? current : null;
    }

    private Task<TableEntity?> GetPrimaryAsync(string journeyId, CancellationToken cancellationToken) =>
        DataTables.GetAsync(_journeys, PrimaryPrefix + DataTables.Key(journeyId), DataTables.SingleRow, cancellationToken);

    /// <summary>Inserts the row; its ETag, or null when a row with its keys exists.</summary>
    private async Task<ETag?> TryInsertAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _journeys.AddEntityAsync(entity, cancellationToken).ConfigureAwait(false);
            return response.Headers.ETag;
        }
        catch (RequestFailedException exception) when (exception.Status == 409)
        {
            return null;
        }
    }

    /// <summary>Replaces the row if unchanged since <paramref name="etag"/>; false when it changed or is gone.</summary>
    private async Task<bool> TryUpdateAsync(TableEntity entity, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            await _journeys.UpdateEntityAsync(entity, etag, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException exception) when (exception.Status is 404 or 412)
        {
            return false;
        }
    }

    private async Task DeleteRowAsync(Position position, ETag etag, CancellationToken cancellationToken) =>
        await _journeys.DeleteEntityAsync(position.PartitionKey, position.RowKey, etag, cancellationToken).ConfigureAwait(false);

    // ---- keys and columns ---------------------------------------------------------------------------------------

    private readonly record struct Position(string PartitionKey, string RowKey);

    /// <summary>The index positions of an entry; the customer row first.</summary>
    private static List<Position> Positions(JourneyIndexEntry entry)
    {
        var row = DataTables.Inverted(entry.CreatedAt.UtcTicks) + "|" + DataTables.Key(entry.JourneyId);
        return
        [
            new(CustomerPartition(entry.DealerId, entry.CustomerId), row),
            new(DealerPartition(entry.DealerId), row),
            new(TemplatePartition(entry.TemplateId), row),
            new(DealerTemplatePartition(entry.DealerId, entry.TemplateId), row),
            new(AllJourneys, row),
        ];
    }

    private static string CustomerPartition(string dealerId, string customerId) => "c|" + DataTables.Key(dealerId) + "|" + DataTables.Key(customerId);

    private static string DealerPartition(string dealerId) => "d|" + DataTables.Key(dealerId);

    private static string TemplatePartition(string templateId) => "t|" + DataTables.Key(templateId);

    private static string DealerTemplatePartition(string dealerId, string templateId) => "dt|" + DataTables.Key(dealerId) + "|" + DataTables.Key(templateId);

    private static TableEntity PrimaryRow(JourneyIndexEntry entry) =>
        Columns(new TableEntity(PrimaryPrefix + DataTables.Key(entry.JourneyId), DataTables.SingleRow), entry);

    private static TableEntity IndexRow(Position position, JourneyIndexEntry entry, bool confirmed)
    {
        var row = Columns(new TableEntity(position.PartitionKey, position.RowKey), entry);
        row["Confirmed"] = confirmed;
        return row;
    }

    private static TableEntity Columns(TableEntity row, JourneyIndexEntry entry)
    {
        row["JourneyId"] = entry.JourneyId;
        row["DealerId"] = entry.DealerId;
        row["CustomerId"] = entry.CustomerId;
        row["TemplateId"] = entry.TemplateId;
        row["TemplateVersion"] = entry.TemplateVersion;
        row["KeyHash"] = entry.KeyHash;
        row["TriggerEventId"] = entry.TriggerEventId;
        row["CreatedTicks"] = entry.CreatedAt.UtcTicks;
        row["Finished"] = entry.Finished;
        return row;
    }

    private static JourneyIndexEntry ToEntry(TableEntity row) => new()
    {
        JourneyId = row.GetString("JourneyId"),
        DealerId = row.GetString("DealerId"),
        CustomerId = row.GetString("CustomerId"),
        TemplateId = row.GetString("TemplateId"),
        TemplateVersion = row.GetInt32("TemplateVersion") ?? throw new InvalidDataException($"Journey row '{row.PartitionKey}/{row.RowKey}' has no template version."),
        KeyHash = row.GetString("KeyHash"),
        TriggerEventId = row.GetString("TriggerEventId"),
        CreatedAt = new DateTimeOffset(row.GetInt64("CreatedTicks") ?? throw new InvalidDataException($"Journey row '{row.PartitionKey}/{row.RowKey}' has no creation time."), TimeSpan.Zero),
        Finished = row.GetBoolean("Finished") == true,
    };
}
