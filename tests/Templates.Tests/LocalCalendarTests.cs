using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>Local calendar arithmetic and the DST rules (gap: forward by the gap; overlap: the first occurrence) in several zones.</summary>
public sealed class LocalCalendarTests
{
    private static readonly TimeZoneInfo Amsterdam = TimeZoneInfo.FindSystemTimeZoneById("Europe/Amsterdam");
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Sydney = TimeZoneInfo.FindSystemTimeZoneById("Australia/Sydney");
    private static readonly TimeZoneInfo Kolkata = TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata");

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    [Fact]
    public void Resolve_ATimeInTheSpringGap_MovesForwardByTheGap()
    {
        // 2026-03-29: Amsterdam's clocks jump 02:00 → 03:00; 02:30 does not exist and happens as 03:30 CEST.
        Assert.Equal(Utc(2026, 3, 29, 1, 30), LocalCalendar.Resolve(new DateTime(2026, 3, 29, 2, 30, 0), Amsterdam));
        // 2026-03-08: New York's 02:30 does not exist: 03:30 EDT.
        Assert.Equal(Utc(2026, 3, 8, 7, 30), LocalCalendar.Resolve(new DateTime(2026, 3, 8, 2, 30, 0), NewYork));
    }

    [Fact]
    public void Resolve_ATimeInTheAutumnOverlap_IsItsFirstOccurrence()
    {
        // 2026-10-25: Amsterdam's 02:30 happens at +02:00 (00:30Z) and again at +01:00 (01:30Z): the first.
        Assert.Equal(Utc(2026, 10, 25, 0, 30), LocalCalendar.Resolve(new DateTime(2026, 10, 25, 2, 30, 0), Amsterdam));
        // 2026-04-05: Sydney's 02:30 happens at +11:00 and again at +10:00: the first (15:30Z the day before).
        Assert.Equal(Utc(2026, 4, 4, 15, 30), LocalCalendar.Resolve(new DateTime(2026, 4, 5, 2, 30, 0), Sydney));
    }

    [Theory]
    [InlineData(2026, 3, 28, 9, 2026, 3, 29, 8)] // Saturday 10:00 CET + P1D = Sunday 10:00 CEST: 23 hours
    [InlineData(2026, 10, 24, 8, 2026, 10, 25, 9)] // Saturday 10:00 CEST + P1D = Sunday 10:00 CET: 25 hours
    [InlineData(2026, 6, 1, 8, 2026, 6, 2, 8)] // no change: 24 hours
    public void Add_ADay_KeepsTheWallClockTime_AcrossDaylightSavingChanges(int y, int mo, int d, int h, int ey, int emo, int ed, int eh) =>
        Assert.Equal(Utc(ey, emo, ed, eh), LocalCalendar.Add(Utc(y, mo, d, h), IsoDuration.Parse("P1D"), Amsterdam));

    [Fact]
    public void Add_MonthsYearsAndWeeks_AreCalendarParts_HoursAreElapsed()
    {
        // 31 January 10:00 + P1M = 28 February 10:00 (the month's last day).
        Assert.Equal(Utc(2026, 2, 28, 9), LocalCalendar.Add(Utc(2026, 1, 31, 9), IsoDuration.Parse("P1M"), Amsterdam));
        // A year from 1 March 2026 10:00 CET: 1 March 2027 10:00 CET.
        Assert.Equal(Utc(2027, 3, 1, 9), LocalCalendar.Add(Utc(2026, 3, 1, 9), IsoDuration.Parse("P1Y"), Amsterdam));
        // A week across New York's spring change keeps 09:00 local (EST → EDT).
        Assert.Equal(Utc(2026, 3, 11, 13), LocalCalendar.Add(Utc(2026, 3, 4, 14), IsoDuration.Parse("P1W"), NewYork));
        // PT24H is 24 elapsed hours even across the change (10:00 CET → 11:00 CEST).
        Assert.Equal(Utc(2026, 3, 29, 9), LocalCalendar.Add(Utc(2026, 3, 28, 9), IsoDuration.Parse("PT24H"), Amsterdam));
        // Negative: the day before, same wall clock.
        Assert.Equal(Utc(2026, 3, 28, 9), LocalCalendar.Add(Utc(2026, 3, 29, 8), IsoDuration.Parse("-P1D", allowNegative: true), Amsterdam));
    }

    [Fact]
    public void Next_IsStrictlyAfter_AndFollowsTheZonesOffset()
    {
        Assert.Equal(Utc(2026, 6, 1, 8), LocalCalendar.Next(Utc(2026, 6, 1, 7), new TimeOnly(10, 0), Amsterdam)); // later today
        Assert.Equal(Utc(2026, 6, 2, 8), LocalCalendar.Next(Utc(2026, 6, 1, 8), new TimeOnly(10, 0), Amsterdam)); // exactly now: tomorrow
        Assert.Equal(Utc(2026, 6, 1, 4, 30), LocalCalendar.Next(Utc(2026, 6, 1, 0), new TimeOnly(10, 0), Kolkata)); // +05:30, no DST
        // New York, 1 November 2026 (EDT → EST at 02:00): 07:00 EST now, next 10:00 is 15:00Z.
        Assert.Equal(Utc(2026, 11, 1, 15), LocalCalendar.Next(Utc(2026, 11, 1, 12), new TimeOnly(10, 0), NewYork));
        // On the spring-gap day, 02:30 happens at 03:30 CEST.
        Assert.Equal(Utc(2026, 3, 29, 1, 30), LocalCalendar.Next(Utc(2026, 3, 28, 23), new TimeOnly(2, 30), Amsterdam));
    }

    [Theory]
    [InlineData("10:00", true)]
    [InlineData("23:59", true)]
    [InlineData("00:00", true)]
    [InlineData("24:00", false)]
    [InlineData("9:00", false)]
    [InlineData("10:00:00", false)]
    [InlineData("", false)]
    public void TryParseTime_AcceptsOnlyHHmm(string text, bool ok) => Assert.Equal(ok, LocalCalendar.TryParseTime(text, out _));

    [Fact]
    public void FindZone_UnknownOrAbsent_IsNull()
    {
        Assert.Null(LocalCalendar.FindZone(null));
        Assert.Null(LocalCalendar.FindZone("Mars/Olympus"));
        Assert.Null(LocalCalendar.FindZone(new string('x', 65)));
        Assert.Equal("Europe/Amsterdam", LocalCalendar.FindZone("Europe/Amsterdam")!.Id);
    }
}
