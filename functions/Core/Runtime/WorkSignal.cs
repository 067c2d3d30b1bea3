namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// Wakes idle workers when work is written in this process, and tells waiters when an instance changed,
/// so that neither needs to poll the store fast.
/// </summary>
public sealed class WorkSignal
{
    private TaskCompletionSource _work = NewSource();
    private TaskCompletionSource _instanceChanged = NewSource();

    /// <summary>Work was enqueued (events, starts, activity results, lock released).</summary>
    public void NotifyWork() => Interlocked.Exchange(ref _work, NewSource()).TrySetResult();

    /// <summary>An instance's state was committed.</summary>
    public void NotifyInstanceChanged() => Interlocked.Exchange(ref _instanceChanged, NewSource()).TrySetResult();

    /// <summary>A task that completes at the next <see cref="NotifyWork"/>.</summary>
    public Task NextWork => Volatile.Read(ref _work).Task;

    /// <summary>A task that completes at the next <see cref="NotifyInstanceChanged"/>.</summary>
    public Task NextInstanceChange => Volatile.Read(ref _instanceChanged).Task;

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
