namespace JourneyOrchestrator.Storage.Sqlite;

/// <summary>How hard SQLite syncs the write-ahead log to disk on commit.</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// <c>PRAGMA synchronous = FULL</c>: every commit is fsynced before the caller is told it succeeded, so a
    /// committed episode survives power loss. The store batches concurrent writes into one commit (one fsync)
    /// to keep this affordable.
    /// </summary>
    Full,

    /// <summary>
    /// <c>PRAGMA synchronous = NORMAL</c>: the WAL is fsynced at checkpoints only. The database stays consistent,
    /// but the last commits before a power loss (not a process crash) may be lost.
    /// </summary>
    Normal,
}

/// <summary>Options of <see cref="SqliteJourneyStore"/>.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>The database file. Its folder is created if missing; a <c>&lt;Path&gt;.lock</c> file is kept beside it.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Durability of a commit; <see cref="SqliteSynchronousMode.Full"/> by default.</summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>
    /// The most write requests the single writer commits in one transaction (group commit). Larger batches mean
    /// fewer fsyncs under load; a batch never waits for more requests, it takes what is queued. 1..100,000.
    /// </summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>How long a connection waits on a busy database before failing (<c>PRAGMA busy_timeout</c>).</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How many idle read connections are kept open for reuse.</summary>
    public int MaxIdleReadConnections { get; set; } = 8;

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
        {
            throw new ArgumentException("SqliteStoreOptions.Path must name the database file.", nameof(Path));
        }

        if (!Enum.IsDefined(Synchronous))
        {
            throw new ArgumentOutOfRangeException(nameof(Synchronous), Synchronous, "Synchronous must be Full or Normal.");
        }

        if (MaxBatchSize is < 1 or > 100_000)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), MaxBatchSize, "MaxBatchSize must be between 1 and 100,000.");
        }

        if (BusyTimeout < TimeSpan.Zero || BusyTimeout > TimeSpan.FromMinutes(10))
        {
            throw new ArgumentOutOfRangeException(nameof(BusyTimeout), BusyTimeout, "BusyTimeout must be between 0 and 10 minutes.");
        }

        if (MaxIdleReadConnections is < 0 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIdleReadConnections), MaxIdleReadConnections, "MaxIdleReadConnections must be between 0 and 1024.");
        }
    }
}
