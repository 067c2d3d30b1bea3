using JourneyOrchestrator.Core.DependencyInjection;

namespace JourneyOrchestrator.Storage.Sqlite;

public static class SqliteBuilderExtensions
{
    /// <summary>Uses the embedded SQLite store (one file, owned by this process).</summary>
    public static JourneyOrchestratorBuilder UseSqliteStorage(this JourneyOrchestratorBuilder builder, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SqliteStoreOptions();
        configure(options);
        options.Validate();
        return builder.UseStore(_ => new SqliteJourneyStore(options));
    }
}
