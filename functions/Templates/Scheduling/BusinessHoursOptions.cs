namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>
/// Business hours, quiet hours and holidays: the defaults for every dealer plus per-dealer overrides
/// (<see cref="Dealers"/>). Defaults: Monday to Friday, 09:00-17:00, Europe/Amsterdam, no holidays, no quiet hours.
/// </summary>
public sealed record BusinessHoursOptions
{
    /// <summary>IANA id of the default dealer time zone.</summary>
    public string TimeZone { get; init; } = "Europe/Amsterdam";
    /// <summary>Local opening time (used for every day in <see cref="Days"/> unless <see cref="OpeningHours"/> is set).</summary>
    public TimeOnly Opens { get; init; } = new(9, 0);
    /// <summary>Local closing time (exclusive); after <see cref="Opens"/>.</summary>
    public TimeOnly Closes { get; init; } = new(17, 0);
    public IReadOnlyList<DayOfWeek> Days { get; init; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];
    /// <summary>
    /// Default opening hours per weekday; when set it replaces <see cref="Opens"/>, <see cref="Closes"/> and <see cref="Days"/>
    /// (a day that is absent is closed).
    /// </summary>
    public IReadOnlyDictionary<DayOfWeek, TimeWindow>? OpeningHours { get; init; }
    /// <summary>Default closing days (local dates), e.g. national holidays; a dealer's own holidays are added to these.</summary>
    public IReadOnlyList<DateOnly> Holidays { get; init; } = [];
    /// <summary>Default quiet hours: no marketing e-mail goes out inside them. Null: none.</summary>
    public TimeWindow? QuietHours { get; init; }
    /// <summary>Dealer id to IANA time zone, for dealers outside the default zone (kept for older configuration; <see cref="Dealers"/> wins).</summary>
    public IReadOnlyDictionary<string, string> DealerTimeZones { get; init; } = new Dictionary<string, string>();
    /// <summary>Per dealer id: what differs from the defaults.</summary>
    public IReadOnlyDictionary<string, DealerHours> Dealers { get; init; } = new Dictionary<string, DealerHours>();
}

/// <summary>One dealer's overrides of <see cref="BusinessHoursOptions"/>. A null property inherits the default.</summary>
public sealed record DealerHours
{
    /// <summary>IANA time zone id.</summary>
    public string? TimeZone { get; init; }
    /// <summary>The dealer's complete weekly table: a day that is absent is closed.</summary>
    public IReadOnlyDictionary<DayOfWeek, TimeWindow>? OpeningHours { get; init; }
    /// <summary>The dealer's own closing days, added to the default holidays.</summary>
    public IReadOnlyList<DateOnly>? Holidays { get; init; }
    /// <summary>The dealer's quiet hours; <see cref="NoQuietHours"/> switches inherited quiet hours off.</summary>
    public TimeWindow? QuietHours { get; init; }
    /// <summary>True: this dealer has no quiet hours even when the default has.</summary>
    public bool NoQuietHours { get; init; }
}
