using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Data;

/// <summary>
/// The embedded <see cref="IJourneyDataStore"/> and <see cref="IJourneyIndex"/>: the product's own data (published templates,
/// customers, sales tasks, touchpoints, the development mailbox, the journey index) in its own SQLite file beside the runtime's (by convention <c>journeys-data.db</c>
/// in the data folder; the runtime store owns <c>journeys.db</c>). WAL mode, a versioned schema
/// (<see cref="SqliteDataSchema"/>), one writer thread with group commit and pooled read connections, like
/// <see cref="SqliteJourneyStore"/>.
/// </summary>
/// <remarks>
/// <para><b>One owning process.</b> <see cref="InitializeAsync"/> takes an exclusive OS lock on <c>&lt;Path&gt;.lock</c>
/// and fails with <see cref="InvalidOperationException"/> while another process or store holds it.</para>
/// <para><b>Idempotent writes.</b> Tasks, touchpoints and mail are keyed by their id (an activity's idempotency key): a
/// second write with the same id changes nothing and returns false. Upserting a customer whose profile is unchanged
/// (ignoring <see cref="CustomerProfile.UpdatedAt"/>) changes nothing. Completing a completed task returns it unchanged.
/// Publishing assigns the next version inside the writer's transaction, so concurrent publishes never share a version.</para>
/// <para>Times are ordered to the millisecond; records are returned exactly as written (JSON).</para>
/// </remarks>
public sealed partial class SqliteJourneyDataStore : IJourneyDataStore, IEmailContentStore
{
    /// <summary>The file name the host uses in its data folder.</summary>
    public const string DefaultFileName = "journeys-data.db";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly SqliteStoreOptions _options;
    private readonly string _path;
    private readonly string _lockPath;
    private readonly string _connectionString;
    private readonly ConcurrentBag<SqliteSession> _idleReaders = [];
    private readonly SemaphoreSlim _initializeGate = new(1, 1);
    private FileStream? _lockFile;
    private GroupCommitWriter? _writer;
    private SqliteSession? _writerSession;
    private volatile bool _disposed;

