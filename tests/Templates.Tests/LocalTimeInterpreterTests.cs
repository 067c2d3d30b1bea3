using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Waits in local calendar time on the fake clock: <c>calendar: local</c> keeps the customer's wall-clock time across DST,
/// <c>at</c> waits for a local time of day (alone, after whole days, or on a date in the data), in the customer's zone or the
/// dealer's (Europe/Amsterdam by default); without either, durations stay elapsed time (existing templates keep their meaning).
/// </summary>
public sealed class LocalTimeInterpreterTests
{
    private static JourneyTemplate Template(StepSpec wait) => new()
    {
        Id = "local",
        Name = "Local time",
        Events = ["answer.given"],
        Start = "wait",
        Steps = [wait with { Id = "wait", Next = wait.Kind == StepKinds.Wait ? "done" : null, OnTimeout = wait.Kind == StepKinds.WaitForEvent ? "done" : null }, new StepSpec { Id = "done", Kind = "end" }],
    };

    private static DateTimeOffset Utc(int y, int mo, int d, int h, int mi = 0) => new(y, mo, d, h, mi, 0, TimeSpan.Zero);

    /// <summary>Starts at <paramref name="at"/>; asserts the timer is due at <paramref name="due"/> and fires then, not a second before.</summary>
    private static async Task AssertFiresAtAsync(StepSpec wait, DateTimeOffset at, DateTimeOffset due, string? customerZone = null, JsonObject? data = null)
    {
        await using var h = JourneyHarness.Create(Template(wait));
        h.Runtime.Time.SetUtcNow(at);
        var id = await h.StartAsync("local", data: data, customerTimeZone: customerZone);
        Assert.Equal(due, (await h.StatusAsync(id)).NextTimerDue);

        await h.AdvanceAsync(due - at - TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceStatus.Running, (await h.InstanceAsync(id)).Status);
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
    }

    [Fact]
    public Task LocalDay_AfterSaturday10AmInAmsterdam_FiresSunday10AmAcrossTheSpringChange() =>
        AssertFiresAtAsync(new StepSpec { Kind = "wait", Duration = "P1D", Calendar = "local" }, Utc(2026, 3, 28, 9), Utc(2026, 3, 29, 8));

    [Fact]
    public Task UtcDay_IsStill24Hours_SoExistingTemplatesKeepTheirMeaning() =>
        AssertFiresAtAsync(new StepSpec { Kind = "wait", Duration = "P1D" }, Utc(2026, 3, 28, 9), Utc(2026, 3, 29, 9));

    [Fact]
    public Task LocalDay_AcrossTheAutumnChange_Is25Hours() =>
        AssertFiresAtAsync(new StepSpec { Kind = "wait", Duration = "P1D", Calendar = "local" }, Utc(2026, 10, 24, 8), Utc(2026, 10, 25, 9));

    [Fact]
    public Task At_Alone_IsTheNextTimeTheCustomersClockShowsIt_InTheirZoneNotTheDealers() =>
        // New York customer, 1 November 2026 12:00Z = 07:00 EST (the change was at 02:00): next 10:00 local = 15:00Z.
        AssertFiresAtAsync(new StepSpec { Kind = "wait", At = "10:00" }, Utc(2026, 11, 1, 12), Utc(2026, 11, 1, 15), customerZone: "America/New_York");

    [Fact]
    public Task At_WithAnUnknownCustomerZone_FallsBackToTheDealers() =>
        AssertFiresAtAsync(new StepSpec { Kind = "wait", At = "10:00" }, Utc(2026, 6, 1, 9), Utc(2026, 6, 2, 8), customerZone: "Mars/Olympus");

    [Fact]
    public Task At_WithWholeDays_IsThatTimeOnTheDayReached() =>
        // Friday 16:30 CEST + P3D = Monday, at 10:00 CEST.
        AssertFiresAtAsync(new StepSpec { Kind = "wait", Duration = "P3D", At = "10:00" }, Utc(2026, 6, 5, 14, 30), Utc(2026, 6, 8, 8));

    [Fact]
    public Task At_OnTheDateInTheData_TheDayBefore_InTheCustomersZone_AcrossSydneysAutumnChange() =>
        // Service on 5 April 2026 (Sydney leaves daylight time that night); reminder the day before at 09:00 AEDT (+11) = 22:00Z on the 3rd.
        AssertFiresAtAsync(
            new StepSpec { Kind = "wait", UntilData = "data.serviceDate", Offset = "-P1D", At = "09:00" },
            Utc(2026, 3, 20, 0), Utc(2026, 4, 3, 22), customerZone: "Australia/Sydney", data: new JsonObject { ["serviceDate"] = "2026-04-05" });

    [Fact]
    public Task At_OnADateTimeInTheData_UsesItsLocalDate() =>
        // A test drive at 2026-06-10T07:30Z (09:30 CEST): 08:00 local that day = 06:00Z.
        AssertFiresAtAsync(
            new StepSpec { Kind = "wait", UntilData = "data.testDriveAt", At = "08:00" },
            Utc(2026, 6, 1, 9), Utc(2026, 6, 10, 6), data: new JsonObject { ["testDriveAt"] = "2026-06-10T07:30:00Z" });

    [Fact]
    public Task At_InTheSpringGap_HappensAnHourLater() =>
        AssertFiresAtAsync(new StepSpec { Kind = "wait", At = "02:30" }, Utc(2026, 3, 28, 23), Utc(2026, 3, 29, 1, 30));

    [Fact]
    public Task LocalTimeout_OfAWaitForEvent_KeepsTheWallClockTime() =>
        // A month from 10:00 CET on 15 March is 10:00 CEST on 15 April.
        AssertFiresAtAsync(new StepSpec { Kind = "waitForEvent", Events = ["answer.given"], Timeout = "P1M", Calendar = "local" }, Utc(2026, 3, 15, 9), Utc(2026, 4, 15, 8));

    [Fact]
    public async Task At_OnADateInThePast_DoesNotWait()
    {
        await using var h = JourneyHarness.Create(Template(new StepSpec { Kind = "wait", UntilData = "data.serviceDate", At = "09:00" }));
        var id = await h.StartAsync("local", data: new JsonObject { ["serviceDate"] = "2025-01-01" });
        Assert.Equal(InstanceStatus.Completed, (await h.InstanceAsync(id)).Status);
    }
}

/// <summary>The shipped service reminder uses local time where a person expects it.</summary>
public sealed class ShippedLocalTimeTests
{
    [Fact]
    public async Task ServiceReminder_GoesOutTwoWeeksBeforeTheDueDate_At10InTheCustomersZone_NotAtMidnight()
    {
        await using var h = JourneyHarness.Create(JourneyHarness.LoadShipped("service-reminder.yaml"));
        var id = await h.StartAsync("service-reminder", data: new JsonObject { ["dueDate"] = "2026-06-20" }, customerTimeZone: "Europe/Lisbon");

        // 6 June 2026 10:00 WEST (+01:00) = 09:00Z.
        Assert.Equal(new DateTimeOffset(2026, 6, 6, 9, 0, 0, TimeSpan.Zero), (await h.StatusAsync(id)).NextTimerDue);
    }
}
