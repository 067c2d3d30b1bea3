using JourneyOrchestrator.Templates.Data;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Data;

/// <summary>
/// The journey index (<see cref="IJourneyIndex"/>): table <c>journeys</c> of the data file (schema version 3), one row per
/// journey, with an index per look-up, so that every statement is an index SEARCH (asserted by the tests with
/// <c>EXPLAIN QUERY PLAN</c>): by customer <c>(dealer_id, customer_id, created_order, journey_id)</c>, by dealer and template,
/// by template, by dealer, and by time alone. <c>created_order</c> is <c>long.MaxValue</c> minus the UTC ticks, so each index
/// walks forward newest first with ties by id ascending, and a page starts after the row value
/// <c>(created_order, journey_id)</c> of the last entry of the previous one (keyset paging: a page costs its rows, however deep).
/// </summary>
/// <remarks>
/// Writes go through the single writer, each in its own savepoint of one transaction, so <see cref="AddOrGetAsync"/>
/// (<c>INSERT … ON CONFLICT DO NOTHING</c>, then the row) is atomic. The <c>finished</c> and template filters of a query that
/// has no index of their own are applied while walking the chosen index's range.
/// </remarks>
public sealed partial class SqliteJourneyDataStore : IJourneyIndex
{
    private const string IndexColumns =
        "journey_id, dealer_id, customer_id, template_id, template_version, key_hash, trigger_event_id, created_at, finished";

    private const string Page = " AND ($finished IS NULL OR finished = $finished) AND (created_order, journey_id) > ($order, $after) ORDER BY created_order, journey_id LIMIT $limit";

