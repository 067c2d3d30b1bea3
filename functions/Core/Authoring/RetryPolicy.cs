namespace JourneyOrchestrator.Core.Authoring;

/// <summary>
/// How a failed activity is retried. Retries are durable: each wait between attempts is a durable timer,
/// each attempt a new scheduled activity in the history, so a crash between attempts loses nothing.
/// </summary>
/// <param name="MaxAttempts">Total attempts including the first; at least 1.</param>
/// <param name="FirstRetryInterval">Wait before the second attempt; positive.</param>
/// <param name="BackoffCoefficient">Each later wait is the previous one times this; at least 1.</param>
/// <param name="MaxRetryInterval">Upper bound for one wait; null for none.</param>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient = 2.0, TimeSpan? MaxRetryInterval = null)
{
    /// <summary>Optional filter: return false to stop retrying a failure (e.g. a permanent 4xx).</summary>
    public Func<ActivityFailedException, bool>? Handle { get; init; }

    /// <summary>The wait before attempt <paramref name="nextAttempt"/> (2 for the first retry).</summary>
    public TimeSpan DelayBefore(int nextAttempt)
    {
        Validate();
        var delay = FirstRetryInterval.TotalMilliseconds * Math.Pow(BackoffCoefficient, nextAttempt - 2);
        if (MaxRetryInterval is { } max)
        {
            delay = Math.Min(delay, max.TotalMilliseconds);
        }

        return TimeSpan.FromMilliseconds(Math.Min(delay, TimeSpan.MaxValue.TotalMilliseconds / 2));
    }

    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of its range.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FirstRetryInterval, TimeSpan.Zero, nameof(FirstRetryInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(BackoffCoefficient, 1.0, nameof(BackoffCoefficient));
    }
}
