namespace JourneyOrchestrator.Storage.Sqlite.Data;

/// <summary>
/// The versioned schema of the product data file (<c>journeys-data.db</c>): templates, customers, sales tasks, touchpoints,
/// the development mailbox, erasure records (2), the journey index (3) and the API-authored e-mails (4). <see cref="CurrentVersion"/> is what this build writes; each entry of <see cref="Migrations"/>
/// takes the schema from version <c>index</c> to <c>index + 1</c>. Never edit a shipped migration: add the next one.
/// </summary>
/// <remarks>
/// Times are INTEGER unix milliseconds (UTC) and are used for ordering only; each row keeps its record as JSON
/// (<c>record</c> columns), so a record read back is exactly the record written. Filter columns are copies of record fields.
/// </remarks>
internal static class SqliteDataSchema
{
    public const int CurrentVersion = 4;

    private static readonly string[] Migrations =
    [
        // 0 -> 1
        """
        CREATE TABLE templates (
            template_id  TEXT    NOT NULL,
            version      INTEGER NOT NULL,
            name         TEXT    NOT NULL,
            published_at INTEGER NOT NULL,
            entry_events TEXT    NOT NULL,
            record       TEXT    NOT NULL,
            source       TEXT    NOT NULL,
            content_type TEXT    NOT NULL,
            PRIMARY KEY (template_id, version)
        ) WITHOUT ROWID;

        CREATE TABLE customers (
            dealer_id   TEXT    NOT NULL,
            customer_id TEXT    NOT NULL,
            updated_at  INTEGER NOT NULL,
            record      TEXT    NOT NULL,
            PRIMARY KEY (dealer_id, customer_id)
        ) WITHOUT ROWID;

        CREATE TABLE tasks (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            task_id    TEXT    NOT NULL UNIQUE,
            dealer_id  TEXT    NOT NULL,
            journey_id TEXT    NOT NULL,
            status     TEXT    NOT NULL,
            created_at INTEGER NOT NULL,
            record     TEXT    NOT NULL
        );
        CREATE INDEX ix_tasks_dealer_status ON tasks (dealer_id, status, created_at, seq);
        CREATE INDEX ix_tasks_status ON tasks (status, created_at, seq);

        CREATE TABLE touchpoints (
            seq           INTEGER PRIMARY KEY AUTOINCREMENT,
            touchpoint_id TEXT    NOT NULL UNIQUE,
            journey_id    TEXT    NOT NULL,
            occurred_at   INTEGER NOT NULL,
            record        TEXT    NOT NULL
        );
        CREATE INDEX ix_touchpoints_journey ON touchpoints (journey_id, occurred_at, seq);

        CREATE TABLE mailbox (
            seq        INTEGER PRIMARY KEY AUTOINCREMENT,
            message_id TEXT    NOT NULL UNIQUE,
            journey_id TEXT    NOT NULL,
            to_address TEXT    NOT NULL,
            sent_at    INTEGER NOT NULL,
            record     TEXT    NOT NULL
        );
        CREATE INDEX ix_mailbox_journey ON mailbox (journey_id, seq);
        CREATE INDEX ix_mailbox_to ON mailbox (to_address, seq);
        """,

        // 1 -> 2: erasure (GDPR): the audit records, and indexes to find a customer's rows by the record's fields.
        """
        CREATE TABLE erasures (
            seq           INTEGER PRIMARY KEY AUTOINCREMENT,
            erasure_id    TEXT    NOT NULL UNIQUE,
            dealer_id     TEXT    NOT NULL,
            customer_hash TEXT    NOT NULL,
            requested_at  INTEGER NOT NULL,
            record        TEXT    NOT NULL
        );
        CREATE INDEX ix_erasures_requested ON erasures (requested_at, seq);
        CREATE INDEX ix_erasures_customer ON erasures (dealer_id, customer_hash, requested_at);

        CREATE INDEX ix_tasks_customer ON tasks (dealer_id, json_extract(record, '$.customerId'));
        CREATE INDEX ix_touchpoints_customer ON touchpoints (json_extract(record, '$.dealerId'), json_extract(record, '$.customerId'));
        CREATE INDEX ix_mailbox_customer ON mailbox (json_extract(record, '$.dealerId'), json_extract(record, '$.customerId'));
        """,

        // 2 -> 3: the journey index (IJourneyIndex). created_order = long.MaxValue - created_at (UTC ticks), so every index
        // walks forward newest first, ties by id ascending, and a page starts at a (created_order, journey_id) row value.
        """
        CREATE TABLE journeys (
            journey_id       TEXT    NOT NULL PRIMARY KEY,
            dealer_id        TEXT    NOT NULL,
            customer_id      TEXT    NOT NULL,
            template_id      TEXT    NOT NULL,
            template_version INTEGER NOT NULL,
            key_hash         TEXT,
            trigger_event_id TEXT,
            created_at       INTEGER NOT NULL,
            created_order    INTEGER NOT NULL,
            finished         INTEGER NOT NULL DEFAULT 0
        ) WITHOUT ROWID;
        CREATE INDEX ix_journeys_customer ON journeys (dealer_id, customer_id, created_order, journey_id);
        CREATE INDEX ix_journeys_dealer_template ON journeys (dealer_id, template_id, created_order, journey_id);
        CREATE INDEX ix_journeys_template ON journeys (template_id, created_order, journey_id);
        CREATE INDEX ix_journeys_dealer ON journeys (dealer_id, created_order, journey_id);
        CREATE INDEX ix_journeys_created ON journeys (created_order, journey_id);
        """,

        // 3 -> 4: e-mails authored through the API, versioned (IEmailContentStore).
        """
        CREATE TABLE emails (
            name         TEXT    NOT NULL,
            version      INTEGER NOT NULL,
            published_at INTEGER NOT NULL,
            record       TEXT    NOT NULL,
            PRIMARY KEY (name, version)
        ) WITHOUT ROWID;
        """,
    ];

    /// <summary>Creates the schema or upgrades it to <see cref="CurrentVersion"/> in one transaction.</summary>
    /// <exception cref="InvalidOperationException">The database was written by a newer build.</exception>
    public static void EnsureCurrent(SqliteSession session, string path)
    {
        session.Execute("BEGIN IMMEDIATE");
        try
        {
            session.Execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
            var stored = session.Command("SELECT MAX(version) FROM schema_version").ExecuteScalar();
            var version = stored is long v ? (int)v : 0;
            if (version > CurrentVersion)
            {
                throw new InvalidOperationException(
                    $"The SQLite data file '{path}' has schema version {version}, newer than version {CurrentVersion} that this build of " +
                    "JourneyOrchestrator understands. Run a newer build, or point the host at another data folder; the file was not changed.");
            }

            for (var next = version; next < CurrentVersion; next++)
            {
                using var migrate = session.CreateCommand(Migrations[next]);
                migrate.ExecuteNonQuery();
            }

            if (version < CurrentVersion)
            {
                session.Execute("DELETE FROM schema_version");
                session.Command("INSERT INTO schema_version (version) VALUES ($v)").Bind("$v", CurrentVersion).ExecuteNonQuery();
            }

            session.Execute("COMMIT");
        }
        catch
        {
            SqliteSchema.TryRollback(session);
            throw;
        }
    }
}
