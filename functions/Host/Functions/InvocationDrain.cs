using System.Diagnostics;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Host.Clock;
using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Storage.AzureStorage;

namespace JourneyOrchestrator.Host.Functions;

/// <summary>What one drain did.</summary>
/// <param name="WorkItems">Orchestration episodes and activities processed.</param>
/// <param name="Finished">True when nothing due was left; false when the drain stopped at the invocation budget.</param>
/// <param name="Elapsed">How long it ran (real time).</param>
public sealed record DrainResult(int WorkItems, bool Finished, TimeSpan Elapsed);

/// <summary>
/// Processes everything due now, for trigger invocations: makes the store read its schedule at once (whatever its poll
/// back-off), then runs orchestration and activity batches until neither finds work, or until
/// <see cref="JourneyHostSettings.InvocationBudget"/> of real time has passed. On Flex Consumption an instance may be reclaimed
/// once no invocation is in flight, so the work happens inside the invocation that asked for it.
/// </summary>
/// <remarks>
/// Requests coalesce: one drain runs at a time, and a request made while one runs is answered by the next drain, which
/// starts after it (so it sees everything written before the request). Sixteen doorbells arriving together cost two
/// schedule reads, not sixteen. With the manual clock the drain is the manual-clock driver's own "run what is due", so
/// that advances, the driver's loop and invocations never process the same instant twice.
/// </remarks>
public sealed partial class InvocationDrain(
    JourneyHostSettings settings,
    IJourneyStore store,
    OrchestrationDispatcher dispatcher,
    ActivityWorker activities,
    ManualClockDriver manual,
    IHostApplicationLifetime lifetime,
    ILogger<InvocationDrain> logger)
{
    private readonly Lock _lock = new();
    private TaskCompletionSource<DrainResult>? _pending;
    private bool _running;

    /// <summary>Completes when a drain that started after this call has finished.</summary>
    /// <param name="cancellationToken">Stops waiting (the drain itself runs on: what it locked is committed or released).</param>
    public Task<DrainResult> RequestAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<DrainResult> pending;
        lock (_lock)
        {
            pending = _pending ??= new TaskCompletionSource<DrainResult>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_running)
            {
                _running = true;
                _ = Task.Run(LoopAsync, CancellationToken.None);
            }
        }

        return pending.Task.WaitAsync(cancellationToken);
    }

    private async Task LoopAsync()
    {
        while (true)
        {
            TaskCompletionSource<DrainResult> batch;
            lock (_lock)
            {
                if (_pending is null)
                {
                    _running = false;
                    return;
                }

                batch = _pending;
                _pending = null;
            }

            try
            {
                batch.SetResult(await DrainOnceAsync(lifetime.ApplicationStopping));
            }
#pragma warning disable CA1031 // The failure belongs to the invocations waiting for this drain (they answer 500 and are retried).
            catch (Exception error)
#pragma warning restore CA1031
            {
                Log.DrainFailed(logger, error);
                batch.SetException(error);
            }
        }
    }

    private async Task<DrainResult> DrainOnceAsync(CancellationToken stopping)
    {
        // Real time on purpose: the budget bounds how long the invocation runs, whatever the journeys' clock says.
        var started = Stopwatch.GetTimestamp();
        (store as AzureStorageJourneyStore)?.WakeUp();
        if (manual.IsActive)
        {
            var processed = await manual.RunDueWorkAsync(stopping);
            return new DrainResult(processed, true, Stopwatch.GetElapsedTime(started));
        }

        var total = 0;
        while (true)
        {
            var done = await dispatcher.ProcessBatchAsync(stopping) + await activities.ProcessBatchAsync(stopping);
            total += done;
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (done == 0)
            {
                return new DrainResult(total, true, elapsed);
            }

            if (elapsed >= settings.InvocationBudget || stopping.IsCancellationRequested)
            {
                Log.BudgetReached(logger, total, elapsed);
                return new DrainResult(total, false, elapsed);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3401, Level = LogLevel.Error, Message = "Processing due work for a trigger invocation failed.")]
        public static partial void DrainFailed(ILogger logger, Exception error);

        [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "A trigger invocation processed {WorkItems} work items in {Elapsed} and stopped at its budget; more work is due.")]
        public static partial void BudgetReached(ILogger logger, int workItems, TimeSpan elapsed);
    }
}
