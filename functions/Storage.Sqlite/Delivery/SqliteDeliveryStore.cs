using System.Globalization;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Delivery;

/// <summary>
/// The embedded <see cref="IDeliveryStore"/>: the delivery ledger, suppressions and seen webhook events in their own SQLite
/// file (by convention <c>journeys-delivery.db</c> in the data folder). WAL mode, a versioned schema (<c>PRAGMA
/// user_version</c>), one connection whose writes are serialised; every write is one short transaction. Delivery writes are
/// a few per message, far below what needs the group commit of the runtime store.
/// </summary>
/// <remarks>Initialised on first use (or by <see cref="InitializeAsync"/>). Times are stored as UTC ISO 8601 text (ordered).</remarks>
public sealed partial class SqliteDeliveryStore : IDeliveryStore, IDeadLetterStore, IAsyncDisposable
{
    public const string DefaultFileName = "journeys-delivery.db";

    /// <summary>The schema version this build writes (2: <c>dead_letters</c>; 3: <c>erased_addresses</c>; the schema script only creates what is missing).</summary>
    public const int SchemaVersion = 3;

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS outbound_sends (
            key TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            dealer_id TEXT NOT NULL,
            customer_id TEXT NOT NULL,
            journey_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            category TEXT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            detail TEXT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            sent_at TEXT NULL);
        CREATE INDEX IF NOT EXISTS ix_outbound_customer ON outbound_sends (dealer_id, customer_id, category, sent_at);
        CREATE TABLE IF NOT EXISTS suppressions (
            dealer_id TEXT NOT NULL,
            customer_id TEXT NOT NULL DEFAULT '',
            email TEXT NOT NULL DEFAULT '',
            scope TEXT NOT NULL,
            reason TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (dealer_id, customer_id, email, scope));
        CREATE INDEX IF NOT EXISTS ix_suppressions_email ON suppressions (dealer_id, email);
        CREATE TABLE IF NOT EXISTS webhook_events (
            provider TEXT NOT NULL,
            event_id TEXT NOT NULL,
            received_at TEXT NOT NULL,
            PRIMARY KEY (provider, event_id));
        CREATE TABLE IF NOT EXISTS dead_letters (
            id TEXT PRIMARY KEY,
            channel TEXT NOT NULL,
            dealer_id TEXT NOT NULL,
            task_id TEXT NOT NULL,
            journey_id TEXT NOT NULL,
            last_error TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            failed_at TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_dead_letters_dealer ON dead_letters (dealer_id, failed_at);
        CREATE TABLE IF NOT EXISTS erased_addresses (
            dealer_id TEXT NOT NULL,
            address_hash TEXT NOT NULL,
            erased_at TEXT NOT NULL,
            PRIMARY KEY (dealer_id, address_hash));
        """;

    private readonly string _path;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;
    private int _disposed;

    public SqliteDeliveryStore(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _path = Path.GetFullPath(path);
    }

    public string DatabasePath => _path;

    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<SendClaim> ClaimSendAsync(OutboundSend send, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(send);
        return WithConnectionAsync(async c =>
        {
            using var tx = c.BeginTransaction();
            var inserted = await ExecuteAsync(c, tx, """
                INSERT INTO outbound_sends (key, channel, dealer_id, customer_id, journey_id, step_id, category, state, attempts, detail, created_at, updated_at)
                VALUES ($key, $channel, $dealer, $customer, $journey, $step, $category, 'pending', 1, NULL, $now, $now)
                ON CONFLICT (key) DO UPDATE SET state = 'pending', attempts = attempts + 1, updated_at = $now WHERE state = 'retry'
                """, cancellationToken,
                ("$key", send.Key), ("$channel", send.Channel), ("$dealer", send.DealerId), ("$customer", send.CustomerId),
                ("$journey", send.JourneyId), ("$step", send.StepId), ("$category", send.Category), ("$now", Time(send.CreatedAt))).ConfigureAwait(false);
            var row = (await ReadSendAsync(c, tx, send.Key, cancellationToken).ConfigureAwait(false))!;
            tx.Commit();
            return new SendClaim(inserted == 1, row);
        }, cancellationToken);
    }

    public Task UpdateSendAsync(string key, string state, string? detail, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(c => ExecuteAsync(c, null, """
            UPDATE outbound_sends SET state = $state, detail = $detail, updated_at = $now,
                sent_at = CASE WHEN $state = 'sent' THEN $now ELSE sent_at END
            WHERE key = $key
            """, cancellationToken, ("$key", key), ("$state", state), ("$detail", detail), ("$now", Time(now))), cancellationToken);

    public Task<OutboundSend?> GetSendAsync(string key, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(c => ReadSendAsync(c, null, key, cancellationToken), cancellationToken);

    public Task<IReadOnlyList<DateTimeOffset>> ListSentAtAsync(string dealerId, string customerId, string category, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<DateTimeOffset>>(async c =>
        {
            using var command = Command(c, null, """
                SELECT sent_at FROM outbound_sends
                WHERE dealer_id = $dealer AND customer_id = $customer AND category = $category AND sent_at >= $since
                ORDER BY sent_at
                """, ("$dealer", dealerId), ("$customer", customerId), ("$category", category), ("$since", Time(since)));
            var times = new List<DateTimeOffset>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                times.Add(ParseTime(reader.GetString(0)));
            }

            return times;
        }, cancellationToken);

    public Task<bool> AddSuppressionAsync(Suppression suppression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        return WithConnectionAsync(async c => await ExecuteAsync(c, null, """
            INSERT INTO suppressions (dealer_id, customer_id, email, scope, reason, created_at)
            VALUES ($dealer, $customer, $email, $scope, $reason, $now) ON CONFLICT DO NOTHING
            """, cancellationToken, ("$dealer", suppression.DealerId), ("$customer", suppression.CustomerId ?? ""),
            ("$email", suppression.Email?.ToLowerInvariant() ?? ""), ("$scope", suppression.Scope), ("$reason", suppression.Reason),
            ("$now", Time(suppression.CreatedAt))).ConfigureAwait(false) == 1, cancellationToken);
    }

    public Task<IReadOnlyList<Suppression>> FindSuppressionsAsync(string dealerId, string? customerId, string? email, CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<Suppression>>(async c =>
        {
            using var command = Command(c, null, """
                SELECT customer_id, email, scope, reason, created_at FROM suppressions
                WHERE dealer_id = $dealer AND ((customer_id <> '' AND customer_id = $customer) OR (email <> '' AND email = $email))
                ORDER BY created_at
                """, ("$dealer", dealerId), ("$customer", customerId ?? ""), ("$email", email?.ToLowerInvariant() ?? ""));
            var found = new List<Suppression>();
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                found.Add(new Suppression
                {
                    DealerId = dealerId,
                    CustomerId = NullIfEmpty(reader.GetString(0)),
                    Email = NullIfEmpty(reader.GetString(1)),
                    Scope = reader.GetString(2),
                    Reason = reader.GetString(3),
                    CreatedAt = ParseTime(reader.GetString(4)),
                });
            }

            return found;
        }, cancellationToken);

    public Task<bool> HasWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(async c =>
        {
            using var command = Command(c, null, "SELECT 1 FROM webhook_events WHERE provider = $provider AND event_id = $id", ("$provider", provider), ("$id", eventId));
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not null;
        }, cancellationToken);

    public Task<bool> TryRecordWebhookEventAsync(string provider, string eventId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(async c => await ExecuteAsync(c, null,
            "INSERT INTO webhook_events (provider, event_id, received_at) VALUES ($provider, $id, $now) ON CONFLICT DO NOTHING",
            cancellationToken, ("$provider", provider), ("$id", eventId), ("$now", Time(now))).ConfigureAwait(false) == 1, cancellationToken);

    /// <remarks>Idempotent: the host registers this one object as both <see cref="IDeliveryStore"/> and <see cref="IDeadLetterStore"/>, so it is disposed twice.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is not null)
            {
                await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
            }
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }

    private async Task<T> WithConnectionAsync<T>(Func<SqliteConnection, Task<T>> action, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await action(await OpenAsync(cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task WithConnectionAsync(Func<SqliteConnection, Task<int>> action, CancellationToken cancellationToken) =>
        await WithConnectionAsync<int>(action, cancellationToken).ConfigureAwait(false);

    private async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; " + SqliteErasure.SecureDelete + ";", cancellationToken).ConfigureAwait(false);
            using var version = Command(connection, null, "PRAGMA user_version");
            var current = Convert.ToInt32(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
            if (current > SchemaVersion)
            {
                throw new InvalidOperationException($"The delivery database '{_path}' has schema version {current}; this build knows up to {SchemaVersion}.");
            }

            if (current < SchemaVersion)
            {
                using var tx = connection.BeginTransaction();
                await ExecuteAsync(connection, tx, Schema + $"PRAGMA user_version = {SchemaVersion};", cancellationToken).ConfigureAwait(false);
                tx.Commit();
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _connection = connection;
        return connection;
    }

    private static async Task<OutboundSend?> ReadSendAsync(SqliteConnection c, SqliteTransaction? tx, string key, CancellationToken cancellationToken)
    {
        using var command = Command(c, tx, """
            SELECT channel, dealer_id, customer_id, journey_id, step_id, category, state, attempts, detail, created_at, updated_at, sent_at
            FROM outbound_sends WHERE key = $key
            """, ("$key", key));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new OutboundSend
        {
            Key = key,
            Channel = reader.GetString(0),
            DealerId = reader.GetString(1),
            CustomerId = reader.GetString(2),
            JourneyId = reader.GetString(3),
            StepId = reader.GetString(4),
            Category = reader.IsDBNull(5) ? null : reader.GetString(5),
            State = reader.GetString(6),
            Attempts = reader.GetInt32(7),
            Detail = reader.IsDBNull(8) ? null : reader.GetString(8),
            CreatedAt = ParseTime(reader.GetString(9)),
            UpdatedAt = ParseTime(reader.GetString(10)),
            SentAt = reader.IsDBNull(11) ? null : ParseTime(reader.GetString(11)),
        };
    }

    private static async Task<int> ExecuteAsync(SqliteConnection c, SqliteTransaction? tx, string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(c, tx, sql, parameters);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
#pragma warning disable CA2100 // The SQL is constant text of this class; values are parameters.
        command.CommandText = sql;
#pragma warning restore CA2100
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private static string Time(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset ParseTime(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
