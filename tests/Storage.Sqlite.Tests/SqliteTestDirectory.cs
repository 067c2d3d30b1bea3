namespace JourneyOrchestrator.Storage.Sqlite.Tests;

/// <summary>A temporary folder for one test's database files, deleted on dispose.</summary>
internal sealed class SqliteTestDirectory : IDisposable
{
    public SqliteTestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "journey-sqlite-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string DatabasePath => System.IO.Path.Combine(Path, "journeys.db");

    public SqliteStoreOptions Options(SqliteSynchronousMode synchronous = SqliteSynchronousMode.Full) =>
        new() { Path = DatabasePath, Synchronous = synchronous };

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
