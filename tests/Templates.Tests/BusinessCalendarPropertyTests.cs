using CsCheck;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Property tests of the business calendar (CsCheck): for any instant from 2020 to 2040, in zones with daylight saving,
/// half- and quarter-hour offsets and none, any week of opening hours, holidays and quiet hours, the opening, the due time
/// and the send time land where they must: inside opening hours (or quiet-free time), never on a holiday, never before
/// the instant they were asked for.
/// </summary>
public sealed class BusinessCalendarPropertyTests
{
    private static readonly string[] Zones =
    [
        "Europe/Amsterdam", "Europe/London", "America/New_York", "America/Santiago", "Asia/Kolkata", "Asia/Kathmandu",
        "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Tokyo", "UTC", "America/St_Johns",
    ];

    private static readonly DateTimeOffset From = new(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed record Case(
        string Zone, DateTimeOffset At, Dictionary<DayOfWeek, TimeWindow> Week, DateOnly[] Holidays, TimeWindow? Quiet, IsoDuration DueIn)
    {
        public BusinessCalendar Calendar() => new(new BusinessHoursOptions
        {
            TimeZone = Zone,
            OpeningHours = Week,
            Holidays = Holidays,
            QuietHours = Quiet,
        });

        public override string ToString() =>
            $"{Zone} at {At:O} open {string.Join(", ", Week.Select(d => $"{d.Key} {d.Value.Start}-{d.Value.End}"))} holidays {string.Join(", ", Holidays)} quiet {Quiet} due in {DueIn}";
    }

    private static readonly Gen<TimeWindow> Opening =
        Gen.Select(Gen.Int[6 * 4, 11 * 4], Gen.Int[1 * 4, 10 * 4], (start, length) =>
            new TimeWindow(new TimeOnly(0, 0).AddMinutes(start * 15), new TimeOnly(0, 0).AddMinutes(Math.Min(23 * 60 + 45, (start + length) * 15))));

    private static readonly Gen<TimeWindow?> QuietHours = Gen.OneOf(
        Gen.Const((TimeWindow?)null),
        Gen.Select(Gen.Int[19, 23], Gen.Int[5, 9], (start, end) => (TimeWindow?)new TimeWindow(new TimeOnly(start, 0), new TimeOnly(end, 0))),
        Gen.Select(Gen.Int[11, 13], Gen.Int[1, 2], (start, length) => (TimeWindow?)new TimeWindow(new TimeOnly(start, 0), new TimeOnly(start + length, 30))));

    private static readonly Gen<Case> Cases =
        from zone in Gen.OneOf(Zones)
        from minutes in Gen.Long[0, 20L * 366 * 24 * 60]
        from days in Gen.Enum<DayOfWeek>().HashSet[1, 7]
        from window in Opening
        from holidayOffsets in Gen.Int[-3, 20].Array[0, 6]
        from quiet in QuietHours
        from dueDays in Gen.Int[0, 10]
        from dueHours in Gen.Int[0, 9]
        from dueMinutes in Gen.Int[0, 59]
        let at = From.AddMinutes(minutes)
        let localDay = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(zone)).DateTime)
        select new Case(
            zone,
            at,
            days.ToDictionary(d => d, _ => window),
            [.. holidayOffsets.Distinct().Select(o => localDay.AddDays(o))],
            quiet,
            new IsoDuration(false, 0, 0, 0, dueDays, dueHours, dueMinutes, 0));

    [Fact]
    public void NextOpening_IsOpen_NotBeforeTheInstant_NeverOnAHoliday() =>
        Cases.Sample(c =>
        {
            var calendar = c.Calendar();
            var opening = calendar.NextOpening("d", c.At);
            Assert.True(opening >= c.At, c.ToString());
            Assert.True(calendar.IsOpen("d", opening), $"{opening:O} is closed: {c}");
            Assert.DoesNotContain(LocalDay(c, opening), c.Holidays);
            Assert.Equal(opening, calendar.NextOpening("d", opening)); // an open instant is its own next opening
        }, iter: 3000, threads: 1);

    [Fact]
    public void DueAt_IsInsideOpeningHoursOfAnOpenDay_NeverOnAHoliday_AndNotBeforeTheStart() =>
        Cases.Sample(c =>
        {
            var calendar = c.Calendar();
            var due = calendar.DueAt("d", c.At, c.DueIn);
            var zone = TimeZoneInfo.FindSystemTimeZoneById(c.Zone);
            var local = TimeZoneInfo.ConvertTime(due, zone).DateTime;
            var day = DateOnly.FromDateTime(local);
            Assert.True(due >= c.At, $"{due:O} before the start: {c}");
            Assert.DoesNotContain(day, c.Holidays);
            Assert.True(c.Week.TryGetValue(day.DayOfWeek, out var window), $"{due:O} ({local:ddd HH:mm} local) is on a closed day: {c}");
            var time = TimeOnly.FromDateTime(local);
            Assert.True(time >= window.Start && time <= window.End, $"{due:O} ({local:ddd HH:mm} local) is outside {window.Start}-{window.End}: {c}");
        }, iter: 3000, threads: 1);

    [Fact]
    public void NextSendTime_IsOutsideQuietHours_NeverOnAHoliday_AndNotBeforeTheInstant() =>
        Cases.Sample(c =>
        {
            var calendar = c.Calendar();
            var send = calendar.NextSendTime("d", c.At);
            Assert.True(send >= c.At, c.ToString());
            Assert.DoesNotContain(LocalDay(c, send), c.Holidays);
            if (c.Quiet is { } quiet)
            {
                var time = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(send, TimeZoneInfo.FindSystemTimeZoneById(c.Zone)).DateTime);
                Assert.False(quiet.Contains(time), $"{send:O} ({time} local) is in quiet hours {quiet.Start}-{quiet.End}: {c}");
            }

            Assert.Equal(send, calendar.NextSendTime("d", send)); // an allowed instant stays
        }, iter: 3000, threads: 1);

    private static DateOnly LocalDay(Case c, DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(c.Zone)).DateTime);
}
