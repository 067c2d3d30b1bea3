using System.Globalization;

namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>
/// Local calendar time for template waits (<c>calendar: local</c>, <c>at: "10:00"</c>): days, weeks, months and years keep the
/// wall-clock time in a time zone; hours, minutes and seconds are elapsed time. Pure functions of their inputs (the
/// interpreter calls them while replaying).
/// </summary>
/// <remarks>
/// Daylight-saving rules. A local time that does not exist (the spring gap, e.g. 02:30 on the last Sunday of March in
/// Amsterdam) is moved forward by the gap: it happens at the instant the clock would have shown it without the change
/// (02:30 → 03:30). A local time that occurs twice (the autumn overlap, 02:30 on the last Sunday of October) is its first
/// occurrence (the daylight-time one). These are the rules of java.time and NodaTime's lenient resolver.
/// </remarks>
public static class LocalCalendar
{
    /// <summary>The instant <paramref name="local"/> (wall-clock time, any kind) happens in <paramref name="zone"/>, by the rules above.</summary>
    public static DateTimeOffset Resolve(DateTime local, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (zone.IsInvalidTime(local))
        {
            // The offset in force just before the gap: the instant the clock would have shown this time without the change.
            var before = zone.GetUtcOffset(local.AddHours(-6));
            return new DateTimeOffset(local - before, TimeSpan.Zero);
        }

        if (zone.IsAmbiguousTime(local))
        {
            var offsets = zone.GetAmbiguousTimeOffsets(local);
            return new DateTimeOffset(local, offsets.Max()).ToUniversalTime(); // the larger offset is the earlier instant
        }

        return new DateTimeOffset(local, zone.GetUtcOffset(local)).ToUniversalTime();
    }

    /// <summary>The wall-clock time of <paramref name="instant"/> in <paramref name="zone"/>.</summary>
    public static DateTime ToLocal(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTime(instant, zone).DateTime, DateTimeKind.Unspecified);

    /// <summary>
    /// <paramref name="from"/> plus <paramref name="duration"/> in local calendar time: the date parts move the local date and keep
    /// the wall-clock time (a day after Saturday 10:00 is Sunday 10:00, 23 or 25 hours later across a DST change), then the
    /// time parts are added as elapsed time. A month from 31 January is the last day of February.
    /// </summary>
    public static DateTimeOffset Add(DateTimeOffset from, IsoDuration duration, TimeZoneInfo zone)
    {
        var sign = duration.Negative ? -1 : 1;
        var local = ToLocal(from, zone);
        var at = Resolve(AddDays(DateOnly.FromDateTime(local), duration).ToDateTime(TimeOnly.FromDateTime(local)), zone);
        return at.AddHours(sign * duration.Hours).AddMinutes(sign * duration.Minutes).AddTicks(sign * (long)(duration.Seconds * TimeSpan.TicksPerSecond));
    }

    /// <summary><paramref name="date"/> moved by the years, months, weeks and days of <paramref name="duration"/> (its time parts ignored).</summary>
    public static DateOnly AddDays(DateOnly date, IsoDuration duration)
    {
        var sign = duration.Negative ? -1 : 1;
        return date.AddYears(sign * duration.Years).AddMonths(sign * duration.Months).AddDays(sign * ((duration.Weeks * 7) + duration.Days));
    }

    /// <summary>The first instant strictly after <paramref name="from"/> at which the local clock in <paramref name="zone"/> shows <paramref name="time"/>.</summary>
    public static DateTimeOffset Next(DateTimeOffset from, TimeOnly time, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(ToLocal(from, zone));
        var at = On(today, time, zone);
        return at > from ? at : On(today.AddDays(1), time, zone);
    }

    /// <summary>The instant <paramref name="date"/> at <paramref name="time"/> happens in <paramref name="zone"/>.</summary>
    public static DateTimeOffset On(DateOnly date, TimeOnly time, TimeZoneInfo zone) => Resolve(date.ToDateTime(time), zone);

    /// <summary>Reads a template's <c>at</c> (<c>HH:mm</c>, 24-hour); false when it is not one.</summary>
    public static bool TryParseTime(string? text, out TimeOnly time) =>
        TimeOnly.TryParseExact(text, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out time);

    /// <summary>Reads a validated template's <c>at</c>.</summary>
    /// <exception cref="FormatException">Not <c>HH:mm</c>.</exception>
    public static TimeOnly ParseTime(string text) => TimeOnly.ParseExact(text, TimeFormat, CultureInfo.InvariantCulture);

    private const string TimeFormat = "HH:mm";

    /// <summary>The IANA (or Windows) zone <paramref name="id"/>; null when absent or unknown on this machine.</summary>
    public static TimeZoneInfo? FindZone(string? id)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 64)
        {
            return null;
        }

        return TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) ? zone : null;
    }
}
