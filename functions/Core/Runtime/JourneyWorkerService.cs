using JourneyOrchestrator.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// The background workers: the orchestration dispatcher and the activity worker, each in its own loop.
/// An idle loop sleeps until the next due message (timers fire on time, not on a polling tick), an
/// in-process signal, or <see cref="JourneyRuntimeOptions.MaxPollInterval"/>.
/// </summary>
/// <remarks>
/// Graceful shutdown: stopping stops locking new work; a locked orchestration batch is still committed,
/// and running activities are cancelled and released so they run again later. Nothing is lost.
/// </remarks>
public sealed partial class JourneyWorkerService(
    IJourneyStore store,
    OrchestrationDispatcher dispatcher,
    ActivityWorker activities,
    WorkSignal signal,
    TimeProvider time,
    IOptions<JourneyRuntimeOptions> options,
    ILogger<JourneyWorkerService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loops = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.InitializeAsync(cancellationToken);
        if (!options.Value.RunWorkers)
        {
            return;
        }

        _loops = Task.WhenAll(
            Task.Run(() => LoopAsync("orchestrations", dispatcher.ProcessBatchAsync), CancellationToken.None),
            Task.Run(() => LoopAsync("activities", activities.ProcessBatchAsync), CancellationToken.None));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loops.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose() => _stopping.Dispose();

    private async Task LoopAsync(string name, Func<CancellationToken, Task<int>> processBatch)
    {
        var stopping = _stopping.Token;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var woken = signal.NextWork;
            var polledAt = time.GetUtcNow();
            try
            {
                if (await processBatch(stopping) > 0)
                {
                    failures = 0;
                    continue;
                }

                failures = 0;
                await SleepAsync(woken, polledAt, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A store outage must not kill the worker: back off and try again.
            catch (Exception error)
#pragma warning restore CA1031
            {
                failures++;
                Log.LoopFailed(logger, name, failures, error);
                var backoff = TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(failures, 10))));
                await Task.Delay(backoff, time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>
    /// Sleeps until the first message due after <paramref name="polledAt"/> (the time read before the poll that found nothing),
    /// a signal, or the poll interval. Asking from the poll's time, not from now, matters: a message that fell due between
    /// the poll and this query would otherwise be in neither and wait a whole poll interval (timers on Linux fire a little early).
    /// </summary>
    private async Task SleepAsync(Task woken, DateTimeOffset polledAt, CancellationToken stopping)
    {
        var next = await store.GetNextWakeUpAsync(polledAt, stopping);
        var now = time.GetUtcNow();
        var delay = options.Value.MaxPollInterval;
        if (next is { } due && due - now < delay)
        {
            delay = due - now;
        }

        if (delay <= TimeSpan.Zero)
        {
            return;
        }

        using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var timer = Task.Delay(delay, time, sleep.Token);
        await Task.WhenAny(woken, timer);
        await sleep.CancelAsync();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "The {Loop} worker loop failed ({Failures} in a row); backing off.")]
        public static partial void LoopFailed(ILogger logger, string loop, int failures, Exception error);
    }
}
