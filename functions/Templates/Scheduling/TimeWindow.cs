using System.Globalization;

namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>
/// A daily window of local wall-clock time, written <c>HH:mm-HH:mm</c> (e.g. <c>09:00-17:30</c>). <see cref="End"/> is
/// exclusive. A window whose end is not after its start spans midnight (<c>21:00-08:00</c>: from 21:00 until 08:00 the
/// next morning); opening hours may not span midnight, quiet hours may.
/// </summary>
public readonly record struct TimeWindow(TimeOnly Start, TimeOnly End)
{
    /// <summary>True when the window runs past midnight into the next day.</summary>
    public bool SpansMidnight => End <= Start;

    /// <summary>True when the local time of day <paramref name="clock"/> is inside the window.</summary>
    public bool Contains(TimeOnly clock) => SpansMidnight ? clock >= Start || clock < End : clock >= Start && clock < End;

    /// <summary>Parses <c>HH:mm-HH:mm</c>.</summary>
    public static bool TryParse(string? text, out TimeWindow window)
    {
        window = default;
        var parts = text?.Split('-', StringSplitOptions.TrimEntries);
        if (parts is not { Length: 2 }
            || !TimeOnly.TryParseExact(parts[0], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start)
            || !TimeOnly.TryParseExact(parts[1], "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
        {
            return false;
        }

        window = new TimeWindow(start, end);
        return true;
    }

    /// <exception cref="FormatException">Not <c>HH:mm-HH:mm</c>.</exception>
    public static TimeWindow Parse(string text) =>
        TryParse(text, out var window) ? window : throw new FormatException($"'{text}' is not a time window such as 09:00-17:30.");

    public override string ToString() => $"{Start:HH\\:mm}-{End:HH\\:mm}";
}
