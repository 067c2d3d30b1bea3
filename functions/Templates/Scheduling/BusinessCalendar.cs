namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>
/// Weekly business hours in the dealer's time zone. Local times are converted with <see cref="TimeZoneInfo"/>, so a
/// daylight-saving change keeps 09:00 at 09:00 local (07:00 or 08:00 UTC for Amsterdam). Pure: no clock, no I/O.
/// </summary>
public sealed class BusinessCalendar : IBusinessCalendar
{
    private readonly BusinessHoursOptions _options;
    private readonly TimeZoneInfo _default;
    private readonly Dictionary<string, TimeZoneInfo> _dealers = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">Hours are empty or a time zone is unknown.</exception>
    public BusinessCalendar(BusinessHoursOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Closes <= options.Opens || options.Days.Count == 0)
        {
            throw new ArgumentException("Business hours need at least one day and a closing time after the opening time.", nameof(options));
        }

        _options = options;
        _default = Find(options.TimeZone);
        foreach (var (dealer, zone) in options.DealerTimeZones)
        {
            _dealers[dealer] = Find(zone);
        }
    }

    public TimeZoneInfo TimeZoneOf(string dealerId) => _dealers.GetValueOrDefault(dealerId, _default);

    public bool IsOpen(string dealerId, DateTimeOffset time)
    {
        var local = TimeZoneInfo.ConvertTime(time, TimeZoneOf(dealerId));
        var clock = TimeOnly.FromDateTime(local.DateTime);
        return _options.Days.Contains(local.DayOfWeek) && clock >= _options.Opens && clock < _options.Closes;
    }

    public DateTimeOffset NextOpening(string dealerId, DateTimeOffset time)
    {
        if (IsOpen(dealerId, time))
        {
            return time;
        }

        var zone = TimeZoneOf(dealerId);
        var local = TimeZoneInfo.ConvertTime(time, zone);
        var day = DateOnly.FromDateTime(local.DateTime);
        if (TimeOnly.FromDateTime(local.DateTime) >= _options.Opens)
        {
            day = day.AddDays(1);
        }

        for (var i = 0; i < 8; i++, day = day.AddDays(1))
        {
            if (_options.Days.Contains(day.DayOfWeek))
            {
                return ToInstant(day.ToDateTime(_options.Opens), zone);
            }
        }

        throw new InvalidOperationException("No business day within a week."); // unreachable: Days is not empty
    }

    private static DateTimeOffset ToInstant(DateTime local, TimeZoneInfo zone)
    {
        // A local time inside a spring-forward gap does not exist: open at the first valid minute after it.
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
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
}
