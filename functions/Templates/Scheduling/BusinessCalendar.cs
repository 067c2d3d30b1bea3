namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>
/// Per-dealer opening hours, holidays and quiet hours in the dealer's IANA time zone (<see cref="BusinessHoursOptions"/>).
/// Pure: no clock, no I/O, so the interpreter may call it from replayed orchestration code.
/// </summary>
/// <remarks>
/// Wall-clock rules across daylight-saving changes: local times are converted with <see cref="TimeZoneInfo"/>, so 09:00
/// stays 09:00 local (08:00 UTC in winter, 07:00 UTC in summer for Amsterdam). A local time that does not exist (02:30 on
/// the last Sunday of March) becomes the first valid minute after the gap (03:00 local); a local time that exists twice
/// (02:30 on the last Sunday of October) means its first occurrence (the summer-time one, 00:30 UTC).
/// </remarks>
public sealed class BusinessCalendar : IBusinessCalendar
{
    /// <summary>How far ahead an opening or a send time is searched (a year of holidays and closed days is a configuration error).</summary>
    private const int MaxDaysAhead = 400;

    private readonly Schedule _default;
    private readonly Dictionary<string, Schedule> _dealers = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">A time zone is unknown, opening hours span midnight or no day is open, or quiet hours are empty.</exception>
    public BusinessCalendar(BusinessHoursOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var week = options.OpeningHours ?? LegacyWeek(options);
        _default = Build("Default", Find(options.TimeZone), week, options.Holidays, options.QuietHours);
        foreach (var (dealer, zone) in options.DealerTimeZones)
        {
            _dealers[dealer] = _default with { Zone = Find(zone) };
        }

        foreach (var (dealer, hours) in options.Dealers)
        {
            var inherited = _dealers.GetValueOrDefault(dealer, _default);
            _dealers[dealer] = Build(
                dealer,
                hours.TimeZone is null ? inherited.Zone : Find(hours.TimeZone),
                hours.OpeningHours ?? options.OpeningHours ?? LegacyWeek(options),
                [.. options.Holidays, .. hours.Holidays ?? []],
                hours.NoQuietHours ? null : hours.QuietHours ?? options.QuietHours);
        }
    }

    public TimeZoneInfo TimeZoneOf(string dealerId) => ScheduleOf(dealerId).Zone;

    public bool IsOpen(string dealerId, DateTimeOffset time)
    {
        var s = ScheduleOf(dealerId);
        var local = TimeZoneInfo.ConvertTime(time, s.Zone).DateTime;
        return s.WindowOn(DateOnly.FromDateTime(local)) is { } window && window.Contains(TimeOnly.FromDateTime(local));
    }

