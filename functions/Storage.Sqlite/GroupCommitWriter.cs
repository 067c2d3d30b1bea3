using System.Threading.Channels;

namespace JourneyOrchestrator.Storage.Sqlite;

/// <summary>
/// The single writer. Every write of the store is a request on one channel; a dedicated thread drains up to
/// <c>maxBatchSize</c> queued requests and runs them in ONE transaction (one COMMIT, so one fsync), each inside
/// its own SAVEPOINT: a request that throws is rolled back alone and its caller gets the exception, while the
/// rest of the batch commits. Callers' tasks complete only after the COMMIT returned, so a completed write is durable
/// (as durable as the synchronous mode makes it).
/// </summary>
/// <remarks>
/// A batch never waits to fill up: it takes what is queued. Under load, requests pile up while the previous
/// batch is being fsynced, which is what amortises the fsync; at low load each request commits on its own at once.
/// </remarks>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<WriteRequest> _channel =
        Channel.CreateUnbounded<WriteRequest>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
    private readonly SqliteSession _session;
    private readonly int _maxBatchSize;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _batches;
    private long _requests;

    public GroupCommitWriter(SqliteSession session, int maxBatchSize, string name)
    {
        _session = session;
        _maxBatchSize = maxBatchSize;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Transactions committed (or rolled back as a whole) so far.</summary>
    public long BatchCount => Interlocked.Read(ref _batches);

    /// <summary>Requests executed so far, successful or not.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>
    /// Queues <paramref name="work"/>; it runs on the writer thread inside a transaction and savepoint, and must only
    /// use the session it is given. The request is queued synchronously, before this method returns.
    /// </summary>
    /// <remarks>Cancellation is honoured until the writer picks the request up; after that the write completes.</remarks>
    /// <exception cref="ObjectDisposedException">The writer was shut down.</exception>
    public Task<T> WriteAsync<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new WriteRequest<T>(work, cancellationToken);
        if (!_channel.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(SqliteJourneyStore), "The SQLite store is shutting down or disposed.");
        }

        return request.Task;
    }

    /// <summary>Stops accepting requests, commits everything already queued, and waits for the thread to end.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        await _stopped.Task.ConfigureAwait(false);
    }

    private void Run()
    {
        var batch = new List<WriteRequest>(Math.Min(_maxBatchSize, 1024));
        try
        {
            while (WaitForWork())
            {
                while (batch.Count < _maxBatchSize && _channel.Reader.TryRead(out var request))
                {
                    batch.Add(request);
                }

                if (batch.Count > 0)
                {
                    RunBatch(batch);
                    batch.Clear();
                }
            }
        }
        catch (Exception exception)
        {
            // Only a bug gets here (RunBatch reports every SQL failure to its callers). Fail whatever is left so
            // that no caller waits for ever, and refuse new requests.
            _channel.Writer.TryComplete(exception);
            foreach (var request in batch)
            {
                request.Fail(exception);
            }

            while (_channel.Reader.TryRead(out var request))
            {
                request.Fail(exception);
            }
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    private bool WaitForWork()
    {
        var wait = _channel.Reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private void RunBatch(List<WriteRequest> batch)
    {
        var live = 0;
        foreach (var request in batch)
        {
            if (request.IsCancellationRequested)
            {
                request.Cancel();
            }
            else
            {
                live++;
            }
        }

        if (live == 0)
        {
            return;
        }

        try
        {
            _session.Execute("BEGIN IMMEDIATE");
        }
        catch (Exception exception)
        {
            FailLive(batch, exception);
            return;
        }

        foreach (var request in batch)
        {
            if (request.IsCompleted)
            {
                continue;
            }

            Interlocked.Increment(ref _requests);
            try
            {
                _session.Execute("SAVEPOINT request");
            }
            catch (Exception exception)
            {
                AbortBatch(batch, exception);
                return;
            }

            try
            {
                request.Execute(_session);
                _session.Execute("RELEASE request");
            }
            catch (Exception exception)
            {
                request.Failure = exception;
                try
                {
                    _session.Execute("ROLLBACK TO request");
                    _session.Execute("RELEASE request");
                }
                catch (Exception rollbackFailure)
                {
                    // SQLite already rolled the whole transaction back (e.g. disk full): nothing of the batch stands.
                    AbortBatch(batch, rollbackFailure);
                    return;
                }
            }
        }

        try
        {
            _session.Execute("COMMIT");
        }
        catch (Exception exception)
        {
            AbortBatch(batch, exception);
            return;
        }

        Interlocked.Increment(ref _batches);
        foreach (var request in batch)
        {
            request.Complete();
        }
    }

    private void AbortBatch(List<WriteRequest> batch, Exception exception)
    {
        SqliteSchema.TryRollback(_session);
        Interlocked.Increment(ref _batches);
        FailLive(batch, exception);
    }

    private static void FailLive(List<WriteRequest> batch, Exception exception)
    {
        foreach (var request in batch)
        {
            // A request that failed on its own reports its own exception; the others report why the batch failed.
            request.Fail(request.Failure ?? exception);
        }
    }

    private abstract class WriteRequest
    {
        public Exception? Failure { get; set; }

        public abstract bool IsCancellationRequested { get; }

        public abstract bool IsCompleted { get; }

        public abstract void Execute(SqliteSession session);

        /// <summary>Reports the outcome after the batch committed: the result, or this request's own failure.</summary>
        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class WriteRequest<T>(Func<SqliteSession, T> work, CancellationToken cancellationToken) : WriteRequest
    {
        private readonly TaskCompletionSource<T> _source = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _source.Task;

        public override bool IsCancellationRequested => cancellationToken.IsCancellationRequested;

        public override bool IsCompleted => _source.Task.IsCompleted;

        public override void Execute(SqliteSession session) => _result = work(session);

        public override void Complete()
        {
            if (Failure is not null)
            {
                _source.TrySetException(Failure);
            }
            else
            {
                _source.TrySetResult(_result!);
            }
        }

        public override void Fail(Exception exception) => _source.TrySetException(exception);

        public override void Cancel() => _source.TrySetCanceled(cancellationToken);
    }
}
