using System.Xml;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Validation;

/// <summary>The validator's limits (see <c>docs/template-authors.md</c>, "Loops", and <c>docs/security.md</c>, "Runaway journeys").</summary>
public sealed record TemplateValidationOptions
{
    /// <summary>The default of <see cref="MinimumLoopWait"/>: one hour.</summary>
    public static readonly TimeSpan DefaultMinimumLoopWait = TimeSpan.FromHours(1);

    /// <summary>
    /// Every loop of steps must pass a wait of at least this long (a <c>wait</c> with a <c>duration</c>, or a
    /// <c>waitForEvent</c> for an event from the dealer's systems or a <c>timeout</c> of at least this); config
    /// <c>Journeys:Templates:MinimumLoopWait</c>.
    /// </summary>
    public TimeSpan MinimumLoopWait { get; init; } = DefaultMinimumLoopWait;

    /// <summary>The limits the validator renders e-mail subjects, bodies and task titles with (sample data: an empty model).</summary>
    public LiquidLimits Liquid { get; init; } = new();

    /// <summary>
    /// Reads a minimum wait as configured: an ISO 8601 duration of weeks, days, hours, minutes and seconds (<c>PT1H</c>,
    /// <c>P1D</c>) or a .NET time span (<c>01:00:00</c>). Not negative.
    /// </summary>
    public static bool TryParseWait(string? text, out TimeSpan wait)
    {
        wait = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (IsoDuration.TryParse(text, allowNegative: false, out var iso))
        {
            if (iso.Years != 0 || iso.Months != 0)
            {
                return false; // not a fixed length
            }

            wait = ShortestOf(iso);
            return true;
        }

        return TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out wait) && wait >= TimeSpan.Zero;
    }

    /// <summary>The shortest time <paramref name="duration"/> can take from any start: a year at least 365 days, a month 28.</summary>
    public static TimeSpan ShortestOf(IsoDuration duration)
    {
        if (duration.Negative)
        {
            return TimeSpan.Zero;
        }

        var days = (duration.Years * 365.0) + (duration.Months * 28.0) + (duration.Weeks * 7.0) + duration.Days;
        var seconds = (days * 86400.0) + (duration.Hours * 3600.0) + (duration.Minutes * 60.0) + (double)duration.Seconds;
        return seconds >= TimeSpan.MaxValue.TotalSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
    }

    /// <summary><paramref name="wait"/> as an ISO 8601 duration (<c>PT1H</c>), as messages and docs write it.</summary>
    public static string Format(TimeSpan wait) => XmlConvert.ToString(wait);
}
