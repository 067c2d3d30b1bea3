using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite;

/// <summary>
/// The embedded default <see cref="IJourneyStore"/>: one SQLite file in WAL mode, written by a single writer thread
/// that commits concurrent requests together (group commit), read through a small pool of read connections.
/// </summary>
/// <remarks>
/// <para><b>One owning process.</b> The database belongs to the one host process that opened it.
/// <see cref="InitializeAsync"/> takes an exclusive OS lock on the sidecar file <c>&lt;Path&gt;.lock</c> (held until
/// <see cref="DisposeAsync"/>, released by the OS if the process dies) and fails with
/// <see cref="InvalidOperationException"/> while another process, or another store in this process, holds it. Having
/// that lock proves that every instance and activity lock in the file belongs to a previous, dead owner, so
/// <see cref="InitializeAsync"/> clears them all: after a crash, work resumes at once instead of after the lock duration.</para>
/// <para><b>Writes.</b> Every write runs on the writer thread in a transaction shared with the other requests queued
/// at that moment (at most <see cref="SqliteStoreOptions.MaxBatchSize"/>), each in its own SAVEPOINT. A request that fails
/// (for example a commit whose lock was lost) is rolled back alone; the others commit with one fsync. A write's task
/// completes after that COMMIT.</para>
/// <para><b>Reads</b> (queries, and the instance, history and messages of a freshly locked work item) use pooled read
/// connections, which WAL lets run beside the writer on a consistent snapshot.</para>
/// <para><b>Choices the port leaves open.</b> A control message (terminate, suspend, resume) to a finished instance is
/// refused with <see cref="EnqueueResult.InstanceFinished"/>: there is nothing left to control. A duplicate
/// <see cref="InboxMessage.DeduplicationId"/> is reported as <see cref="EnqueueResult.Duplicate"/> even if the instance
/// has finished since. A lock that runs until <c>T</c> is expired at <c>T</c>. A commit deletes consumed messages and
/// timers before it inserts its new messages, so <see cref="OrchestrationCommit.DeleteAllTimers"/> never deletes a
/// timer written by the same commit. Tags are set at creation; a commit does not change them. A new instance is always
/// stored as <see cref="InstanceStatus.Pending"/>. An empty <see cref="InstanceQuery.Statuses"/> means "any status".
/// <see cref="InstanceQuery.CreatedFrom"/> and <see cref="InstanceQuery.CreatedTo"/> are both inclusive. Times are kept
/// to the millisecond.</para>
/// </remarks>
public sealed class SqliteJourneyStore : IJourneyStore
{
    private const string FinishedStatuses = "('Completed', 'Failed', 'Terminated')";
    private const string InstanceColumns =
        "instance_id, execution_id, name, version, status, input, output, custom_status, failure, created_at, updated_at, completed_at";
    private const string MessageColumns = "id, instance_id, execution_id, visible_at, dedup_id, event";
    private const int PurgeChunkSize = 256;

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

    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public SqliteJourneyStore(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _path = System.IO.Path.GetFullPath(options.Path);
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

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath => _path;

    /// <summary>The writer, for tests that need to see or shape group-commit batches.</summary>
    internal GroupCommitWriter Writer => _writer ?? throw NotInitialized();

    /// <summary>
    /// Takes the process lock on <c>&lt;Path&gt;.lock</c>, opens the database in WAL mode, creates or upgrades the schema,
    /// clears every instance and activity lock left by a previous process, and starts the writer. Idempotent.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// Another process (or store) has the database open, or the database has a newer schema version than this build knows.
    /// </exception>
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

    private void Initialize()
    {
        var folder = System.IO.Path.GetDirectoryName(_path);
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
                $"The SQLite database '{_path}' is already open in another process or store (its lock file '{_lockPath}' is held). " +
                "A SQLite journey store is owned by exactly one host process; stop the other one or use another file.",
                exception);
        }

        SqliteSession? session = null;
        try
        {
            session = OpenSession(writer: true);
            SqliteSchema.EnsureCurrent(session, _path);
            ClearLocksOfPreviousOwner(session);
        }
        catch
        {
            session?.Dispose();
            lockFile.Dispose();
            throw;
        }

