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
