using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite;

/// <summary>
/// One open connection with a cache of its commands, so each statement is prepared once per connection.
/// Used by one thread at a time: the writer thread, or the reader that rented it.
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteSession(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    /// <summary>
    /// A cached command for constant SQL, its parameters unset. Do not dispose it.
    /// </summary>
    /// <remarks>
    /// The parameter objects are kept from call to call (only their values are reset to unset), so <see cref="SqliteCommandExtensions.Bind"/>
    /// sets a value instead of allocating a parameter: this is on the writer thread's path for every statement. A parameter
    /// the caller does not bind again stays unset, and executing the command then throws, as it would with a fresh command.
    /// </remarks>
    [SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities", Justification = "Callers pass constant SQL; values are always bound as parameters.")]
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        var parameters = command.Parameters;
        for (var i = 0; i < parameters.Count; i++)
        {
            parameters[i].Value = null;
        }

        return command;
    }

    /// <summary>An uncached command for SQL assembled at run time (query filters); the caller disposes it.</summary>
    [SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities", Justification = "The SQL is assembled from constant fragments; values are always bound as parameters.")]
    public SqliteCommand CreateCommand(string sql)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    public int Execute(string sql) => Command(sql).ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}

internal static class SqliteCommandExtensions
{
    /// <summary>
    /// Binds a parameter (null becomes SQL NULL) and returns the command for chaining. Sets the value of the command's
    /// parameter of that name when it has one (a cached command's), otherwise adds it.
    /// </summary>
    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        var parameters = command.Parameters;
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value ?? DBNull.Value;
        }
        else
        {
            parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static string? GetNullableString(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? GetNullableInt64(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);
}

/// <summary>
/// What makes deleted data unrecoverable from a SQLite file (erasure, GDPR): <see cref="SecureDelete"/> on every connection,
/// so that a DELETE or UPDATE overwrites the old content with zeros (in the page's free space, freed pages and overflow
/// pages) instead of leaving it there, and <see cref="CheckpointAndTruncate"/> after an erase, so that the old page images
/// in the write-ahead log (<c>-wal</c>) are copied over and the log truncated to zero bytes.
/// </summary>
internal static class SqliteErasure
{
    /// <summary>Run on every connection right after it is opened (a per-connection setting).</summary>
    public const string SecureDelete = "PRAGMA secure_delete = ON";

    private const int CheckpointAttempts = 50;
    private static readonly TimeSpan CheckpointPause = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// <c>PRAGMA wal_checkpoint(TRUNCATE)</c> on a connection of its own (outside any transaction): every frame of the WAL is
    /// written to the database file and the WAL is truncated to zero bytes. Tried again while a reader still uses an older
    /// snapshot (about five seconds at most).
    /// </summary>
    /// <exception cref="InvalidOperationException">The WAL stayed in use; what was erased is erased in the database, but old
    /// page images may still be in the WAL until the next successful checkpoint (calling the erase again does one).</exception>
    public static void CheckpointAndTruncate(string connectionString, string path)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        for (var attempt = 1; ; attempt++)
        {
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
                using var reader = command.ExecuteReader();
                if (reader.Read() && reader.GetInt64(0) == 0)
                {
                    return;
                }
            }

            if (attempt == CheckpointAttempts)
            {
                throw new InvalidOperationException(
                    $"The write-ahead log of '{path}' could not be checkpointed and truncated after an erase (a reader kept it busy); call the erase again.");
            }

            Thread.Sleep(CheckpointPause);
        }
    }
}
