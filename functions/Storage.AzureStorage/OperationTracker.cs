namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>Counts running store calls so that dispose waits for writes already started.</summary>
internal sealed class OperationTracker
{
    private readonly Lock _lock = new();
    private int _running;
    private bool _closed;
    private TaskCompletionSource? _idle;

    /// <exception cref="ObjectDisposedException">The store is disposed.</exception>
    public Scope Enter(object owner)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            _running++;
            return new Scope(this);
        }
    }

    /// <summary>Refuses new calls and completes when the running ones have finished.</summary>
    public Task CloseAsync()
    {
        lock (_lock)
        {
            _closed = true;
            if (_running == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    private void Exit()
    {
        lock (_lock)
        {
            _running--;
            if (_running == 0)
            {
                _idle?.TrySetResult();
            }
        }
    }

    public readonly struct Scope(OperationTracker tracker) : IDisposable
    {
        public void Dispose() => tracker.Exit();
    }
}
