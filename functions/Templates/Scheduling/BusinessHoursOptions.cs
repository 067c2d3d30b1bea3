namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>Business hours for all dealers, with per-dealer time zones. Defaults: Monday to Friday, 09:00-17:00, Europe/Amsterdam.</summary>
public sealed record BusinessHoursOptions
{
    /// <summary>IANA id of the default dealer time zone.</summary>
    public string TimeZone { get; init; } = "Europe/Amsterdam";
    /// <summary>Local opening time.</summary>
    public TimeOnly Opens { get; init; } = new(9, 0);
    /// <summary>Local closing time (exclusive); after <see cref="Opens"/>.</summary>
    public TimeOnly Closes { get; init; } = new(17, 0);
    public IReadOnlyList<DayOfWeek> Days { get; init; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];
    /// <summary>Dealer id to IANA time zone, for dealers outside the default zone.</summary>
    public IReadOnlyDictionary<string, string> DealerTimeZones { get; init; } = new Dictionary<string, string>();
}
