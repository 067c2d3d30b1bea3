using System.Text.Json;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.Sqlite.Data;

/// <summary>Erasure (GDPR): the customer's rows in one transaction, and the audit records (table <c>erasures</c>).</summary>
public sealed partial class SqliteJourneyDataStore
{
    /// <remarks>
    /// One transaction; the old content is overwritten with zeros in the file (<c>secure_delete</c>), and afterwards the WAL
    /// is checkpointed and truncated, so no old page image of the customer's rows stays in <c>-wal</c>.
    /// </remarks>
    public async Task<CustomerErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string pseudonym, CancellationToken cancellationToken = default)
    {
        var erased = await EraseRowsAsync(dealerId, customerId, email, pseudonym, cancellationToken).ConfigureAwait(false);
        await Task.Run(() => SqliteErasure.CheckpointAndTruncate(_connectionString, _path), CancellationToken.None).ConfigureAwait(false);
        return erased;
    }

    private Task<CustomerErasure> EraseRowsAsync(string dealerId, string customerId, string? email, string pseudonym, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        ArgumentException.ThrowIfNullOrWhiteSpace(pseudonym);
        return WriteAsync(session =>
        {
            var profile = session.Command("DELETE FROM customers WHERE dealer_id = $dealer AND customer_id = $id")
                .Bind("$dealer", dealerId).Bind("$id", customerId).ExecuteNonQuery() > 0;
            var tasks = session.Command("DELETE FROM tasks WHERE dealer_id = $dealer AND json_extract(record, '$.customerId') = $id")
                .Bind("$dealer", dealerId).Bind("$id", customerId).ExecuteNonQuery();
            var mail = session.Command(
                """
                DELETE FROM mailbox WHERE json_extract(record, '$.dealerId') = $dealer
                    AND (json_extract(record, '$.customerId') = $id OR ($email IS NOT NULL AND lower(to_address) = $email))
                """)
                .Bind("$dealer", dealerId).Bind("$id", customerId).Bind("$email", email?.Trim().ToLowerInvariant()).ExecuteNonQuery();

            var touchpoints = new List<(string Id, Touchpoint Touchpoint)>();
            using (var reader = session.Command(
                "SELECT touchpoint_id, record FROM touchpoints WHERE json_extract(record, '$.dealerId') = $dealer AND json_extract(record, '$.customerId') = $id")
                .Bind("$dealer", dealerId).Bind("$id", customerId).ExecuteReader())
            {
                while (reader.Read())
                {
                    touchpoints.Add((reader.GetString(0), Deserialize<Touchpoint>(reader.GetString(1))));
                }
            }

            foreach (var (id, touchpoint) in touchpoints)
            {
                session.Command("UPDATE touchpoints SET record = $record WHERE touchpoint_id = $id")
                    .Bind("$id", id).Bind("$record", JsonSerializer.Serialize(touchpoint with { CustomerId = pseudonym, Detail = null }, Json))
                    .ExecuteNonQuery();
            }

            return new CustomerErasure(profile, tasks, touchpoints.Count, mail);
        }, cancellationToken);
    }

    public Task SaveErasureAsync(ErasureRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        var json = JsonSerializer.Serialize(record, Json);
        return WriteAsync(session =>
            session.Command(
                """
                INSERT INTO erasures (erasure_id, dealer_id, customer_hash, requested_at, record) VALUES ($id, $dealer, $hash, $at, $record)
                ON CONFLICT (erasure_id) DO UPDATE SET record = excluded.record
                """)
                .Bind("$id", record.Id).Bind("$dealer", record.DealerId).Bind("$hash", record.CustomerHash)
                .Bind("$at", record.RequestedAt.ToUnixTimeMilliseconds()).Bind("$record", json)
                .ExecuteNonQuery(), cancellationToken);
    }

    public Task<IReadOnlyList<ErasureRecord>> ListErasuresAsync(string? dealerId, string? customerHash, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return ReadAsync<IReadOnlyList<ErasureRecord>>(session =>
            ReadRecords<ErasureRecord>(session.Command(
                """
                SELECT record FROM erasures
                WHERE ($dealer IS NULL OR dealer_id = $dealer) AND ($hash IS NULL OR customer_hash = $hash)
                ORDER BY requested_at DESC, seq DESC LIMIT $limit
                """)
                .Bind("$dealer", dealerId).Bind("$hash", customerHash).Bind("$limit", limit)), cancellationToken);
    }
}
