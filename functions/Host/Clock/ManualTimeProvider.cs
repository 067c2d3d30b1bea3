namespace JourneyOrchestrator.Host.Clock;

/// <summary>
/// A <see cref="TimeProvider"/> that stands still until <see cref="AdvanceTo"/> moves it (the host's <c>Journeys__Clock=Manual</c>).
/// Timers created on it (<c>Task.Delay(..., provider)</c>, <c>CancellationTokenSource</c> with it) fire when the clock
/// passes their due time, in due-time order, each seeing the clock at its own due time.
/// </summary>
/// <remarks>Thread-safe. Callbacks run on the thread that advances the clock, outside the provider's lock.</remarks>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now;
    private long _sequence;

    public ManualTimeProvider(DateTimeOffset start) => _now = start.ToUniversalTime();

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    /// <summary>Timestamps follow the manual clock, so elapsed-time measurements agree with it.</summary>
    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward to <paramref name="to"/>, firing every timer due on the way at its due time.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="to"/> is before the current time: the clock never goes back.</exception>
    public void AdvanceTo(DateTimeOffset to)
    {
        to = to.ToUniversalTime();
        lock (_gate)
        {
            if (to < _now)
            {
                throw new ArgumentOutOfRangeException(nameof(to), to, $"The manual clock is at {_now:O}; it never goes back.");
            }
        }

        FireUntil(to);
    }

    /// <summary>Moves the clock forward by <paramref name="by"/> (see <see cref="AdvanceTo"/>).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        AdvanceTo(GetUtcNow() + by);
    }

    private void Schedule(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
            if (dueTime == Timeout.InfiniteTimeSpan)
            {
                return;
            }

            timer.DueAt = _now + (dueTime < TimeSpan.Zero ? TimeSpan.Zero : dueTime);
            timer.Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            timer.Order = ++_sequence;
            _timers.Add(timer);
        }

        // A timer due now fires at once, on another thread, as a system timer would (never inside CreateTimer or Change).
        if (dueTime <= TimeSpan.Zero && dueTime != Timeout.InfiniteTimeSpan)
        {
            ThreadPool.QueueUserWorkItem(static self => self.FireUntil(null), this, preferLocal: false);
        }
    }

    /// <summary>Fires the timers due by <paramref name="to"/> (by the current time when null) in order, moving the clock to each.</summary>
    private void FireUntil(DateTimeOffset? to)
    {
        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                var limit = to ?? _now;
                due = _timers.Where(t => t.DueAt <= limit).OrderBy(t => t.DueAt).ThenBy(t => t.Order).FirstOrDefault();
                if (due is null)
                {
                    if (limit > _now)
                    {
                        _now = limit;
                    }

                    return;
                }

                if (due.DueAt > _now)
                {
                    _now = due.DueAt;
                }

                if (due.Period > TimeSpan.Zero)
                {
                    due.DueAt = _now + due.Period;
                    due.Order = ++_sequence;
                }
                else
                {
                    _timers.Remove(due);
                }
            }

            due.Fire();
        }
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        private volatile bool _disposed;

        public DateTimeOffset DueAt { get; set; }
        public TimeSpan Period { get; set; }
        public long Order { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            if (_disposed)
            {
                return false;
            }

            owner.Schedule(this, dueTime, period);
            return true;
        }

        public void Fire()
        {
            if (!_disposed)
            {
                callback(state);
            }
        }

        public void Dispose()
        {
            _disposed = true;
            owner.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
