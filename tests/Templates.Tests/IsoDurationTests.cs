using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Tests;

public sealed class IsoDurationTests
{
    private static readonly DateTimeOffset Jan31 = new(2026, 1, 31, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("P3D", "2026-02-03T10:00:00+00:00")]
    [InlineData("PT2H30M", "2026-01-31T12:30:00+00:00")]
    [InlineData("P1M", "2026-02-28T10:00:00+00:00")]
    [InlineData("P1Y", "2027-01-31T10:00:00+00:00")]
    [InlineData("P2W", "2026-02-14T10:00:00+00:00")]
    [InlineData("P1Y2M3W4DT5H6M7.5S", "2027-04-25T15:06:07.5+00:00")]
    [InlineData("PT0.5S", "2026-01-31T10:00:00.5+00:00")]
    public void AddTo_ValidDuration_AddsCalendarThenClockParts(string text, string expected) =>
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), IsoDuration.Parse(text).AddTo(Jan31));

    [Fact]
    public void Parse_NegativeOffset_SubtractsWhenAllowed()
    {
        Assert.Equal(Jan31.AddDays(-1), IsoDuration.Parse("-P1D", allowNegative: true).AddTo(Jan31));
        Assert.False(IsoDuration.TryParse("-P1D", allowNegative: false, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1DT")]
    [InlineData("3D")]
    [InlineData("P1H")]
    [InlineData("PT1D")]
    [InlineData("P1.5D")]
    [InlineData("P-1D")]
    [InlineData("p1d")]
    [InlineData("P1D ")]
    [InlineData("P99999999999D")]
    public void TryParse_Invalid_ReturnsFalse(string text) => Assert.False(IsoDuration.TryParse(text, allowNegative: true, out _));

    [Fact]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheText() =>
        Assert.Contains("'soon'", Assert.Throws<FormatException>(() => IsoDuration.Parse("soon")).Message, StringComparison.Ordinal);

    [Fact]
    public void Parse_Parts_AreKept()
    {
        var d = IsoDuration.Parse("P1Y2M3W4DT5H6M7S");

        Assert.Equal(new IsoDuration(false, 1, 2, 3, 4, 5, 6, 7m), d);
        Assert.False(d.IsZero);
        Assert.True(IsoDuration.Parse("PT0S").IsZero);
    }
}
