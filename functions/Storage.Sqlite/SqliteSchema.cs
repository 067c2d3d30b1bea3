using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite;

/// <summary>
/// The versioned schema. <see cref="CurrentVersion"/> is what this build writes; each entry of
/// <see cref="Migrations"/> takes the schema from version <c>index</c> to <c>index + 1</c>.
/// Never edit a shipped migration: add the next one.
/// </summary>
/// <remarks>
/// Times are INTEGER unix milliseconds (UTC). History events and messages are JSON (<c>HistoryJson</c>);
/// payloads (input, output, custom status) are the JSON text the runtime gave.
/// <c>activities.available_at</c> is when the item can next be taken: its <c>visible_at</c> while unlocked,
/// its <c>lock_until</c> while locked, so one index answers "what is ready now" without skipping in-flight rows.
/// </remarks>
internal static class SqliteSchema
{
    public const int CurrentVersion = 1;

    private static readonly string[] Migrations =
    [
        // 0 -> 1
        """
        CREATE TABLE instances (
            instance_id   TEXT    NOT NULL PRIMARY KEY,
            execution_id  TEXT    NOT NULL,
            name          TEXT    NOT NULL,
            version       TEXT,
            status        TEXT    NOT NULL,
            input         TEXT,
            output        TEXT,
            custom_status TEXT,
            failure       TEXT,
            created_at    INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL,
            completed_at  INTEGER,
            lock_token    TEXT,
            lock_until    INTEGER,
            etag          INTEGER NOT NULL DEFAULT 1
        );
        CREATE INDEX ix_instances_created ON instances (created_at, instance_id);
        CREATE INDEX ix_instances_completed ON instances (completed_at) WHERE completed_at IS NOT NULL;

        CREATE TABLE instance_tags (
            instance_id TEXT NOT NULL,
            key         TEXT NOT NULL,
            value       TEXT NOT NULL,
            PRIMARY KEY (instance_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX ix_instance_tags_key_value ON instance_tags (key, value);

        CREATE TABLE history (
            instance_id TEXT    NOT NULL,
            seq         INTEGER NOT NULL,
            event       TEXT    NOT NULL,
            PRIMARY KEY (instance_id, seq)
        ) WITHOUT ROWID;

        CREATE TABLE messages (
            id           INTEGER PRIMARY KEY AUTOINCREMENT,
            instance_id  TEXT    NOT NULL,
            execution_id TEXT,
            is_control   INTEGER NOT NULL,
            timer_seq    INTEGER,
            visible_at   INTEGER NOT NULL,
            dedup_id     TEXT,
            event        TEXT    NOT NULL
        );
        CREATE INDEX ix_messages_visible_at ON messages (visible_at);
        CREATE INDEX ix_messages_instance ON messages (instance_id, id);

        CREATE TABLE seen_event_ids (
            instance_id TEXT NOT NULL,
            dedup_id    TEXT NOT NULL,
            PRIMARY KEY (instance_id, dedup_id)
        ) WITHOUT ROWID;

        CREATE TABLE activities (
            id            TEXT    NOT NULL PRIMARY KEY,
            instance_id   TEXT    NOT NULL,
            execution_id  TEXT    NOT NULL,
            seq           INTEGER NOT NULL,
            name          TEXT    NOT NULL,
            input         TEXT,
            attempt       INTEGER NOT NULL,
            visible_at    INTEGER NOT NULL,
            available_at  INTEGER NOT NULL,
            dequeue_count INTEGER NOT NULL DEFAULT 0,
            lock_token    TEXT,
            lock_until    INTEGER
        );
        CREATE INDEX ix_activities_available_at ON activities (available_at);
        CREATE INDEX ix_activities_instance ON activities (instance_id);
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
                    $"The SQLite database '{path}' has schema version {version}, newer than version {CurrentVersion} that this build of " +
                    "JourneyOrchestrator understands. Run a newer build, or point the store at another file; the database was not changed.");
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
            TryRollback(session);
            throw;
        }
    }

    internal static void TryRollback(SqliteSession session)
    {
        try
        {
            session.Execute("ROLLBACK");
        }
        catch (SqliteException)
        {
            // No transaction was open (SQLite already rolled it back); nothing to undo.
        }
    }
}