    public DateTimeOffset NextOpening(string dealerId, DateTimeOffset time)
    {
        var s = ScheduleOf(dealerId);
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time, s.Zone).DateTime);
        for (var i = 0; i < MaxDaysAhead; i++, day = day.AddDays(1))
        {
            if (s.WindowOn(day) is not { } window)
            {
                continue;
            }

            var opens = ToInstant(day, window.Start, s.Zone);
            if (time < opens)
            {
                return opens;
            }

            if (time < ToInstant(day, window.End, s.Zone))
            {
                return time;
            }
        }

        throw new InvalidOperationException($"Dealer '{dealerId}' has no opening hours within {MaxDaysAhead} days of {time:O}.");
    }

    /// <summary>
    /// Marketing e-mail waits for a time that is neither in the dealer's quiet hours nor on one of its holidays (a holiday
    /// moves it to the next day's first allowed minute; weekends are not special). Transactional e-mail does not ask.
    /// </summary>
    public DateTimeOffset NextSendTime(string dealerId, DateTimeOffset time)
    {
        var s = ScheduleOf(dealerId);
        for (var i = 0; i < 2 * MaxDaysAhead; i++)
        {
            var local = TimeZoneInfo.ConvertTime(time, s.Zone).DateTime;
            var day = DateOnly.FromDateTime(local);
            var clock = TimeOnly.FromDateTime(local);
            if (s.Holidays.Contains(day))
            {
                time = ToInstant(day.AddDays(1), TimeOnly.MinValue, s.Zone);
            }
            else if (s.Quiet is { } quiet && quiet.Contains(clock))
            {
                var ends = quiet.SpansMidnight && clock >= quiet.Start ? day.AddDays(1) : day;
                time = ToInstant(ends, quiet.End, s.Zone);
            }
            else
            {
                return time;
            }
        }

        throw new InvalidOperationException($"Dealer '{dealerId}' allows no e-mail within {MaxDaysAhead} days of {time:O}.");
    }

    /// <summary>
    /// Business time: the clock starts at <see cref="NextOpening"/> of <paramref name="from"/>. Years and months are added
    /// on the local calendar (then to the next opening); each day or week-day counts one open day and keeps the local time of
    /// day, clamped into that day's opening hours (P1D from Friday 16:00 is Monday 16:00; from Friday 08:00 it is Monday
    /// 09:00; past closing it is the closing time); hours, minutes and seconds count only open time (PT4H from Friday 16:00
    /// with 09:00-17:30 is Monday 11:30).
    /// </summary>
    public DateTimeOffset DueAt(string dealerId, DateTimeOffset from, IsoDuration dueIn)
    {
        if (dueIn.Negative)
        {
            return NextOpening(dealerId, dueIn.AddTo(from));
        }

        var s = ScheduleOf(dealerId);
        var at = NextOpening(dealerId, from);
        if (dueIn.Years != 0 || dueIn.Months != 0)
        {
            var local = TimeZoneInfo.ConvertTime(at, s.Zone).DateTime.AddYears(dueIn.Years).AddMonths(dueIn.Months);
            at = NextOpening(dealerId, ToInstant(DateOnly.FromDateTime(local), TimeOnly.FromDateTime(local), s.Zone));
        }

        var days = (dueIn.Weeks * 7) + dueIn.Days;
        if (days > 0)
        {
            var local = TimeZoneInfo.ConvertTime(at, s.Zone).DateTime;
            var day = DateOnly.FromDateTime(local);
            for (int counted = 0, scanned = 0; counted < days; scanned++)
            {
                if (scanned > MaxDaysAhead + (days * 7))
                {
                    throw new InvalidOperationException($"Dealer '{dealerId}' has too few open days to count {days} business day(s).");
                }

                day = day.AddDays(1);
                if (s.WindowOn(day) is not null)
                {
                    counted++;
                }
            }

            var window = s.WindowOn(day)!.Value;
            var clock = TimeOnly.FromDateTime(local);
            clock = clock < window.Start ? window.Start : clock > window.End ? window.End : clock;
            at = ToInstant(day, clock, s.Zone);
        }

        var remaining = TimeSpan.FromHours(dueIn.Hours) + TimeSpan.FromMinutes(dueIn.Minutes) + TimeSpan.FromTicks((long)(dueIn.Seconds * TimeSpan.TicksPerSecond));
        while (remaining > TimeSpan.Zero)
        {
            at = NextOpening(dealerId, at);
            var local = TimeZoneInfo.ConvertTime(at, s.Zone).DateTime;
            var day = DateOnly.FromDateTime(local);
            var closes = ToInstant(day, s.WindowOn(day)!.Value.End, s.Zone);
            if (at + remaining <= closes)
            {
                return at + remaining;
            }

            remaining -= closes - at;
            at = closes;
        }

        return at;
    }

    private Schedule ScheduleOf(string dealerId) => _dealers.GetValueOrDefault(dealerId, _default);

    /// <summary>The instant of local <paramref name="day"/> at <paramref name="clock"/>: a time in a spring-forward gap moves to the end of the gap, a doubled autumn time means the first one.</summary>
    internal static DateTimeOffset ToInstant(DateOnly day, TimeOnly clock, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(clock);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    private static Dictionary<DayOfWeek, TimeWindow> LegacyWeek(BusinessHoursOptions options) =>
        options.Days.Distinct().ToDictionary(d => d, _ => new TimeWindow(options.Opens, options.Closes));

    private static Schedule Build(string name, TimeZoneInfo zone, IReadOnlyDictionary<DayOfWeek, TimeWindow> week, IEnumerable<DateOnly> holidays, TimeWindow? quiet)
    {
        if (week.Count == 0 || week.Values.Any(w => w.SpansMidnight))
        {
            throw new ArgumentException($"Business hours of '{name}' need at least one open day, and each day's closing time after its opening time.", nameof(week));
        }

        if (quiet is { } q && q.Start == q.End)
        {
            throw new ArgumentException($"Quiet hours of '{name}' start and end at {q.Start:HH\\:mm}: that would forbid e-mail all day.", nameof(quiet));
        }

        var table = new TimeWindow?[7];
        foreach (var (day, window) in week)
        {
            table[(int)day] = window;
        }

        return new Schedule(zone, table, [.. holidays], quiet);
    }

    private static TimeZoneInfo Find(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException e)
        {
            throw new ArgumentException($"Unknown time zone '{id}'.", nameof(id), e);
        }
    }

    /// <summary>One dealer's resolved hours; <c>Week</c> is indexed by <see cref="DayOfWeek"/> (null: closed).</summary>
    private sealed record Schedule(TimeZoneInfo Zone, TimeWindow?[] Week, HashSet<DateOnly> Holidays, TimeWindow? Quiet)
    {
        public TimeWindow? WindowOn(DateOnly day) => Holidays.Contains(day) ? null : Week[(int)day.DayOfWeek];
    }
}