    /// <summary>The statement of each query shape (the filters given), by the index it is meant to use.</summary>
    internal static readonly IReadOnlyDictionary<string, string> IndexQueries = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["customer"] = $"SELECT {IndexColumns} FROM journeys WHERE dealer_id = $dealer AND customer_id = $customer AND ($template IS NULL OR template_id = $template){Page}",
        ["dealer_template"] = $"SELECT {IndexColumns} FROM journeys WHERE dealer_id = $dealer AND template_id = $template{Page}",
        ["dealer"] = $"SELECT {IndexColumns} FROM journeys WHERE dealer_id = $dealer{Page}",
        ["template"] = $"SELECT {IndexColumns} FROM journeys WHERE template_id = $template{Page}",
        ["created"] = $"SELECT {IndexColumns} FROM journeys WHERE 1 = 1{Page}",
    };

    internal const string ListByCustomerSql =
        $"SELECT {IndexColumns} FROM journeys WHERE dealer_id = $dealer AND customer_id = $customer AND ($unfinished = 0 OR finished = 0) ORDER BY created_order, journey_id LIMIT $limit";

    internal const string EraseJourneysSql =
        """
        UPDATE journeys SET customer_id = $pseudonym, key_hash = NULL, trigger_event_id = NULL, finished = 1
        WHERE dealer_id = $dealer AND customer_id = $customer
        """;

    public Task<JourneyIndexEntry> AddOrGetAsync(JourneyIndexEntry entry, CancellationToken cancellationToken = default)
    {
        JourneyIndexPaging.Validate(entry);
        var ticks = entry.CreatedAt.UtcTicks;
        return WriteAsync(session =>
        {
            session.Command(
                """
                INSERT INTO journeys (journey_id, dealer_id, customer_id, template_id, template_version, key_hash, trigger_event_id, created_at, created_order, finished)
                VALUES ($id, $dealer, $customer, $template, $version, $hash, $trigger, $at, $order, $finished)
                ON CONFLICT (journey_id) DO NOTHING
                """)
                .Bind("$id", entry.JourneyId).Bind("$dealer", entry.DealerId).Bind("$customer", entry.CustomerId)
                .Bind("$template", entry.TemplateId).Bind("$version", entry.TemplateVersion).Bind("$hash", entry.KeyHash)
                .Bind("$trigger", entry.TriggerEventId).Bind("$at", ticks).Bind("$order", long.MaxValue - ticks)
                .Bind("$finished", entry.Finished ? 1 : 0)
                .ExecuteNonQuery();
            return ReadJourney(session, entry.JourneyId) ?? throw new InvalidOperationException($"Journey '{entry.JourneyId}' vanished inside its own transaction.");
        }, cancellationToken);
    }

    public Task<JourneyIndexEntry?> GetAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        return ReadAsync(session => ReadJourney(session, journeyId), cancellationToken);
    }

    public Task<IReadOnlyList<JourneyIndexEntry>> ListByCustomerAsync(string dealerId, string customerId, bool unfinishedOnly, int max, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        JourneyIndexPaging.ValidateMax(max, nameof(max));
        return ReadAsync<IReadOnlyList<JourneyIndexEntry>>(session =>
            ReadJourneys(session.Command(ListByCustomerSql)
                .Bind("$dealer", dealerId).Bind("$customer", customerId).Bind("$unfinished", unfinishedOnly ? 1 : 0).Bind("$limit", max)),
            cancellationToken);
    }

    public Task<JourneyIndexPage> QueryAsync(JourneyIndexQuery query, CancellationToken cancellationToken = default)
    {
        var position = JourneyIndexPaging.Validate(query);
        var (order, after) = position is null ? (-1L, string.Empty) : JourneyIndexPaging.ParsePosition(position);
        return ReadAsync(session =>
        {
            var command = BindQuery(session.Command(IndexQueries[Shape(query)]), query, order, after);
            var entries = ReadJourneys(command.Bind("$limit", query.PageSize + 1));
            if (entries.Count <= query.PageSize)
            {
                return new JourneyIndexPage(entries, null);
            }

            entries.RemoveAt(entries.Count - 1);
            var last = entries[^1];
            return new JourneyIndexPage(entries, JourneyIndexPaging.CreateToken(query, JourneyIndexPaging.Position(long.MaxValue - last.CreatedAt.UtcTicks, last.JourneyId)));
        }, cancellationToken);
    }

    public Task<bool> MarkFinishedAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        return WriteAsync(session =>
            session.Command("UPDATE journeys SET finished = 1 WHERE journey_id = $id").Bind("$id", journeyId).ExecuteNonQuery() > 0, cancellationToken);
    }

    /// <remarks>One statement on the customer index; afterwards the WAL is checkpointed and truncated, as erasure of the product data is.</remarks>
    public async Task<int> EraseCustomerAsync(string dealerId, string customerId, string pseudonym, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        CheckPseudonym(customerId, pseudonym);
        var changed = await WriteAsync(session =>
            session.Command(EraseJourneysSql).Bind("$dealer", dealerId).Bind("$customer", customerId).Bind("$pseudonym", pseudonym).ExecuteNonQuery(),
            cancellationToken).ConfigureAwait(false);
        if (changed > 0)
        {
            await Task.Run(() => SqliteErasure.CheckpointAndTruncate(_connectionString, _path), CancellationToken.None).ConfigureAwait(false);
        }

        return changed;
    }

    public Task<bool> RemoveAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        return WriteAsync(session =>
            session.Command("DELETE FROM journeys WHERE journey_id = $id").Bind("$id", journeyId).ExecuteNonQuery() > 0, cancellationToken);
    }

    /// <summary>
    /// <c>EXPLAIN QUERY PLAN</c> of every look-up (the query shapes, the customer list, the erasure), with sample values: for the
    /// tests that assert each is an index SEARCH.
    /// </summary>
    internal Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ExplainIndexLookupsAsync() =>
        ReadAsync<IReadOnlyDictionary<string, IReadOnlyList<string>>>(session =>
        {
            var plans = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            var sample = new JourneyIndexQuery { DealerId = "d", CustomerId = "c", TemplateId = "t", Finished = false };
            foreach (var (name, sql) in IndexQueries)
            {
                using var command = session.CreateCommand("EXPLAIN QUERY PLAN " + sql);
                plans[name] = Plan(BindQuery(command, sample, 42, "j").Bind("$limit", 51));
            }

            using (var list = session.CreateCommand("EXPLAIN QUERY PLAN " + ListByCustomerSql))
            {
                plans["list_by_customer"] = Plan(list.Bind("$dealer", "d").Bind("$customer", "c").Bind("$unfinished", 1).Bind("$limit", 50));
            }

            using (var erase = session.CreateCommand("EXPLAIN QUERY PLAN " + EraseJourneysSql))
            {
                plans["erase_customer"] = Plan(erase.Bind("$dealer", "d").Bind("$customer", "c").Bind("$pseudonym", "p"));
            }

            using (var get = session.CreateCommand("EXPLAIN QUERY PLAN SELECT " + IndexColumns + " FROM journeys WHERE journey_id = $id"))
            {
                plans["get"] = Plan(get.Bind("$id", "j"));
            }

            return plans;
        }, CancellationToken.None);

    internal static void CheckPseudonym(string customerId, string pseudonym)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pseudonym);
        if (pseudonym == customerId)
        {
            throw new ArgumentException("The erasure pseudonym must differ from the customer id it replaces.", nameof(pseudonym));
        }
    }

    private static string Shape(JourneyIndexQuery query) => (query.DealerId, query.CustomerId, query.TemplateId) switch
    {
        (not null, not null, _) => "customer",
        (not null, null, not null) => "dealer_template",
        (not null, null, null) => "dealer",
        (null, _, not null) => "template",
        _ => "created",
    };

    private static SqliteCommand BindQuery(SqliteCommand command, JourneyIndexQuery query, long order, string after) =>
        command.Bind("$dealer", query.DealerId).Bind("$customer", query.CustomerId).Bind("$template", query.TemplateId)
            .Bind("$finished", query.Finished is { } finished ? (finished ? 1 : 0) : null)
            .Bind("$order", order).Bind("$after", after);

    private static List<string> Plan(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var lines = new List<string>();
        while (reader.Read())
        {
            lines.Add(reader.GetString(reader.GetOrdinal("detail")));
        }

        return lines;
    }

    private static JourneyIndexEntry? ReadJourney(SqliteSession session, string journeyId) =>
        ReadJourneys(session.Command($"SELECT {IndexColumns} FROM journeys WHERE journey_id = $id").Bind("$id", journeyId)).FirstOrDefault();

    private static List<JourneyIndexEntry> ReadJourneys(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<JourneyIndexEntry>();
        while (reader.Read())
        {
            list.Add(new JourneyIndexEntry
            {
                JourneyId = reader.GetString(0),
                DealerId = reader.GetString(1),
                CustomerId = reader.GetString(2),
                TemplateId = reader.GetString(3),
                TemplateVersion = reader.GetInt32(4),
                KeyHash = reader.IsDBNull(5) ? null : reader.GetString(5),
                TriggerEventId = reader.IsDBNull(6) ? null : reader.GetString(6),
                CreatedAt = new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero),
                Finished = reader.GetInt64(8) != 0,
            });
        }

        return list;
    }
}
