using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.FunctionApp.Housekeeping;

/// <summary>
/// How long finished journeys (completed, failed, terminated) are kept before the housekeeping timer purges their instance
/// and history (<c>Journeys:Retention:*</c>), and how far back one run looks.
/// </summary>
/// <param name="FinishedJourneys">Age (from the journey's creation) after which a finished journey is purged; at least one day.</param>
/// <param name="PurgeWindow">
/// One run purges the journeys created in [cut-off − window, cut-off): the bound on the work of one run. A daily run with
/// the default window of 7 days gives every journey seven chances (a missed or failed run is caught up by the next ones).
/// </param>
public sealed record JourneyRetention(IsoDuration FinishedJourneys, TimeSpan PurgeWindow)
{
    public const string Section = "Journeys:Retention";
    public static readonly IsoDuration DefaultFinishedJourneys = IsoDuration.Parse("P90D");
    public static readonly TimeSpan DefaultPurgeWindow = TimeSpan.FromDays(7);
    public static readonly TimeSpan MinimumRetention = TimeSpan.FromDays(1);
    public static readonly TimeSpan MaximumPurgeWindow = TimeSpan.FromDays(31);

    /// <summary>The creation time before which a finished journey is purged, at <paramref name="now"/>.</summary>
    public DateTimeOffset CutOff(DateTimeOffset now) => (FinishedJourneys with { Negative = true }).AddTo(now);

    /// <summary>
    /// Reads <c>Journeys:Retention:FinishedJourneys</c> (ISO 8601, e.g. <c>P90D</c>, <c>P1Y</c>) and <c>:PurgeWindow</c>
    /// (ISO 8601 or <c>d.hh:mm:ss</c>); each problem is added to <paramref name="problems"/> with the setting named.
    /// </summary>
    public static JourneyRetention Resolve(string? finishedJourneys, string? purgeWindow, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var retention = DefaultFinishedJourneys;
        if (!string.IsNullOrWhiteSpace(finishedJourneys))
        {
            if (!IsoDuration.TryParse(finishedJourneys.Trim(), allowNegative: false, out retention))
            {
                problems.Add($"Journeys__Retention__FinishedJourneys '{finishedJourneys}' is not an ISO 8601 duration (e.g. P90D, P1Y).");
                retention = DefaultFinishedJourneys;
            }
            else if (retention.AddTo(DateTimeOffset.UnixEpoch) - DateTimeOffset.UnixEpoch < MinimumRetention)
            {
                problems.Add($"Journeys__Retention__FinishedJourneys '{finishedJourneys}' is shorter than one day (P1D): a journey that just ended would lose its status and history.");
                retention = DefaultFinishedJourneys;
            }
        }

        var window = DefaultPurgeWindow;
        if (!string.IsNullOrWhiteSpace(purgeWindow))
        {
            if (!TryParseSpan(purgeWindow.Trim(), out window) || window <= TimeSpan.Zero || window > MaximumPurgeWindow)
            {
                problems.Add($"Journeys__Retention__PurgeWindow '{purgeWindow}' must be a duration above zero and at most P31D (ISO 8601 such as P7D, or 7.00:00:00).");
                window = DefaultPurgeWindow;
            }
        }

        return new JourneyRetention(retention, window);
    }

    private static bool TryParseSpan(string text, out TimeSpan span)
    {
        if (IsoDuration.TryParse(text, allowNegative: false, out var iso) && iso is { Years: 0, Months: 0 })
        {
            span = iso.AddTo(DateTimeOffset.UnixEpoch) - DateTimeOffset.UnixEpoch;
            return true;
        }

        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out span);
    }
}
