using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Per-dealer windows on fixed instants (2026, Europe/Amsterdam: UTC+1 in winter, UTC+2 from Sunday 29 March 02:00 local to
/// Sunday 25 October 03:00 local). Dealer "garage": Monday-Friday 09:00-17:30, Saturday 10:00-16:00, quiet hours
/// 21:00-08:00, holidays 25-26 December and 6 April (Easter Monday).
/// </summary>
public sealed class DealerCalendarTests
{
    private const string Garage = "garage";

    private static readonly BusinessHoursOptions Hours = new()
    {
        Dealers = new Dictionary<string, DealerHours>
        {
            [Garage] = new()
            {
                TimeZone = "Europe/Amsterdam",
                OpeningHours = new Dictionary<DayOfWeek, TimeWindow>
                {
                    [DayOfWeek.Monday] = TimeWindow.Parse("09:00-17:30"),
                    [DayOfWeek.Tuesday] = TimeWindow.Parse("09:00-17:30"),
                    [DayOfWeek.Wednesday] = TimeWindow.Parse("09:00-17:30"),
                    [DayOfWeek.Thursday] = TimeWindow.Parse("09:00-17:30"),
                    [DayOfWeek.Friday] = TimeWindow.Parse("09:00-17:30"),
                    [DayOfWeek.Saturday] = TimeWindow.Parse("10:00-16:00"),
                },
                Holidays = [new DateOnly(2026, 12, 25), new DateOnly(2026, 12, 26), new DateOnly(2026, 4, 6)],
                QuietHours = TimeWindow.Parse("21:00-08:00"),
            },
            ["night-owl"] = new() { OpeningHours = new Dictionary<DayOfWeek, TimeWindow> { [DayOfWeek.Sunday] = TimeWindow.Parse("02:30-04:00") } },
            ["quiet-free"] = new() { NoQuietHours = true },
        },
        QuietHours = TimeWindow.Parse("22:00-07:00"),
    };

    private readonly BusinessCalendar _calendar = new(Hours);

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private static IsoDuration D(string text) => IsoDuration.Parse(text);

    [Fact]
    public void IsOpen_WeekdayAndSaturdayWindows_ClosedOnSunday()
    {
        Assert.True(_calendar.IsOpen(Garage, Utc(1, 9, 16, 29)));  // Friday 17:29 local
        Assert.False(_calendar.IsOpen(Garage, Utc(1, 9, 16, 30))); // Friday 17:30: closing time is exclusive
        Assert.False(_calendar.IsOpen(Garage, Utc(1, 10, 8, 59))); // Saturday 09:59
        Assert.True(_calendar.IsOpen(Garage, Utc(1, 10, 9)));      // Saturday 10:00
        Assert.False(_calendar.IsOpen(Garage, Utc(1, 11, 11)));    // Sunday
    }

    [Fact]
    public void NextOpening_SaturdayAfterClosing_IsMondayNine() =>
        Assert.Equal(Utc(1, 12, 8), _calendar.NextOpening(Garage, Utc(1, 10, 15)));

    [Fact]
    public void NextOpening_Holiday_SkipsToTheNextOpenDay()
    {
        // Friday 25 and Saturday 26 December are holidays; Sunday closed: Monday 28 December 09:00 (UTC+1).
        Assert.False(_calendar.IsOpen(Garage, Utc(12, 25, 10)));
        Assert.Equal(Utc(12, 28, 8), _calendar.NextOpening(Garage, Utc(12, 24, 17)));
    }

    [Fact]
    public void UnknownDealer_UsesTheDefaults()
    {
        Assert.Equal(Utc(1, 12, 8), _calendar.NextOpening("someone-else", Utc(1, 10, 11))); // Saturday: closed by default
        Assert.Equal(Utc(1, 6, 6), _calendar.NextSendTime("someone-else", Utc(1, 5, 21, 30))); // default quiet 22:00-07:00
    }

    [Fact]
    public void NextSendTime_QuietHoursSpanningMidnight_BeforeAndAfterMidnight()
    {
        Assert.Equal(Utc(1, 6, 19, 59), _calendar.NextSendTime(Garage, Utc(1, 6, 19, 59))); // 20:59 local: allowed
        Assert.Equal(Utc(1, 7, 7), _calendar.NextSendTime(Garage, Utc(1, 6, 20)));          // 21:00 local → 08:00 next day
        Assert.Equal(Utc(1, 7, 7), _calendar.NextSendTime(Garage, Utc(1, 6, 23, 30)));      // 00:30 local → 08:00 the same day
        Assert.Equal(Utc(1, 7, 7), _calendar.NextSendTime(Garage, Utc(1, 7, 7)));            // 08:00 local: end is exclusive
    }

    [Fact]
    public void NextSendTime_Weekend_IsNotSpecial_ButAHolidayWaitsForTheNextDay()
    {
        Assert.Equal(Utc(1, 11, 12), _calendar.NextSendTime(Garage, Utc(1, 11, 12))); // Sunday noon: marketing may go
        // Christmas Day and Boxing Day: Sunday 27 December 00:00 is quiet, so 08:00 local (07:00 UTC).
        Assert.Equal(Utc(12, 27, 7), _calendar.NextSendTime(Garage, Utc(12, 25, 11)));
    }

    [Fact]
    public void NextSendTime_DealerWithoutQuietHours_OverridesTheDefault() =>
        Assert.Equal(Utc(1, 5, 23), _calendar.NextSendTime("quiet-free", Utc(1, 5, 23)));

    [Fact]
    public void NextSendTime_QuietHoursEndingOnTheSpringDstNight_UsesSummerTime()
    {
        // Saturday 28 March 22:00 local (UTC+1) → Sunday 29 March 08:00 local, which is UTC+2 already.
        Assert.Equal(Utc(3, 29, 6), _calendar.NextSendTime(Garage, Utc(3, 28, 21)));
    }

    [Fact]
    public void NextSendTime_QuietHoursEndingOnTheAutumnDstNight_UsesWinterTime() =>
        Assert.Equal(Utc(10, 25, 7), _calendar.NextSendTime(Garage, Utc(10, 24, 20))); // 08:00 local on 25 October is UTC+1

    [Fact]
    public void NextOpening_LocalTimeInTheSpringGap_OpensAtTheEndOfTheGap()
    {
        // 02:30 on Sunday 29 March does not exist in Amsterdam (02:00 → 03:00): open at 03:00 local = 01:00 UTC.
        Assert.Equal(Utc(3, 29, 1), _calendar.NextOpening("night-owl", Utc(3, 28, 12)));
        Assert.True(_calendar.IsOpen("night-owl", Utc(3, 29, 1)));
    }

    [Fact]
    public void NextOpening_LocalTimeThatExistsTwice_IsTheFirstOccurrence()
    {
        // 02:30 on Sunday 25 October happens at 00:30 UTC (summer time) and at 01:30 UTC (winter time): the first one.
        Assert.Equal(Utc(10, 25, 0, 30), _calendar.NextOpening("night-owl", Utc(10, 24, 12)));
        Assert.True(_calendar.IsOpen("night-owl", Utc(10, 25, 1, 45))); // 02:45 local the second time: still inside 02:30-04:00
    }

    [Fact]
    public void DueAt_OneBusinessDay_IsTheSameTimeOnTheNextOpenDay()
    {
        Assert.Equal(Utc(1, 7, 13), _calendar.DueAt(Garage, Utc(1, 6, 13), D("P1D")));  // Tuesday 14:00 → Wednesday 14:00
        Assert.Equal(Utc(1, 10, 13), _calendar.DueAt(Garage, Utc(1, 9, 13), D("P1D"))); // Friday 14:00 → Saturday 14:00 (open 10-16)
        Assert.Equal(Utc(1, 12, 14), _calendar.DueAt(Garage, Utc(1, 10, 14), D("P1D"))); // Saturday 15:00 → Monday 15:00
    }

    [Fact]
    public void DueAt_OneBusinessDay_IsClampedIntoTheNextDaysHours()
    {
        Assert.Equal(Utc(1, 10, 15), _calendar.DueAt(Garage, Utc(1, 9, 16), D("P1D")));   // Friday 17:00 → Saturday closes 16:00
        Assert.Equal(Utc(1, 7, 8), _calendar.DueAt(Garage, Utc(1, 5, 19), D("P1D")));    // Monday 20:00 (closed): clock starts Tuesday 09:00 → Wednesday 09:00
        Assert.Equal(Utc(1, 13, 8), _calendar.DueAt(Garage, Utc(1, 11, 10), D("P1D")));  // Sunday: starts Monday 09:00 → Tuesday 09:00
    }

    [Fact]
    public void DueAt_OverAHolidayAndTheSpringDstChange_KeepsTheLocalTime()
    {
        // Friday 3 April 14:00 (UTC+2) + P1D = Saturday 4 April; + P2D skips Sunday and Easter Monday → Tuesday 7 April 14:00.
        Assert.Equal(Utc(4, 7, 12), _calendar.DueAt(Garage, Utc(4, 3, 12), D("P2D")));
        // Friday 27 March 10:00 (UTC+1) + P2D → Monday 30 March 10:00 (UTC+2).
        Assert.Equal(Utc(3, 30, 8), _calendar.DueAt(Garage, Utc(3, 27, 9), D("P2D")));
    }

    [Fact]
    public void DueAt_Hours_CountOnlyOpenTime()
    {
        Assert.Equal(Utc(1, 6, 13), _calendar.DueAt(Garage, Utc(1, 6, 9), D("PT4H")));        // Tuesday 10:00 → 14:00
        Assert.Equal(Utc(1, 12, 11), _calendar.DueAt("someone-else", Utc(1, 9, 15), D("PT4H"))); // default 9-17: Friday 16:00 → 1 h Friday + 3 h Monday = 12:00
    }

    [Fact]
    public void DueAt_Hours_CarryOverClosingTimeIntoTheNextOpenDay()
    {
        // Friday 16:00 local, 1.5 h left on Friday (until 17:30), 2.5 h on Saturday from 10:00 → Saturday 12:30 local.
        Assert.Equal(Utc(1, 10, 11, 30), _calendar.DueAt(Garage, Utc(1, 9, 15), D("PT4H")));
    }

    [Fact]
    public void Constructor_OpeningHoursOverMidnightOrUnknownZone_Throw()
    {
        Assert.Throws<ArgumentException>(() => new BusinessCalendar(new BusinessHoursOptions
        {
            OpeningHours = new Dictionary<DayOfWeek, TimeWindow> { [DayOfWeek.Monday] = TimeWindow.Parse("22:00-02:00") },
        }));
        Assert.Throws<ArgumentException>(() => new BusinessCalendar(new BusinessHoursOptions
        {
            Dealers = new Dictionary<string, DealerHours> { ["x"] = new() { TimeZone = "Mars/Olympus" } },
        }));
        Assert.Throws<ArgumentException>(() => new BusinessCalendar(new BusinessHoursOptions { QuietHours = TimeWindow.Parse("08:00-08:00") }));
    }
}
