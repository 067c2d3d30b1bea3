using System.Globalization;
using System.Text.RegularExpressions;

namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>
/// An ISO 8601 duration, <c>PnYnMnWnDTnHnMnS</c> (e.g. <c>P3D</c>, <c>PT2H30M</c>, <c>P1Y</c>, <c>-P1D</c>).
/// Years, months, weeks and days are calendar units: adding <c>P1M</c> to 31 January gives the last day of February.
/// Only the seconds may have a fraction.
/// </summary>
public readonly partial record struct IsoDuration(bool Negative, int Years, int Months, int Weeks, int Days, int Hours, int Minutes, decimal Seconds)
{
    public static IsoDuration Zero => default;

    /// <summary>True when every part is zero.</summary>
    public bool IsZero => Years == 0 && Months == 0 && Weeks == 0 && Days == 0 && Hours == 0 && Minutes == 0 && Seconds == 0;

    /// <summary>Parses <paramref name="text"/>; a leading '-' is accepted only when <paramref name="allowNegative"/>.</summary>
    public static bool TryParse(string? text, bool allowNegative, out IsoDuration duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var match = Pattern().Match(text);
        if (!match.Success || (match.Groups["neg"].Success && !allowNegative))
        {
            return false;
        }

        var hasDate = match.Groups["y"].Success || match.Groups["mo"].Success || match.Groups["w"].Success || match.Groups["d"].Success;
        var hasTime = match.Groups["h"].Success || match.Groups["mi"].Success || match.Groups["s"].Success;
        if (!hasDate && !hasTime)
        {
            return false; // "P" or "PT"
        }

        if (match.Groups["t"].Success && !hasTime)
        {
            return false; // "P1DT"
        }

        if (!TryInt(match.Groups["y"], out var y) || !TryInt(match.Groups["mo"], out var mo) || !TryInt(match.Groups["w"], out var w)
            || !TryInt(match.Groups["d"], out var d) || !TryInt(match.Groups["h"], out var h) || !TryInt(match.Groups["mi"], out var mi))
        {
            return false;
        }

        var s = 0m;
        if (match.Groups["s"].Success && !decimal.TryParse(match.Groups["s"].Value.Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out s))
        {
            return false;
        }

        duration = new IsoDuration(match.Groups["neg"].Success, y, mo, w, d, h, mi, s);
        return true;
    }

    /// <exception cref="FormatException">Not an ISO 8601 duration.</exception>
    public static IsoDuration Parse(string text, bool allowNegative = false) =>
        TryParse(text, allowNegative, out var duration) ? duration : throw new FormatException($"'{text}' is not an ISO 8601 duration such as P3D, PT2H or P1Y2M.");

    /// <summary>Adds this duration to <paramref name="time"/>: calendar parts first (years, months, then weeks and days), then the clock parts.</summary>
    public DateTimeOffset AddTo(DateTimeOffset time)
    {
        var sign = Negative ? -1 : 1;
        var result = time.AddYears(sign * Years).AddMonths(sign * Months).AddDays(sign * ((Weeks * 7.0) + Days));
        return result.AddHours(sign * Hours).AddMinutes(sign * Minutes).AddTicks(sign * (long)(Seconds * TimeSpan.TicksPerSecond));
    }

    private static bool TryInt(Group group, out int value)
    {
        value = 0;
        return !group.Success || int.TryParse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex(@"^(?<neg>-)?P(?:(?<y>\d+)Y)?(?:(?<mo>\d+)M)?(?:(?<w>\d+)W)?(?:(?<d>\d+)D)?(?<t>T(?:(?<h>\d+)H)?(?:(?<mi>\d+)M)?(?:(?<s>\d+(?:[.,]\d+)?)S)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
