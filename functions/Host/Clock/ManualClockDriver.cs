using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Host.Configuration;

namespace JourneyOrchestrator.Host.Clock;

/// <summary>What one advance of the manual clock did.</summary>
/// <param name="From">The clock before.</param>
/// <param name="To">The clock after.</param>
/// <param name="Stops">Due times the clock stopped at on the way (timers, retries), each processed before moving on.</param>
/// <param name="WorkItems">Orchestration episodes and activities processed.</param>
public sealed record ClockAdvance(DateTimeOffset From, DateTimeOffset To, int Stops, int WorkItems);

/// <summary>
/// The runtime's workers when the clock is manual (<c>Journeys__Clock=Manual</c>). The runtime's own worker loops are off in
/// that mode; this service runs the same dispatcher and activity worker, one batch at a time, so that the host always knows
/// when everything due "now" has been processed. That is what makes an advance exact: <see cref="AdvanceAsync"/> moves the
/// clock from one due time (timer, retry) to the next and lets all work due there finish before moving on, so a journey
/// that waits one day and then two more sees both timers fire at their own times, however far the clock jumps.
/// </summary>
public sealed partial class ManualClockDriver(
    JourneyHostSettings settings,
    ManualTimeProvider clock,
    IJourneyStore store,
    OrchestrationDispatcher dispatcher,
    ActivityWorker activities,
    WorkSignal signal,
    ILogger<ManualClockDriver> logger) : IHostedService, IDisposable
{
    /// <summary>The most due times one advance stops at; more means a template that loops (a busy loop is a bug).</summary>
    public const int MaxStops = 100_000;

    private static readonly TimeSpan SafetyPoll = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;
    private volatile bool _disposed;

    public bool IsActive => settings.Clock == ClockMode.Manual;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (IsActive)
        {
            Log.Started(logger, clock.GetUtcNow());
            _loop = Task.Run(LoopAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_disposed)
        {
            return; // already disposed with the container: the loop was cancelled then
        }

        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>The earliest due time of any waiting timer, retry or message after now; null when there is none.</summary>
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) => store.GetNextWakeUpAsync(clock.GetUtcNow(), cancellationToken);

    /// <summary>
    /// Processes what is due now, then moves the clock to each due time up to <paramref name="target"/> in turn, processing
    /// what is due there, and finally to <paramref name="target"/>. Returns when everything due by then is processed.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="target"/> is in the past.</exception>
    public async Task<ClockAdvance> AdvanceAsync(DateTimeOffset target, CancellationToken cancellationToken)
    {
        if (!IsActive)
        {
            throw new InvalidOperationException("The clock is not manual.");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var from = clock.GetUtcNow();
            ArgumentOutOfRangeException.ThrowIfLessThan(target, from);
            var work = await RunUntilIdleAsync(cancellationToken);
            var stops = 0;
            while (await store.GetNextWakeUpAsync(clock.GetUtcNow(), cancellationToken) is { } next && next <= target)
            {
                if (++stops > MaxStops)
                {
                    throw new InvalidOperationException($"The clock stopped at {MaxStops} due times on the way to {target:O}; a journey loops.");
                }

                clock.AdvanceTo(next);
                work += await RunUntilIdleAsync(cancellationToken);
            }

            clock.AdvanceTo(target);
            work += await RunUntilIdleAsync(cancellationToken);
            Log.Advanced(logger, from, target, stops, work);
            return new ClockAdvance(from, target, stops, work);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Processes everything due at the clock's current time (orchestration episodes and activities, until idle) without
    /// moving the clock, serialised with advances and the driver's own loop; returns the work items processed.
    /// </summary>
    public async Task<int> RunDueWorkAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await RunUntilIdleAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LoopAsync()
    {
        var stopping = _stopping.Token;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var woken = signal.NextWork;
            try
            {
                await _gate.WaitAsync(stopping);
                try
                {
                    await RunUntilIdleAsync(stopping);
                }
                finally
                {
                    _gate.Release();
                }

                failures = 0;

                // Real time on purpose: this waits for work written by API calls (which signal), not for journey time.
                await Task.WhenAny(woken, Task.Delay(SafetyPoll, stopping));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A store failure must not kill the driver: back off and try again.
            catch (Exception error)
#pragma warning restore CA1031
            {
                failures++;
                Log.LoopFailed(logger, failures, error);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(10_000, 100 * Math.Pow(2, Math.Min(failures, 7)))), stopping)
                    .ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Runs orchestration and activity batches until neither finds anything due at the current time.</summary>
    private async Task<int> RunUntilIdleAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        for (var round = 0; round < MaxStops; round++)
        {
            var done = await dispatcher.ProcessBatchAsync(cancellationToken) + await activities.ProcessBatchAsync(cancellationToken);
            if (done == 0)
            {
                return total;
            }

            total += done;
        }

        throw new InvalidOperationException($"The runtime did not become idle in {MaxStops} rounds: a journey loops.");
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "The clock is MANUAL (Development): journeys move only when POST /api/dev/clock/advance moves it. It is now {Now:O}.")]
        public static partial void Started(ILogger logger, DateTimeOffset now);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Manual clock advanced from {From:O} to {To:O}: {Stops} due times, {WorkItems} work items.")]
        public static partial void Advanced(ILogger logger, DateTimeOffset from, DateTimeOffset to, int stops, int workItems);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Error, Message = "The manual-clock worker failed ({Failures} in a row); backing off.")]
        public static partial void LoopFailed(ILogger logger, int failures, Exception error);
    }
}