        _lockFile = lockFile;
        _writerSession = session;
        _writer = new GroupCommitWriter(session, _options.MaxBatchSize, "JourneyOrchestrator SQLite writer");
    }

    private static void ClearLocksOfPreviousOwner(SqliteSession session)
    {
        session.Execute("BEGIN IMMEDIATE");
        try
        {
            session.Execute("UPDATE instances SET lock_token = NULL, lock_until = NULL WHERE lock_token IS NOT NULL");
            session.Execute(
                "UPDATE activities SET lock_token = NULL, lock_until = NULL, available_at = visible_at WHERE lock_token IS NOT NULL");
            session.Execute("COMMIT");
        }
        catch
        {
            SqliteSchema.TryRollback(session);
            throw;
        }
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
                    throw new InvalidOperationException($"The SQLite database '{_path}' could not be switched to WAL mode (it is in '{mode}' mode).");
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

    // ---- client side -----------------------------------------------------------------------

    public Task<CreateResult> CreateInstanceAsync(InstanceRecord instance, InboxMessage startMessage, bool replaceIfFinished, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentNullException.ThrowIfNull(startMessage);
        RequireSameInstance(instance.InstanceId, startMessage.InstanceId, nameof(startMessage));
        var row = InstanceRow.From(instance with { Status = InstanceStatus.Pending });
        var tags = instance.Tags.ToArray();
        var message = MessageRow.From(startMessage);

        return WriteAsync(session =>
        {
            var existing = ReadStatus(session, row.InstanceId);
            if (existing is { } status)
            {
                if (!replaceIfFinished || !status.IsFinished())
                {
                    return CreateResult.AlreadyExists;
                }

                DeleteInstanceRows(session, row.InstanceId, keepSeenEventIds: true);
            }

            InsertInstance(session, row);
            foreach (var (key, value) in tags)
            {
                session.Command("INSERT INTO instance_tags (instance_id, key, value) VALUES ($id, $key, $value)")
                    .Bind("$id", row.InstanceId).Bind("$key", key).Bind("$value", value).ExecuteNonQuery();
            }

            InsertMessage(session, message);
            return CreateResult.Created;
        }, cancellationToken);
    }

    public Task<EnqueueResult> EnqueueAsync(InboxMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var row = MessageRow.From(message);

        return WriteAsync(session =>
        {
            // One statement reads the status and whether the deduplication id was seen (the enqueue path of every event).
            InstanceStatus status;
            bool seen;
            using (var reader = session.Command(
                """
                SELECT status, $dedup IS NOT NULL AND EXISTS (SELECT 1 FROM seen_event_ids WHERE instance_id = $id AND dedup_id = $dedup)
                FROM instances WHERE instance_id = $id
                """)
                .Bind("$id", row.InstanceId).Bind("$dedup", row.DeduplicationId).ExecuteReader())
            {
                if (!reader.Read())
                {
                    return EnqueueResult.InstanceNotFound;
                }

                status = ParseStatus(reader.GetString(0));
                seen = reader.GetInt64(1) != 0;
            }

            if (seen)
            {
                return EnqueueResult.Duplicate;
            }

            if (status.IsFinished() && (row.ExecutionId is null || row.IsControl))
            {
                return EnqueueResult.InstanceFinished;
            }

            InsertMessage(session, row);
            return EnqueueResult.Accepted;
        }, cancellationToken);
    }

    public Task<InstanceRecord?> GetInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return ReadAsync(session => ReadInstance(session, instanceId), cancellationToken);
    }

    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return ReadAsync<IReadOnlyList<HistoryEvent>>(session => ReadHistory(session, instanceId), cancellationToken);
    }

    public Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, 1000, nameof(query));
        var after = query.ContinuationToken is null ? ((long CreatedAt, string InstanceId)?)null : DecodeToken(query.ContinuationToken);

        return ReadAsync(session =>
        {
            var sql = new StringBuilder("SELECT ").Append(InstanceColumns).Append(" FROM instances AS i WHERE 1 = 1");
            using var command = session.CreateCommand(string.Empty);
            if (query.Statuses is { Count: > 0 } statuses)
            {
                sql.Append(" AND i.status IN (");
                var index = 0;
                foreach (var status in statuses.Distinct())
                {
                    var name = "$status" + index.ToString(CultureInfo.InvariantCulture);
                    sql.Append(index == 0 ? name : ", " + name);
                    command.Bind(name, status.ToString());
                    index++;
                }

                sql.Append(')');
            }

            if (query.Name is not null)
            {
                sql.Append(" AND i.name = $name");
                command.Bind("$name", query.Name);
            }

            if (!string.IsNullOrEmpty(query.InstanceIdPrefix))
            {
                sql.Append(" AND i.instance_id >= $prefix AND substr(i.instance_id, 1, length($prefix)) = $prefix");
                command.Bind("$prefix", query.InstanceIdPrefix);
            }

            if (query.CreatedFrom is { } from)
            {
                sql.Append(" AND i.created_at >= $from");
                command.Bind("$from", from.ToUnixTimeMilliseconds());
            }

            if (query.CreatedTo is { } to)
            {
                sql.Append(" AND i.created_at <= $to");
                command.Bind("$to", to.ToUnixTimeMilliseconds());
            }

            if (query.Tags is { Count: > 0 } tagFilter)
            {
                var index = 0;
                foreach (var (key, value) in tagFilter)
                {
                    var suffix = index.ToString(CultureInfo.InvariantCulture);
                    sql.Append(" AND EXISTS (SELECT 1 FROM instance_tags AS t WHERE t.instance_id = i.instance_id AND t.key = $tagKey")
                        .Append(suffix).Append(" AND t.value = $tagValue").Append(suffix).Append(')');
                    command.Bind("$tagKey" + suffix, key).Bind("$tagValue" + suffix, value);
                    index++;
                }
            }

            if (after is { } token)
            {
                sql.Append(" AND (i.created_at > $afterCreated OR (i.created_at = $afterCreated AND i.instance_id > $afterId))");
                command.Bind("$afterCreated", token.CreatedAt).Bind("$afterId", token.InstanceId);
            }

            sql.Append(" ORDER BY i.created_at, i.instance_id LIMIT $limit");
            command.Bind("$limit", query.PageSize + 1);
            command.CommandText = sql.ToString();

            var instances = new List<InstanceRecord>(Math.Min(query.PageSize + 1, 128));
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    instances.Add(MapInstance(reader));
                }
            }

            string? continuation = null;
            if (instances.Count > query.PageSize)
            {
                instances.RemoveAt(instances.Count - 1);
                var last = instances[^1];
                continuation = EncodeToken(last.CreatedAt.ToUnixTimeMilliseconds(), last.InstanceId);
            }

            // One query for the page's tags, not one per instance (a scan of many pages, e.g. the funnel, paid it per row).
            var tags = instances.Count == 0 ? [] : ReadTagsOf(session, System.Text.Json.JsonSerializer.Serialize(instances.Select(i => i.InstanceId).ToArray()));
            for (var i = 0; i < instances.Count; i++)
            {
                instances[i] = instances[i] with { Tags = tags.GetValueOrDefault(instances[i].InstanceId) ?? new Dictionary<string, string>(StringComparer.Ordinal) };
            }

            return new InstancePage(instances, continuation);
        }, cancellationToken, inTransaction: true);
    }

    /// <remarks>
    /// One purge is also how a customer's journey is erased (GDPR): the deleted rows are overwritten with zeros in the file
    /// (<c>secure_delete</c>), and after the purge the WAL is checkpointed and truncated, so no old page image of the
    /// instance stays in <c>-wal</c>. (<see cref="PurgeInstancesAsync"/>, the housekeeping purge of old finished journeys, leaves that to SQLite's own checkpoints.)
    /// </remarks>
    public async Task<PurgeResult> PurgeInstanceAsync(string instanceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var result = await PurgeOneAsync(instanceId, cancellationToken).ConfigureAwait(false);
        if (result == PurgeResult.Purged)
        {
            await Task.Run(() => SqliteErasure.CheckpointAndTruncate(_connectionString, _path), CancellationToken.None).ConfigureAwait(false);
        }

        return result;
    }

    private Task<PurgeResult> PurgeOneAsync(string instanceId, CancellationToken cancellationToken)
    {
        return WriteAsync(session =>
        {
            if (ReadStatus(session, instanceId) is not { } status)
            {
                return PurgeResult.NotFound;
            }

            if (!status.IsFinished())
            {
                return PurgeResult.NotFinished;
            }

            DeleteInstanceRows(session, instanceId, keepSeenEventIds: false);
            return PurgeResult.Purged;
        }, cancellationToken);
    }

    /// <remarks>Purges in transactions of at most 256 instances, so that other writes are not held up behind a large purge.</remarks>
    public async Task<int> PurgeInstancesAsync(DateTimeOffset completedBefore, int maxCount, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        var before = completedBefore.ToUnixTimeMilliseconds();
        var purged = 0;
        while (purged < maxCount)
        {
            var chunk = Math.Min(PurgeChunkSize, maxCount - purged);
            var count = await WriteAsync(session =>
            {
                var ids = new List<string>(chunk);
                var select = session.Command(
                    "SELECT instance_id FROM instances WHERE completed_at IS NOT NULL AND completed_at < $before AND status IN " +
                    FinishedStatuses + " ORDER BY completed_at LIMIT $limit");
                using (var reader = select.Bind("$before", before).Bind("$limit", chunk).ExecuteReader())
                {
                    while (reader.Read())
                    {
                        ids.Add(reader.GetString(0));
                    }
                }

                foreach (var id in ids)
                {
                    DeleteInstanceRows(session, id, keepSeenEventIds: false);
                }

                return ids.Count;
            }, cancellationToken).ConfigureAwait(false);

            purged += count;
            if (count < chunk)
            {
                break;
            }
        }

        return purged;
    }

    // ---- orchestration dispatcher ----------------------------------------------------------

    /// <remarks>
    /// Finds candidates by walking the messages visible at <paramref name="now"/> in visibility order through the
    /// <c>visible_at</c> index (so future timers cost nothing however many there are), skipping instances that are
    /// locked or suspended without a control message; locks the first <paramref name="maxCount"/> distinct instances
    /// in one write, then reads each one's instance, history and messages on a read connection.
    /// </remarks>
    public async Task<IReadOnlyList<OrchestrationWorkItem>> LockNextOrchestrationsAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockDuration, TimeSpan.Zero);
        var nowMs = now.ToUnixTimeMilliseconds();
        var untilMs = (now + lockDuration).ToUnixTimeMilliseconds();

        var locked = await WriteAsync(session =>
        {
            var ids = new List<string>(Math.Min(maxCount, 64));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var select = session.Command(
                """
                SELECT m.instance_id
                FROM messages AS m INDEXED BY ix_messages_visible_at
                JOIN instances AS i ON i.instance_id = m.instance_id
                WHERE m.visible_at <= $now
                  AND (i.lock_until IS NULL OR i.lock_until <= $now)
                  AND (i.status <> 'Suspended' OR m.is_control = 1)
                ORDER BY m.visible_at, m.id
                """);
            using (var reader = select.Bind("$now", nowMs).ExecuteReader())
            {
                while (ids.Count < maxCount && reader.Read())
                {
                    var id = reader.GetString(0);
                    if (seen.Add(id))
                    {
                        ids.Add(id);
                    }
                }
            }

            var items = new List<(string InstanceId, string LockToken)>(ids.Count);
            foreach (var id in ids)
            {
                var token = Guid.NewGuid().ToString("N");
                session.Command("UPDATE instances SET lock_token = $token, lock_until = $until WHERE instance_id = $id")
                    .Bind("$token", token).Bind("$until", untilMs).Bind("$id", id).ExecuteNonQuery();
                items.Add((id, token));
            }

            return items;
        }, cancellationToken).ConfigureAwait(false);

        if (locked.Count == 0)
        {
            return [];
        }

        var lockedUntil = DateTimeOffset.FromUnixTimeMilliseconds(untilMs);
        return await ReadAsync(
            session => ReadWorkItems(session, locked, nowMs, lockedUntil),
            CancellationToken.None,
            inTransaction: true).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the locked instances with four queries for the whole batch (instances, tags, history, visible messages),
    /// not four per instance: the read-back was a third of the dispatcher's time under load.
    /// </summary>
    private static List<OrchestrationWorkItem> ReadWorkItems(
        SqliteSession session, List<(string InstanceId, string LockToken)> locked, long nowMs, DateTimeOffset lockedUntil)
    {
        var ids = System.Text.Json.JsonSerializer.Serialize(locked.Select(l => l.InstanceId).ToArray());
        const string InBatch = "instance_id IN (SELECT value FROM json_each($ids))";
        var instances = new Dictionary<string, InstanceRecord>(StringComparer.Ordinal);
        using (var reader = session.Command("SELECT " + InstanceColumns + " FROM instances WHERE " + InBatch).Bind("$ids", ids).ExecuteReader())
        {
            while (reader.Read())
            {
                var instance = MapInstance(reader);
                instances[instance.InstanceId] = instance;
            }
        }

        var tags = ReadTagsOf(session, ids);

        var histories = new Dictionary<string, List<HistoryEvent>>(StringComparer.Ordinal);
        using (var reader = session.Command("SELECT instance_id, event FROM history WHERE " + InBatch + " ORDER BY instance_id, seq").Bind("$ids", ids).ExecuteReader())
        {
            while (reader.Read())
            {
                var owner = reader.GetString(0);
                if (!histories.TryGetValue(owner, out var list))
                {
                    histories[owner] = list = [];
                }

                list.Add(HistoryJson.Deserialize(reader.GetString(1)));
            }
        }

        var messages = new Dictionary<string, List<InboxMessage>>(StringComparer.Ordinal);
        var messageSql = "SELECT " + MessageColumns + ", is_control FROM messages WHERE " + InBatch + " AND visible_at <= $now ORDER BY id";
        using (var reader = session.Command(messageSql).Bind("$ids", ids).Bind("$now", nowMs).ExecuteReader())
        {
            while (reader.Read())
            {
                var owner = reader.GetString(1);
                if (instances.TryGetValue(owner, out var instance) && instance.Status == InstanceStatus.Suspended && reader.GetInt64(6) == 0)
                {
                    continue; // a suspended instance only gets its control messages
                }

                if (!messages.TryGetValue(owner, out var list))
                {
                    messages[owner] = list = [];
                }

                list.Add(new InboxMessage
                {
                    Id = reader.GetInt64(0),
                    InstanceId = owner,
                    ExecutionId = reader.GetNullableString(2),
                    VisibleAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    DeduplicationId = reader.GetNullableString(4),
                    Event = HistoryJson.Deserialize(reader.GetString(5)),
                });
            }
        }

        var workItems = new List<OrchestrationWorkItem>(locked.Count);
        foreach (var (instanceId, token) in locked)
        {
            var instance = instances.GetValueOrDefault(instanceId);
            workItems.Add(new OrchestrationWorkItem
            {
                InstanceId = instanceId,
                LockToken = token,
                LockedUntil = lockedUntil,
                Instance = instance is null ? null : instance with { Tags = tags.GetValueOrDefault(instanceId) ?? new Dictionary<string, string>(StringComparer.Ordinal) },
                History = instance is null ? [] : histories.GetValueOrDefault(instanceId) ?? [],
                Messages = instance is null ? [] : messages.GetValueOrDefault(instanceId) ?? [],
            });
        }

        return workItems;
    }

    public Task CommitOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCommit commit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(commit);
        var instanceId = workItem.InstanceId;
        RequireSameInstance(instanceId, commit.Instance.InstanceId, nameof(commit));
        foreach (var message in commit.NewMessages)
        {
            RequireSameInstance(instanceId, message.InstanceId, nameof(commit));
        }

        foreach (var activity in commit.NewActivities)
        {
            RequireSameInstance(instanceId, activity.InstanceId, nameof(commit));
        }

        var row = InstanceRow.From(commit.Instance);
        var history = commit.NewHistory.Select(HistoryJson.Serialize).ToArray();
        var messages = commit.NewMessages.Select(MessageRow.From).ToArray();
        var consumed = commit.ConsumedMessageIds.ToArray();
        var cancelledTimers = commit.CancelledTimers.ToArray();
        var activities = commit.NewActivities.ToArray();
        var token = workItem.LockToken;
        var previousExecutionId = workItem.Instance?.ExecutionId;
        long storedHistoryLength = workItem.History.Count;
        var consumedJson = consumed.Length == 0 ? null : System.Text.Json.JsonSerializer.Serialize(consumed);

        return WriteAsync(session =>
        {
            // The lock check is the UPDATE's own condition: no row changed means the lock is gone.
            var updated = session.Command(
                """
                UPDATE instances SET execution_id = $executionId, name = $name, version = $version, status = $status,
                    input = $input, output = $output, custom_status = $customStatus, failure = $failure,
                    updated_at = $updatedAt, completed_at = $completedAt, lock_token = NULL, lock_until = NULL, etag = etag + 1
                WHERE instance_id = $id AND lock_token = $token
                """)
                .Bind("$id", instanceId).Bind("$token", token).Bind("$executionId", row.ExecutionId).Bind("$name", row.Name).Bind("$version", row.Version)
                .Bind("$status", row.Status).Bind("$input", row.Input).Bind("$output", row.Output).Bind("$customStatus", row.CustomStatus)
                .Bind("$failure", row.Failure).Bind("$updatedAt", row.UpdatedAt).Bind("$completedAt", row.CompletedAt)
                .ExecuteNonQuery();
            if (updated == 0)
            {
                throw new LockLostException(instanceId);
            }

            if (commit.ReplaceHistory)
            {
                session.Command("DELETE FROM history WHERE instance_id = $id").Bind("$id", instanceId).ExecuteNonQuery();
            }

            if (history.Length > 0)
            {
                // Sequences are 1..n without gaps and only the lock holder appends, so the locked history's length gives the next one.
                var next = commit.ReplaceHistory ? 1L : storedHistoryLength + 1;
                foreach (var json in history)
                {
                    session.Command("INSERT INTO history (instance_id, seq, event) VALUES ($id, $seq, $event)")
                        .Bind("$id", instanceId).Bind("$seq", next++).Bind("$event", json).ExecuteNonQuery();
                }
            }

            if (consumedJson is not null)
            {
                session.Command("DELETE FROM messages WHERE instance_id = $id AND id IN (SELECT value FROM json_each($ids))")
                    .Bind("$id", instanceId).Bind("$ids", consumedJson).ExecuteNonQuery();
            }

            var timerExecutionId = previousExecutionId ?? row.ExecutionId;
            foreach (var sequence in cancelledTimers)
            {
                session.Command("DELETE FROM messages WHERE instance_id = $id AND execution_id = $executionId AND timer_seq = $seq")
                    .Bind("$id", instanceId).Bind("$executionId", timerExecutionId).Bind("$seq", sequence).ExecuteNonQuery();
            }

            if (commit.DeleteAllTimers)
            {
                session.Command("DELETE FROM messages WHERE instance_id = $id AND timer_seq IS NOT NULL").Bind("$id", instanceId).ExecuteNonQuery();
            }

            foreach (var message in messages)
            {
                InsertMessage(session, message);
            }

            foreach (var activity in activities)
            {
                var visibleAt = activity.VisibleAt.ToUnixTimeMilliseconds();
                session.Command(
                    """
                    INSERT INTO activities (id, instance_id, execution_id, seq, name, input, attempt, visible_at, available_at, dequeue_count)
                    VALUES ($key, $id, $executionId, $seq, $name, $input, $attempt, $visibleAt, $visibleAt, 0)
                    ON CONFLICT (id) DO NOTHING
                    """)
                    .Bind("$key", activity.IdempotencyKey).Bind("$id", instanceId).Bind("$executionId", activity.ExecutionId)
                    .Bind("$seq", activity.Sequence).Bind("$name", activity.Name).Bind("$input", activity.Input)
                    .Bind("$attempt", activity.Attempt).Bind("$visibleAt", visibleAt).ExecuteNonQuery();
            }

            return true;
        }, cancellationToken);
    }

    /// <remarks>Does nothing when the lock is no longer held by <paramref name="workItem"/>: another owner's lock is never released.</remarks>
    public Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        return WriteAsync(session =>
            session.Command("UPDATE instances SET lock_token = NULL, lock_until = NULL WHERE instance_id = $id AND lock_token = $token")
                .Bind("$id", workItem.InstanceId).Bind("$token", workItem.LockToken).ExecuteNonQuery(), cancellationToken);
    }

    // ---- activity worker -------------------------------------------------------------------

    public Task<IReadOnlyList<ActivityWorkItem>> LockNextActivitiesAsync(int maxCount, DateTimeOffset now, TimeSpan lockDuration, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lockDuration, TimeSpan.Zero);
        var nowMs = now.ToUnixTimeMilliseconds();
        var untilMs = (now + lockDuration).ToUnixTimeMilliseconds();

        return WriteAsync(session =>
        {
            var ids = new List<string>(Math.Min(maxCount, 64));
            using (var reader = session.Command("SELECT id FROM activities WHERE available_at <= $now ORDER BY available_at LIMIT $limit")
                .Bind("$now", nowMs).Bind("$limit", maxCount).ExecuteReader())
            {
                while (reader.Read())
                {
                    ids.Add(reader.GetString(0));
                }
            }

            var items = new List<ActivityWorkItem>(ids.Count);
            foreach (var id in ids)
            {
                var token = Guid.NewGuid().ToString("N");
                using var reader = session.Command(
                    """
                    UPDATE activities SET lock_token = $token, lock_until = $until, available_at = $until, dequeue_count = dequeue_count + 1
                    WHERE id = $key
                    RETURNING instance_id, execution_id, seq, name, input, attempt, visible_at, dequeue_count
                    """)
                    .Bind("$token", token).Bind("$until", untilMs).Bind("$key", id).ExecuteReader();
                if (reader.Read())
                {
                    items.Add(new ActivityWorkItem
                    {
                        InstanceId = reader.GetString(0),
                        ExecutionId = reader.GetString(1),
                        Sequence = reader.GetInt32(2),
                        Name = reader.GetString(3),
                        Input = reader.GetNullableString(4),
                        Attempt = reader.GetInt32(5),
                        VisibleAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                        DequeueCount = reader.GetInt32(7),
                        LockToken = token,
                        LockedUntil = DateTimeOffset.FromUnixTimeMilliseconds(untilMs),
                    });
                }
            }

            return (IReadOnlyList<ActivityWorkItem>)items;
        }, cancellationToken);
    }

    public Task<bool> CompleteActivityAsync(ActivityWorkItem workItem, InboxMessage result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(result);
        RequireSameInstance(workItem.InstanceId, result.InstanceId, nameof(result));
        if (workItem.LockToken is null)
        {
            return Task.FromResult(false);
        }

        var key = workItem.IdempotencyKey;
        var token = workItem.LockToken;
        var row = MessageRow.From(result);
        return WriteAsync(session =>
        {
            var deleted = session.Command("DELETE FROM activities WHERE id = $key AND lock_token = $token")
                .Bind("$key", key).Bind("$token", token).ExecuteNonQuery();
            if (deleted == 0)
            {
                return false;
            }

            InsertMessage(session, row);
            return true;
        }, cancellationToken);
    }

    /// <remarks>Does nothing when the lock is no longer held by <paramref name="workItem"/>.</remarks>
    public Task AbandonActivityAsync(ActivityWorkItem workItem, DateTimeOffset visibleAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var key = workItem.IdempotencyKey;
        var token = workItem.LockToken;
        var visibleAtMs = visibleAt.ToUnixTimeMilliseconds();
        return WriteAsync(session =>
            session.Command(
                "UPDATE activities SET lock_token = NULL, lock_until = NULL, visible_at = $visibleAt, available_at = $visibleAt WHERE id = $key AND lock_token = $token")
                .Bind("$visibleAt", visibleAtMs).Bind("$key", key).Bind("$token", token).ExecuteNonQuery(), cancellationToken);
    }

    // ---- poller ----------------------------------------------------------------------------

    /// <remarks>
    /// Two index seeks. A locked activity counts as visible again when its lock expires, so a crashed worker's
    /// activity also wakes the poller.
    /// </remarks>
    public Task<DateTimeOffset?> GetNextWakeUpAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        return ReadAsync(session =>
        {
            var message = session.Command("SELECT visible_at FROM messages WHERE visible_at > $now ORDER BY visible_at LIMIT 1")
                .Bind("$now", nowMs).ExecuteScalar() as long?;
            var activity = session.Command("SELECT available_at FROM activities WHERE available_at > $now ORDER BY available_at LIMIT 1")
                .Bind("$now", nowMs).ExecuteScalar() as long?;
            long? earliest = (message, activity) switch
            {
                (null, null) => null,
                (null, _) => activity,
                (_, null) => message,
                _ => Math.Min(message.Value, activity.Value),
            };
            return earliest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        }, cancellationToken);
    }

    // ---- lifetime --------------------------------------------------------------------------

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

    // ---- plumbing --------------------------------------------------------------------------

    internal Task<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var writer = _writer ?? throw NotInitialized();
        return writer.WriteAsync(work, cancellationToken);
    }

    private Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken, bool inTransaction = false)
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
            T result;
            if (inTransaction)
            {
                session.Execute("BEGIN");
                try
                {
                    result = read(session);
                }
                finally
                {
                    session.Execute("COMMIT");
                }
            }
            else
            {
                result = read(session);
            }

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

    private static InvalidOperationException NotInitialized() =>
        new("The SQLite store is not initialized: call InitializeAsync first.");

    private static void RequireSameInstance(string expected, string actual, string parameterName)
    {
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"Every write touches one instance: expected instance '{expected}', got '{actual}'.", parameterName);
        }
    }

    private static InstanceStatus? ReadStatus(SqliteSession session, string instanceId) =>
        session.Command("SELECT status FROM instances WHERE instance_id = $id").Bind("$id", instanceId).ExecuteScalar() is string status
            ? ParseStatus(status)
            : null;

    private static InstanceStatus ParseStatus(string status) => Enum.Parse<InstanceStatus>(status);

    private static void InsertInstance(SqliteSession session, InstanceRow row) =>
        session.Command(
            """
            INSERT INTO instances (instance_id, execution_id, name, version, status, input, output, custom_status, failure,
                created_at, updated_at, completed_at, lock_token, lock_until, etag)
            VALUES ($id, $executionId, $name, $version, $status, $input, $output, $customStatus, $failure,
                $createdAt, $updatedAt, $completedAt, NULL, NULL, 1)
            """)
            .Bind("$id", row.InstanceId).Bind("$executionId", row.ExecutionId).Bind("$name", row.Name).Bind("$version", row.Version)
            .Bind("$status", row.Status).Bind("$input", row.Input).Bind("$output", row.Output).Bind("$customStatus", row.CustomStatus)
            .Bind("$failure", row.Failure).Bind("$createdAt", row.CreatedAt).Bind("$updatedAt", row.UpdatedAt)
            .Bind("$completedAt", row.CompletedAt)
            .ExecuteNonQuery();

    /// <summary>Inserts a message and records its deduplication id (if any) as seen.</summary>
    private static void InsertMessage(SqliteSession session, MessageRow row)
    {
        session.Command(
            """
            INSERT INTO messages (instance_id, execution_id, is_control, timer_seq, visible_at, dedup_id, event)
            VALUES ($id, $executionId, $isControl, $timerSeq, $visibleAt, $dedup, $event)
            """)
            .Bind("$id", row.InstanceId).Bind("$executionId", row.ExecutionId).Bind("$isControl", row.IsControl ? 1 : 0)
            .Bind("$timerSeq", row.TimerSequence).Bind("$visibleAt", row.VisibleAt).Bind("$dedup", row.DeduplicationId)
            .Bind("$event", row.EventJson)
            .ExecuteNonQuery();

        if (row.DeduplicationId is not null)
        {
            session.Command("INSERT OR IGNORE INTO seen_event_ids (instance_id, dedup_id) VALUES ($id, $dedup)")
                .Bind("$id", row.InstanceId).Bind("$dedup", row.DeduplicationId).ExecuteNonQuery();
        }
    }

    private static void DeleteInstanceRows(SqliteSession session, string instanceId, bool keepSeenEventIds)
    {
        session.Command("DELETE FROM history WHERE instance_id = $id").Bind("$id", instanceId).ExecuteNonQuery();
        session.Command("DELETE FROM messages WHERE instance_id = $id").Bind("$id", instanceId).ExecuteNonQuery();
        session.Command("DELETE FROM activities WHERE instance_id = $id").Bind("$id", instanceId).ExecuteNonQuery();
        session.Command("DELETE FROM instance_tags WHERE instance_id = $id").Bind("$id", instanceId).ExecuteNonQuery();
        if (!keepSeenEventIds)
        {
            session.Command("DELETE FROM seen_event_ids WHERE instance_id = $id").Bind("$id", instanceId).ExecuteNonQuery();
        }

        session.Command("DELETE FROM instances WHERE instance_id = $id").Bind("$id", instanceId).ExecuteNonQuery();
    }

    private static InstanceRecord? ReadInstance(SqliteSession session, string instanceId)
    {
        InstanceRecord instance;
        using (var reader = session.Command("SELECT " + InstanceColumns + " FROM instances WHERE instance_id = $id").Bind("$id", instanceId).ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            instance = MapInstance(reader);
        }

        return instance with { Tags = ReadTags(session, instanceId) };
    }

    private static InstanceRecord MapInstance(SqliteDataReader reader) => new()
    {
        InstanceId = reader.GetString(0),
        ExecutionId = reader.GetString(1),
        Name = reader.GetString(2),
        Version = reader.GetNullableString(3),
        Status = ParseStatus(reader.GetString(4)),
        Input = reader.GetNullableString(5),
        Output = reader.GetNullableString(6),
        CustomStatus = reader.GetNullableString(7),
        Failure = HistoryJson.DeserializeFailure(reader.GetNullableString(8)),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(9)),
        LastUpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(10)),
        CompletedAt = reader.GetNullableInt64(11) is { } completed ? DateTimeOffset.FromUnixTimeMilliseconds(completed) : null,
    };

    /// <summary>The tags of the instances whose ids are the JSON array <paramref name="ids"/>, by instance (none: no entry).</summary>
    private static Dictionary<string, Dictionary<string, string>> ReadTagsOf(SqliteSession session, string ids)
    {
        var tags = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        using var reader = session.Command("SELECT instance_id, key, value FROM instance_tags WHERE instance_id IN (SELECT value FROM json_each($ids))")
            .Bind("$ids", ids).ExecuteReader();
        while (reader.Read())
        {
            var owner = reader.GetString(0);
            if (!tags.TryGetValue(owner, out var set))
            {
                tags[owner] = set = new Dictionary<string, string>(StringComparer.Ordinal);
            }

            set[reader.GetString(1)] = reader.GetString(2);
        }

        return tags;
    }

    private static Dictionary<string, string> ReadTags(SqliteSession session, string instanceId)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = session.Command("SELECT key, value FROM instance_tags WHERE instance_id = $id").Bind("$id", instanceId).ExecuteReader();
        while (reader.Read())
        {
            tags[reader.GetString(0)] = reader.GetString(1);
        }

        return tags;
    }

    private static List<HistoryEvent> ReadHistory(SqliteSession session, string instanceId)
    {
        var history = new List<HistoryEvent>();
        using var reader = session.Command("SELECT event FROM history WHERE instance_id = $id ORDER BY seq").Bind("$id", instanceId).ExecuteReader();
        while (reader.Read())
        {
            history.Add(HistoryJson.Deserialize(reader.GetString(0)));
        }

        return history;
    }

    private static string EncodeToken(long createdAt, string instanceId) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes("1:" + createdAt.ToString(CultureInfo.InvariantCulture) + ":" + instanceId));

    private static (long CreatedAt, string InstanceId) DecodeToken(string token)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var parts = text.Split(':', 3);
            if (parts.Length == 3 && parts[0] == "1" && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var createdAt))
            {
                return (createdAt, parts[2]);
            }
        }
        catch (FormatException)
        {
            // Reported below.
        }

        throw new ArgumentException("The continuation token is not one this store issued.", nameof(token));
    }

    /// <summary>An instance row's column values, computed on the caller's thread so the writer only binds them.</summary>
    private sealed record InstanceRow(
        string InstanceId, string ExecutionId, string Name, string? Version, string Status, string? Input, string? Output,
        string? CustomStatus, string? Failure, long CreatedAt, long UpdatedAt, long? CompletedAt)
    {
        public static InstanceRow From(InstanceRecord instance) => new(
            instance.InstanceId, instance.ExecutionId, instance.Name, instance.Version, instance.Status.ToString(), instance.Input,
            instance.Output, instance.CustomStatus, instance.Failure is null ? null : HistoryJson.Serialize(instance.Failure),
            instance.CreatedAt.ToUnixTimeMilliseconds(), instance.LastUpdatedAt.ToUnixTimeMilliseconds(),
            instance.CompletedAt?.ToUnixTimeMilliseconds());
    }

    /// <summary>A message row's column values, serialized on the caller's thread.</summary>
    private sealed record MessageRow(
        string InstanceId, string? ExecutionId, bool IsControl, int? TimerSequence, long VisibleAt, string? DeduplicationId, string EventJson)
    {
        public static MessageRow From(InboxMessage message) => new(
            message.InstanceId, message.ExecutionId, message.IsControl, message.TimerSequence, message.VisibleAt.ToUnixTimeMilliseconds(),
            message.DeduplicationId, HistoryJson.Serialize(message.Event));
    }
}
