using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Tests;

/// <summary>The command cache keeps parameter objects between calls; a value must never carry over to the next call.</summary>
public sealed class SqliteSessionTests : IDisposable
{
    private readonly SqliteSession _session;

    public SqliteSessionTests()
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        _session = new SqliteSession(connection);
        _session.Execute("CREATE TABLE t (a TEXT, b INTEGER)");
    }

    public void Dispose() => _session.Dispose();

    [Fact]
    public void Command_Rebound_UsesTheNewValuesAndTypes()
    {
        const string Sql = "SELECT $a || ':' || typeof($b)";

        var first = _session.Command(Sql).Bind("$a", "x").Bind("$b", 1L).ExecuteScalar();
        var second = _session.Command(Sql).Bind("$a", "y").Bind("$b", null).ExecuteScalar();

        Assert.Equal("x:integer", first);
        Assert.Equal("y:null", second);
        Assert.Same(_session.Command(Sql), _session.Command(Sql));
    }

    [Fact]
    public void Command_ParameterNotBoundAgain_ThrowsInsteadOfReusingTheLastValue()
    {
        const string Sql = "INSERT INTO t (a, b) VALUES ($a, $b)";
        _session.Command(Sql).Bind("$a", "first").Bind("$b", 1L).ExecuteNonQuery();

        var command = _session.Command(Sql).Bind("$a", "second");

        Assert.Throws<InvalidOperationException>(() => command.ExecuteNonQuery());
        Assert.Equal(1L, _session.Command("SELECT COUNT(*) FROM t").ExecuteScalar());
    }
}
