using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>Europe/Amsterdam, Monday to Friday 09:00-17:00 (the defaults).</summary>
public sealed class BusinessCalendarTests
{
    private readonly BusinessCalendar _calendar = new(new BusinessHoursOptions());

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void NextOpening_DuringOpeningHours_IsNow()
    {
        var tuesdayNoon = Utc(1, 6, 11);

        Assert.True(_calendar.IsOpen("d", tuesdayNoon));
        Assert.Equal(tuesdayNoon, _calendar.NextOpening("d", tuesdayNoon));
    }

    [Fact]
    public void NextOpening_FridayEvening_IsMondayNineLocal()
    {
        var fridayEvening = Utc(1, 9, 16); // 17:00 in Amsterdam (winter, UTC+1): closed

        Assert.False(_calendar.IsOpen("d", fridayEvening));
        Assert.Equal(Utc(1, 12, 8), _calendar.NextOpening("d", fridayEvening));
    }

    [Fact]
    public void NextOpening_Saturday_IsMonday()
    {
        Assert.Equal(Utc(1, 12, 8), _calendar.NextOpening("d", Utc(1, 10, 12)));
        Assert.Equal(Utc(1, 12, 8), _calendar.NextOpening("d", Utc(1, 11, 23, 30)));
    }

    [Fact]
    public void NextOpening_EarlyMorning_IsNineTheSameDay() =>
        Assert.Equal(Utc(1, 7, 8), _calendar.NextOpening("d", Utc(1, 7, 5)));

    [Fact]
    public void NextOpening_AcrossTheSpringDstChange_NineLocalMovesFromEightToSevenUtc()
    {
        // Clocks go forward on Sunday 29 March 2026: Friday 27 is UTC+1, Monday 30 is UTC+2.
        Assert.Equal(Utc(3, 27, 8), _calendar.NextOpening("d", Utc(3, 26, 17)));
        Assert.Equal(Utc(3, 30, 7), _calendar.NextOpening("d", Utc(3, 27, 17)));
        Assert.False(_calendar.IsOpen("d", Utc(3, 30, 6, 59)));
        Assert.True(_calendar.IsOpen("d", Utc(3, 30, 7)));
        Assert.True(_calendar.IsOpen("d", Utc(3, 30, 14, 59)));
        Assert.False(_calendar.IsOpen("d", Utc(3, 30, 15)));
    }

    [Fact]
    public void NextOpening_AcrossTheAutumnDstChange_NineLocalMovesFromSevenToEightUtc()
    {
        // Clocks go back on Sunday 25 October 2026.
        Assert.Equal(Utc(10, 26, 8), _calendar.NextOpening("d", Utc(10, 23, 16)));
        Assert.True(_calendar.IsOpen("d", Utc(10, 23, 7)));
    }

    [Fact]
    public void DealerTimeZone_OverridesTheDefault()
    {
        var calendar = new BusinessCalendar(new BusinessHoursOptions { DealerTimeZones = new Dictionary<string, string> { ["london"] = "Europe/London" } });

        Assert.Equal(Utc(1, 7, 9), calendar.NextOpening("london", Utc(1, 7, 8, 30)));
        Assert.Equal(Utc(1, 7, 8, 30), calendar.NextOpening("amsterdam", Utc(1, 7, 8, 30)));
    }

    [Fact]
    public void Constructor_UnknownTimeZone_Throws() =>
        Assert.Throws<ArgumentException>(() => new BusinessCalendar(new BusinessHoursOptions { TimeZone = "Mars/Olympus" }));
}
