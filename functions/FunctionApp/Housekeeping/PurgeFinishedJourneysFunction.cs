using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.FunctionApp.Housekeeping;

/// <summary>
/// Housekeeping on a timer (<see cref="Schedule"/>, daily at 03:17 UTC): purges the journeys that finished (completed, failed,
/// terminated) and were created more than <see cref="JourneyRetention.FinishedJourneys"/> ago, through the Durable
/// extension's client. One run is bounded: it purges the journeys created within <see cref="JourneyRetention.PurgeWindow"/>
/// before the cut-off, one <see cref="DurableTaskClient.PurgeAllInstancesAsync(PurgeInstancesFilter, CancellationToken)"/>
/// call. Running and suspended journeys are never purged, whatever their age.
/// </summary>
/// <remarks>
/// A failed purge is logged with its window and rethrown, so the invocation shows as failed; the next run's window covers
/// the same journeys again (purging is idempotent).
/// </remarks>
public sealed partial class PurgeFinishedJourneysFunction(JourneyRetention retention, TimeProvider time, ILogger<PurgeFinishedJourneysFunction> logger)
{
    public const string Name = "housekeeping-purge-finished-journeys";
    /// <summary>NCRONTAB (seconds first), UTC unless WEBSITE_TIME_ZONE says otherwise.</summary>
    public const string Schedule = "0 17 3 * * *";

    /// <summary>The statuses of a finished journey.</summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> FinishedStatuses =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    [Function(Name)]
    public Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken cancellationToken) =>
        PurgeAsync(client, cancellationToken);

    /// <summary>One purge: the finished journeys created in [cut-off − window, cut-off). Returns how many were purged.</summary>
    public async Task<int> PurgeAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var cutOff = retention.CutOff(time.GetUtcNow());
        var filter = new PurgeInstancesFilter(cutOff - retention.PurgeWindow, cutOff, FinishedStatuses);
        PurgeResult result;
        try
        {
            result = await client.PurgeAllInstancesAsync(filter, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.PurgeFailed(logger, e, filter.CreatedFrom!.Value, cutOff);
            throw;
        }

        Log.Purged(logger, result.PurgedInstanceCount, filter.CreatedFrom!.Value, cutOff);
        return result.PurgedInstanceCount;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5201, Level = LogLevel.Information, Message = "Purged {Count} finished journeys created from {From:O} to {To:O}.")]
        public static partial void Purged(ILogger logger, int count, DateTimeOffset from, DateTimeOffset to);

        [LoggerMessage(EventId = 5202, Level = LogLevel.Error, Message = "The purge of finished journeys created from {From:O} to {To:O} failed; the next run tries the window again.")]
        public static partial void PurgeFailed(ILogger logger, Exception exception, DateTimeOffset from, DateTimeOffset to);
    }
}