    /// <param name="options"><see cref="SqliteStoreOptions.Path"/> names the data file (e.g. <c>data/journeys-data.db</c>).</param>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SqliteJourneyDataStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _path = Path.GetFullPath(options.Path);
        _lockPath = _path + ".lock";
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = _path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        }.ToString();
    }

    /// <summary>The full path of the data file.</summary>
    public string DatabasePath => _path;

    /// <summary>Takes the process lock, opens the file in WAL mode, creates or upgrades the schema, starts the writer. Idempotent.</summary>
    /// <exception cref="InvalidOperationException">Another process has the file open, or it has a newer schema than this build knows.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await _initializeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_writer is not null)
            {
                return;
            }

            ObjectDisposedException.ThrowIf(_disposed, this);
            Initialize();
        }
        finally
        {
            _initializeGate.Release();
        }
    }

    // ---- templates ---------------------------------------------------------------------------

    public Task<int> PublishTemplateAsync(JourneyTemplate template, string source, string contentType, DateTimeOffset now, IReadOnlyDictionary<string, int>? emailVersions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        ArgumentException.ThrowIfNullOrWhiteSpace(template.Id, nameof(template));
        return WriteAsync(session =>
        {
            var latest = session.Command("SELECT MAX(version) FROM templates WHERE template_id = $id").Bind("$id", template.Id).ExecuteScalar();
            var version = latest is long v ? (int)v + 1 : 1;
            var stored = template with { Version = version };
            session.Command(
                """
                INSERT INTO templates (template_id, version, name, published_at, entry_events, record, source, content_type)
                VALUES ($id, $version, $name, $at, $entry, $record, $source, $type)
                """)
                .Bind("$id", template.Id).Bind("$version", version).Bind("$name", template.Name)
                .Bind("$at", now.ToUnixTimeMilliseconds())
                .Bind("$entry", JsonSerializer.Serialize(template.Entry?.Events ?? [], Json))
                .Bind("$record", JsonSerializer.Serialize(new StoredTemplate(stored, now, emailVersions), Json))
                .Bind("$source", source).Bind("$type", contentType)
                .ExecuteNonQuery();
            return version;
        }, cancellationToken);
    }

    public Task<PublishedTemplate?> GetTemplateAsync(string id, int? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ReadAsync(session =>
        {
            var command = version is { } v
                ? session.Command("SELECT record, source, content_type FROM templates WHERE template_id = $id AND version = $version").Bind("$version", v)
                : session.Command("SELECT record, source, content_type FROM templates WHERE template_id = $id ORDER BY version DESC LIMIT 1");
            using var reader = command.Bind("$id", id).ExecuteReader();
            if (!reader.Read())
            {
                return null;
            }

            var stored = Deserialize<StoredTemplate>(reader.GetString(0));
            return new PublishedTemplate(stored.Template, reader.GetString(1), reader.GetString(2), stored.PublishedAt) { EmailVersions = stored.EmailVersions ?? new Dictionary<string, int>() };
        }, cancellationToken);
    }

    public Task<IReadOnlyList<TemplateSummary>> ListTemplatesAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<TemplateSummary>>(session =>
        {
            using var reader = session.Command(
                """
                SELECT t.template_id, t.name, t.version, t.published_at, t.entry_events
                FROM templates AS t
                WHERE t.version = (SELECT MAX(l.version) FROM templates AS l WHERE l.template_id = t.template_id)
                ORDER BY t.template_id
                """).ExecuteReader();
            var list = new List<TemplateSummary>();
            while (reader.Read())
            {
                list.Add(new TemplateSummary(
                    reader.GetString(0),
                    reader.GetString(1),
                    reader.GetInt32(2),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    Deserialize<List<string>>(reader.GetString(4))));
            }

            return list;
        }, cancellationToken);

    public Task<IReadOnlyList<int>> ListTemplateVersionsAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ReadAsync<IReadOnlyList<int>>(session =>
        {
            using var reader = session.Command("SELECT version FROM templates WHERE template_id = $id ORDER BY version").Bind("$id", id).ExecuteReader();
            var versions = new List<int>();
            while (reader.Read())
            {
                versions.Add(reader.GetInt32(0));
            }

            return versions;
        }, cancellationToken);
    }

    // ---- customers ---------------------------------------------------------------------------

    public Task UpsertCustomerAsync(CustomerProfile customer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(customer);
        var record = JsonSerializer.Serialize(customer, Json);
        var comparable = JsonSerializer.Serialize(customer with { UpdatedAt = default }, Json);
        return WriteAsync(session =>
        {
            var existing = session.Command("SELECT record FROM customers WHERE dealer_id = $dealer AND customer_id = $id")
                .Bind("$dealer", customer.DealerId).Bind("$id", customer.Id).ExecuteScalar() as string;
            if (existing is not null &&
                JsonSerializer.Serialize(Deserialize<CustomerProfile>(existing) with { UpdatedAt = default }, Json) == comparable)
            {
                return false; // unchanged: keep the stored row (and its UpdatedAt) as it is
            }

            session.Command(
                """
                INSERT INTO customers (dealer_id, customer_id, updated_at, record) VALUES ($dealer, $id, $at, $record)
                ON CONFLICT (dealer_id, customer_id) DO UPDATE SET updated_at = excluded.updated_at, record = excluded.record
                """)
                .Bind("$dealer", customer.DealerId).Bind("$id", customer.Id)
                .Bind("$at", customer.UpdatedAt.ToUnixTimeMilliseconds()).Bind("$record", record)
                .ExecuteNonQuery();
            return true;
        }, cancellationToken);
    }

    public Task<CustomerProfile?> GetCustomerAsync(string dealerId, string customerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        return ReadAsync(session =>
            session.Command("SELECT record FROM customers WHERE dealer_id = $dealer AND customer_id = $id")
                .Bind("$dealer", dealerId).Bind("$id", customerId).ExecuteScalar() is string json
                ? Deserialize<CustomerProfile>(json)
                : null, cancellationToken);
    }

    // ---- tasks -------------------------------------------------------------------------------

    public Task<bool> CreateTaskAsync(SalesTask task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var record = JsonSerializer.Serialize(task, Json);
        return WriteAsync(session =>
            session.Command(
                """
                INSERT INTO tasks (task_id, dealer_id, journey_id, status, created_at, record) VALUES ($id, $dealer, $journey, $status, $at, $record)
                ON CONFLICT (task_id) DO NOTHING
                """)
                .Bind("$id", task.Id).Bind("$dealer", task.DealerId).Bind("$journey", task.JourneyId).Bind("$status", task.Status)
                .Bind("$at", task.CreatedAt.ToUnixTimeMilliseconds()).Bind("$record", record)
                .ExecuteNonQuery() == 1, cancellationToken);
    }

    public Task<SalesTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        return ReadAsync(session => ReadTask(session, taskId), cancellationToken);
    }

    public Task<IReadOnlyList<SalesTask>> ListTasksAsync(string? dealerId, string? status, CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<SalesTask>>(session =>
        {
            var command = (dealerId, status) switch
            {
                (null, null) => session.Command("SELECT record FROM tasks ORDER BY created_at, seq"),
                (not null, null) => session.Command("SELECT record FROM tasks WHERE dealer_id = $dealer ORDER BY created_at, seq"),
                (null, not null) => session.Command("SELECT record FROM tasks WHERE status = $status ORDER BY created_at, seq"),
                _ => session.Command("SELECT record FROM tasks WHERE dealer_id = $dealer AND status = $status ORDER BY created_at, seq"),
            };
            if (dealerId is not null)
            {
                command.Bind("$dealer", dealerId);
            }

            if (status is not null)
            {
                command.Bind("$status", status);
            }

            return ReadRecords<SalesTask>(command);
        }, cancellationToken);

    public Task<SalesTask?> CompleteTaskAsync(string taskId, string outcome, string? notes, DateTimeOffset now, string? completedBy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(outcome);
        return WriteAsync(session =>
        {
            var task = ReadTask(session, taskId);
            if (task is null || task.Status != TaskStatuses.Open)
            {
                return task;
            }

            var completed = task with { Status = TaskStatuses.Completed, Outcome = outcome, Notes = notes, CompletedAt = now, CompletedBy = completedBy };
            session.Command("UPDATE tasks SET status = $status, record = $record WHERE task_id = $id")
                .Bind("$id", taskId).Bind("$status", completed.Status).Bind("$record", JsonSerializer.Serialize(completed, Json))
                .ExecuteNonQuery();
            return completed;
        }, cancellationToken);
    }

    public Task<SalesTask?> ReassignTaskAsync(string taskId, string assignee, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskId);
        ArgumentNullException.ThrowIfNull(assignee);
        return WriteAsync(session =>
        {
            var task = ReadTask(session, taskId);
            if (task is null || task.Status != TaskStatuses.Open || task.Assignee == assignee)
            {
                return task;
            }

            // The assignee lives in the JSON record only (no column): rows written before it existed read as null.
            var reassigned = task with { Assignee = assignee };
            session.Command("UPDATE tasks SET record = $record WHERE task_id = $id")
                .Bind("$id", taskId).Bind("$record", JsonSerializer.Serialize(reassigned, Json))
                .ExecuteNonQuery();
            return reassigned;
        }, cancellationToken);
    }

    // ---- touchpoints and mail ----------------------------------------------------------------

    public Task<bool> AddTouchpointAsync(Touchpoint touchpoint, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(touchpoint);
        var record = JsonSerializer.Serialize(touchpoint, Json);
        return WriteAsync(session =>
            session.Command(
                """
                INSERT INTO touchpoints (touchpoint_id, journey_id, occurred_at, record) VALUES ($id, $journey, $at, $record)
                ON CONFLICT (touchpoint_id) DO NOTHING
                """)
                .Bind("$id", touchpoint.Id).Bind("$journey", touchpoint.JourneyId)
                .Bind("$at", touchpoint.OccurredAt.ToUnixTimeMilliseconds()).Bind("$record", record)
                .ExecuteNonQuery() == 1, cancellationToken);
    }

    public Task<IReadOnlyList<Touchpoint>> ListTouchpointsAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(journeyId);
        return ReadAsync<IReadOnlyList<Touchpoint>>(session =>
            ReadRecords<Touchpoint>(session.Command("SELECT record FROM touchpoints WHERE journey_id = $journey ORDER BY occurred_at, seq")
                .Bind("$journey", journeyId)), cancellationToken);
    }

    public Task<bool> AddMailAsync(MailboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var record = JsonSerializer.Serialize(message, Json);
        return WriteAsync(session =>
            session.Command(
                """
                INSERT INTO mailbox (message_id, journey_id, to_address, sent_at, record) VALUES ($id, $journey, $to, $at, $record)
                ON CONFLICT (message_id) DO NOTHING
                """)
                .Bind("$id", message.Id).Bind("$journey", message.JourneyId).Bind("$to", message.To)
                .Bind("$at", message.SentAt.ToUnixTimeMilliseconds()).Bind("$record", record)
                .ExecuteNonQuery() == 1, cancellationToken);
    }

    public Task<IReadOnlyList<MailboxMessage>> ListMailAsync(string? to, string? journeyId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return ReadAsync<IReadOnlyList<MailboxMessage>>(session =>
        {
            var command = (to, journeyId) switch
            {
                (null, null) => session.Command("SELECT record FROM mailbox ORDER BY seq DESC LIMIT $limit"),
                (not null, null) => session.Command("SELECT record FROM mailbox WHERE to_address = $to ORDER BY seq DESC LIMIT $limit"),
                (null, not null) => session.Command("SELECT record FROM mailbox WHERE journey_id = $journey ORDER BY seq DESC LIMIT $limit"),
                _ => session.Command("SELECT record FROM mailbox WHERE to_address = $to AND journey_id = $journey ORDER BY seq DESC LIMIT $limit"),
            };
            if (to is not null)
            {
                command.Bind("$to", to);
            }

            if (journeyId is not null)
            {
                command.Bind("$journey", journeyId);
            }

            return ReadRecords<MailboxMessage>(command.Bind("$limit", limit));
        }, cancellationToken);
    }

    // ---- lifetime ----------------------------------------------------------------------------

    /// <summary>Commits every queued write, closes the connections and releases the lock file. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        await _initializeGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
            }

            _writerSession?.Dispose();
            while (_idleReaders.TryTake(out var reader))
            {
                reader.Dispose();
            }

            _lockFile?.Dispose();
        }
        finally
        {
            _initializeGate.Release();
        }
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private void Initialize()
    {
        var folder = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(_lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException exception)
        {
            throw new InvalidOperationException(
                $"The SQLite data file '{_path}' is already open in another process or store (its lock file '{_lockPath}' is held). " +
                "It is owned by exactly one host process; stop the other one or use another data folder.",
                exception);
        }

        SqliteSession? session = null;
        try
        {
            session = OpenSession(writer: true);
            SqliteDataSchema.EnsureCurrent(session, _path);
        }
        catch
        {
            session?.Dispose();
            lockFile.Dispose();
            throw;
        }

        _lockFile = lockFile;
        _writerSession = session;
        _writer = new GroupCommitWriter(session, _options.MaxBatchSize, "JourneyOrchestrator SQLite data writer");
    }

    private SqliteSession OpenSession(bool writer)
    {
        var connection = new SqliteConnection(_connectionString);
        var session = new SqliteSession(connection);
        try
        {
            connection.Open();
            var busy = ((long)_options.BusyTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            using (var pragma = session.CreateCommand("PRAGMA busy_timeout = " + busy))
            {
                pragma.ExecuteNonQuery();
            }

            session.Execute(SqliteErasure.SecureDelete);
            if (writer)
            {
                var mode = session.Command("PRAGMA journal_mode = WAL").ExecuteScalar() as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"The SQLite data file '{_path}' could not be switched to WAL mode (it is in '{mode}' mode).");
                }

                session.Execute(_options.Synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            }
            else
            {
                session.Execute("PRAGMA query_only = ON");
            }

            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private Task<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var writer = _writer ?? throw NotInitialized();
        return writer.WriteAsync(work, cancellationToken);
    }

    private Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_writer is null)
        {
            throw NotInitialized();
        }

        cancellationToken.ThrowIfCancellationRequested();
        var session = _idleReaders.TryTake(out var idle) ? idle : OpenSession(writer: false);
        var reusable = false;
        try
        {
            var result = read(session);
            reusable = true;
            return Task.FromResult(result);
        }
        finally
        {
            if (reusable && !_disposed && _idleReaders.Count < _options.MaxIdleReadConnections)
            {
                _idleReaders.Add(session);
                if (_disposed && _idleReaders.TryTake(out var late))
                {
                    late.Dispose();
                }
            }
            else
            {
                session.Dispose();
            }
        }
    }

    private static SalesTask? ReadTask(SqliteSession session, string taskId) =>
        session.Command("SELECT record FROM tasks WHERE task_id = $id").Bind("$id", taskId).ExecuteScalar() is string json
            ? Deserialize<SalesTask>(json)
            : null;

    private static List<T> ReadRecords<T>(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<T>();
        while (reader.Read())
        {
            list.Add(Deserialize<T>(reader.GetString(0)));
        }

        return list;
    }

    private static T Deserialize<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, Json) ?? throw new InvalidDataException($"A stored {typeof(T).Name} record is null.");

    private static InvalidOperationException NotInitialized() =>
        new("The SQLite data store is not initialized: call InitializeAsync first.");

    /// <summary>The stored form of a template version: the template (version assigned) and when it was published.</summary>
    private sealed record StoredTemplate(JourneyTemplate Template, DateTimeOffset PublishedAt, IReadOnlyDictionary<string, int>? EmailVersions = null);
}
