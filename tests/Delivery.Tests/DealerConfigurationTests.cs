using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.Configuration;

namespace JourneyOrchestrator.Delivery.Tests;

/// <summary><c>Journeys:Dealers:{id}</c> and <c>:Default</c> into the per-dealer calendar.</summary>
public sealed class DealerConfigurationTests
{
    private static BusinessCalendar Calendar(Dictionary<string, string?> values) =>
        new(DealerConfiguration.ToBusinessHours(DealerConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build())));

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void DealerKeys_OverrideDefaults_AndHolidaysAddUp()
    {
        var calendar = Calendar(new()
        {
            ["Journeys:Dealers:Default:TimeZone"] = "Europe/Amsterdam",
            ["Journeys:Dealers:Default:QuietHours"] = "21:00-08:00",
            ["Journeys:Dealers:Default:Holidays:0"] = "2026-12-25",
            ["Journeys:Dealers:london:TimeZone"] = "Europe/London",
            ["Journeys:Dealers:london:OpeningHours:Monday"] = "08:00-18:00",
            ["Journeys:Dealers:london:OpeningHours:Saturday"] = "09:00-12:30",
            ["Journeys:Dealers:london:OpeningHours:Sunday"] = "",
            ["Journeys:Dealers:london:Holidays:0"] = "2026-12-28",
            ["Journeys:Dealers:night:QuietHours"] = "none",
        });

        Assert.Equal("Europe/London", calendar.TimeZoneOf("london").Id);
        Assert.True(calendar.IsOpen("london", Utc(1, 5, 8)));      // Monday 08:00 London
        Assert.False(calendar.IsOpen("london", Utc(1, 6, 10)));    // Tuesday: not in the dealer's table, so closed
        Assert.True(calendar.IsOpen("london", Utc(1, 10, 12)));    // Saturday 12:00
        Assert.Equal(Utc(1, 12, 8), calendar.NextOpening("london", Utc(1, 10, 12, 30))); // Saturday 12:30 → Monday 08:00
        Assert.False(calendar.IsOpen("london", Utc(12, 28, 10)));  // Monday 28 December: the dealer's own holiday
        Assert.False(calendar.IsOpen("other", Utc(12, 25, 10)));   // Friday 25 December: the default holiday
        Assert.True(calendar.IsOpen("other", Utc(12, 28, 10)));    // the London holiday is London's only
        Assert.Equal(Utc(1, 6, 8), calendar.NextSendTime("london", Utc(1, 5, 22)));      // default quiet hours, London time
        Assert.Equal(Utc(1, 5, 22), calendar.NextSendTime("night", Utc(1, 5, 22)));      // quiet hours switched off
        Assert.Equal(Utc(1, 6, 7), calendar.NextSendTime("other", Utc(1, 5, 22)));       // the default, Amsterdam time
    }

    [Theory]
    [InlineData("Journeys:Dealers:x:OpeningHours:Funday", "09:00-17:00")]
    [InlineData("Journeys:Dealers:x:OpeningHours:Monday", "9-5")]
    [InlineData("Journeys:Dealers:x:QuietHours", "late")]
    [InlineData("Journeys:Dealers:x:Holidays:0", "25-12-2026")]
    [InlineData("Journeys:Dealers:x:TimeZone", "Mars/Olympus")]
    public void BadValue_IsRefusedWithItsKey(string key, string value) =>
        Assert.Throws<ArgumentException>(() => Calendar(new() { [key] = value }));
}
