using JourneyOrchestrator.Templates.Delivery;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Delivery;

/// <summary>Erasure (GDPR): table <c>erased_addresses</c> (dealer, keyed hash of the address, when) and the deletes, in one transaction.</summary>
public sealed partial class SqliteDeliveryStore
{
    public Task<DeliveryErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string? addressHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        return WithConnectionAsync(async c =>
        {
            using var tx = c.BeginTransaction();
            if (addressHash is not null)
            {
                await ExecuteAsync(c, tx, """
                    INSERT INTO erased_addresses (dealer_id, address_hash, erased_at) VALUES ($dealer, $hash, $now)
                    ON CONFLICT (dealer_id, address_hash) DO UPDATE SET erased_at = max(erased_at, excluded.erased_at)
                    """,
                    cancellationToken, ("$dealer", dealerId), ("$hash", addressHash), ("$now", Time(now))).ConfigureAwait(false);
            }

            var sends = await ExecuteAsync(c, tx, "DELETE FROM outbound_sends WHERE dealer_id = $dealer AND customer_id = $customer",
                cancellationToken, ("$dealer", dealerId), ("$customer", customerId)).ConfigureAwait(false);
            var suppressions = await ExecuteAsync(c, tx, """
                DELETE FROM suppressions WHERE dealer_id = $dealer AND (customer_id = $customer OR (email <> '' AND email = $email))
                """, cancellationToken, ("$dealer", dealerId), ("$customer", customerId), ("$email", email?.ToLowerInvariant() ?? "")).ConfigureAwait(false);
            tx.Commit();

            // The old content is zeros in the file already (secure_delete); now no old page image stays in the WAL either.
            await SqliteErasureCheckpoint(c, cancellationToken).ConfigureAwait(false);
            return new DeliveryErasure(sends, suppressions);
        }, cancellationToken);
    }

    /// <summary>
    /// <c>PRAGMA wal_checkpoint(TRUNCATE)</c> on the store's one connection (every access goes through it, so no reader can
    /// hold an older snapshot): the WAL's frames go to the database file and the WAL is truncated to zero bytes.
    /// </summary>
    private static async Task SqliteErasureCheckpoint(SqliteConnection c, CancellationToken cancellationToken)
    {
        using var command = Command(c, null, "PRAGMA wal_checkpoint(TRUNCATE)");
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetInt64(0) != 0)
        {
            throw new InvalidOperationException("The write-ahead log of the delivery store could not be checkpointed after an erase; call the erase again.");
        }
    }

    public Task<DateTimeOffset?> GetErasedAddressAsync(string dealerId, string addressHash, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(async c =>
        {
            using var command = Command(c, null, "SELECT erased_at FROM erased_addresses WHERE dealer_id = $dealer AND address_hash = $hash",
                ("$dealer", dealerId), ("$hash", addressHash));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is string at ? ParseTime(at) : (DateTimeOffset?)null;
        }, cancellationToken);
}
