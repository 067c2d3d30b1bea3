namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>
/// Decides whether a lock call looks at storage at all, so that an idle worker costs few transactions.
/// </summary>
/// <remarks>
/// A poll is due when this store wrote something since the last poll (local work is picked up at once), when the last
/// poll found work (there may be more), when the
/// caller's <c>now</c> reached the earliest due time or lock expiry the last poll saw, or when the back-off interval
/// (doubling after every empty poll, from the minimum to the maximum, on the real pacing clock) has elapsed. A gate
/// never makes work visible early; it only delays discovery of work written by other processes, by at most the
/// current back-off.
/// </remarks>
internal sealed class PollGate(TimeProvider pacing, TimeSpan minimum, TimeSpan maximum)
{
    private readonly Lock _lock = new();
    private long _writeVersion = 1;
    private long _polledVersion;
    private DateTimeOffset _nextPollAt = DateTimeOffset.MinValue;
    private TimeSpan _backoff = TimeSpan.Zero;
    private DateTimeOffset? _knownDue;
    private bool _busy = true;

    /// <summary>The current back-off, for diagnostics and tests.</summary>
    public TimeSpan Backoff
    {
        get
        {
            lock (_lock)
            {
                return _backoff;
            }
        }
    }

    /// <summary>Records a local write: the next lock call polls.</summary>
    public void Touch()
    {
        lock (_lock)
        {
            _writeVersion++;
        }
    }

    /// <summary>Why a poll is due at the caller's <paramref name="now"/> (none: skip it); the version goes to <see cref="Completed"/>.</summary>
    public PollReasons Check(DateTimeOffset now, out long version)
    {
        lock (_lock)
        {
            version = _writeVersion;
            var reasons = PollReasons.None;
            if (_writeVersion != _polledVersion)
            {
                reasons |= PollReasons.LocalWrite;
            }

            if (_knownDue is { } due && now >= due)
            {
                reasons |= PollReasons.Due;
            }

            if (pacing.GetUtcNow() >= _nextPollAt)
            {
                reasons |= PollReasons.Backoff;
            }

            if (_busy)
            {
                reasons |= PollReasons.Busy;
            }

            return reasons;
        }
    }

    /// <summary>Records a look at the doorbells only (nothing rang): the back-off grows, what is known stays.</summary>
    public void Idle()
    {
        lock (_lock)
        {
            _busy = false;
            Grow();
        }
    }

    /// <summary>Records a finished poll: whether it found (or may have left) work, and the earliest time work becomes due.</summary>
    public void Completed(long version, bool foundWork, DateTimeOffset? knownDue)
    {
        lock (_lock)
        {
            _polledVersion = Math.Max(_polledVersion, version);
            _knownDue = knownDue;
            _busy = foundWork;
            var pacingNow = pacing.GetUtcNow();
            if (foundWork)
            {
                _backoff = TimeSpan.Zero;
                _nextPollAt = pacingNow;
            }
            else
            {
                Grow();
            }
        }
    }

    private void Grow()
    {
        var doubled = _backoff == TimeSpan.Zero ? minimum : _backoff * 2;
        _backoff = doubled > maximum ? maximum : doubled;
        _nextPollAt = pacing.GetUtcNow() + _backoff;
    }
}

[Flags]
internal enum PollReasons
{
    None = 0,
    /// <summary>This store wrote work since the last poll.</summary>
    LocalWrite = 1,
    /// <summary>The caller's clock reached a due time or lock expiry seen by the last poll.</summary>
    Due = 2,
    /// <summary>The back-off interval elapsed on the pacing clock.</summary>
    Backoff = 4,
    /// <summary>The last poll found work (or could not look at all of it): there may be more.</summary>
    Busy = 8,
}
