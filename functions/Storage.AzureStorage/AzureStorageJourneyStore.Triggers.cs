using System.Globalization;
using Azure.Storage.Queues;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>What a doorbell that was received outside the store (by an Azure Functions queue trigger) turned out to be.</summary>
public enum DoorbellOutcome
{
    /// <summary>Its due time has come (or it is a lease doorbell): read the schedule now.</summary>
    Due,

    /// <summary>A link of a long timer's chain that rang before its due time: the next link was sent; nothing is due yet.</summary>
    Chained,

    /// <summary>Not a doorbell of this store: nothing to chain; reading the schedule is still harmless.</summary>
    Unrecognized,
}

/// <summary>
/// Entry points for a host woken by Azure Functions triggers (queue triggers on the doorbell queues, a timer trigger):
/// the Functions host, not the store, may receive a doorbell, and the process may have been idle (its poll gate backed
/// off) or just started. Doorbells still only wake: the schedule decides what is due.
/// </summary>
public sealed partial class AzureStorageJourneyStore
{
    /// <summary>The control queues' names, index = partition (<c>{prefix}-control-NN</c>).</summary>
    public IReadOnlyList<string> ControlQueueNames => [.. _controlQueues.Select(q => q.Name)];

    /// <summary>The activity doorbell queue's name (<c>{prefix}-workitems</c>).</summary>
    public string WorkItemQueueName => _workItemQueue.Name;

    /// <summary>
    /// Makes the next lock calls look at storage and read the schedule, whatever the poll gates' back-off, and forgets the
    /// cached next wake-up. Call it when something outside the store says there may be work (a trigger fired).
    /// </summary>
    public void WakeUp()
    {
        Interlocked.Increment(ref _scheduleVersion);
        _orchestrationGate.Touch();
        _activityGate.Touch();
        lock (_pacingLock)
        {
            _nextSchedulePollAt[0] = DateTimeOffset.MinValue;
            _nextSchedulePollAt[1] = DateTimeOffset.MinValue;
        }
    }

    /// <summary>
    /// Handles the text of a doorbell that someone else received from <paramref name="queueName"/> (and deletes): a link
    /// of a long timer's chain that rang early is sent again for the rest (at most 7 days), exactly as the store does with
    /// the doorbells it receives itself, so that consuming it loses nothing. Other doorbells need nothing.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="queueName"/> is not one of this store's doorbell queues.</exception>
    public async Task<DoorbellOutcome> AcceptDoorbellAsync(string queueName, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queueName);
        ArgumentNullException.ThrowIfNull(text);
        using var operation = Begin();
        var queue = _controlQueues.Append(_workItemQueue).FirstOrDefault(q => string.Equals(q.Name, queueName, StringComparison.Ordinal))
            ?? throw new ArgumentException($"'{queueName}' is not a doorbell queue of this store ({string.Join(", ", ControlQueueNames)}, {WorkItemQueueName}).", nameof(queueName));
        var separator = text.IndexOf('|', StringComparison.Ordinal);
        if (separator <= 0 || !long.TryParse(text.AsSpan(0, separator), NumberStyles.Integer, CultureInfo.InvariantCulture, out var dueMs))
        {
            return DoorbellOutcome.Unrecognized;
        }

        var due = FromMs(dueMs);
        if (due - _options.PacingClock.GetUtcNow() <= EarlyDoorbellTolerance)
        {
            return DoorbellOutcome.Due;
        }

        cancellationToken.ThrowIfCancellationRequested();
        var instanceId = text[(separator + 1)..];
        await RingAsync(queue, instanceId, due).ConfigureAwait(false);
        var rest = due - _options.PacingClock.GetUtcNow();
        Log.DoorbellChained(_logger, instanceId, due, rest);
        return DoorbellOutcome.Chained;
    }

    /// <summary>
    /// Rings a doorbell that is visible at once on the first control queue, so that a Functions queue trigger invokes the
    /// host again soon (a drain that stopped at its time budget with work left).
    /// </summary>
    public async Task RingNowAsync(CancellationToken cancellationToken = default)
    {
        using var operation = Begin();
        cancellationToken.ThrowIfCancellationRequested();
        QueueClient queue = _controlQueues[0];
        await RingAsync(queue, "wake", _options.PacingClock.GetUtcNow(), TimeSpan.Zero).ConfigureAwait(false);
    }
}
