using System.Globalization;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.Configuration;

namespace JourneyOrchestrator.Delivery.Scheduling;

/// <summary>
/// <c>Journeys:Dealers:{dealerId}</c> (and <c>Journeys:Dealers:Default</c> for every dealer): time windows and the CRM
/// webhook. Strings as written in configuration; <see cref="DealerConfiguration"/> turns them into a <see cref="BusinessCalendar"/>.
/// </summary>
public sealed class DealerSettings
{
    /// <summary>IANA time zone id, e.g. <c>Europe/Amsterdam</c>.</summary>
    public string? TimeZone { get; set; }
    /// <summary>Weekday name (<c>Monday</c>..<c>Sunday</c>) to <c>HH:mm-HH:mm</c>; an empty or absent day is closed.</summary>
    public Dictionary<string, string?>? OpeningHours { get; set; }
    /// <summary>Closing days, <c>yyyy-MM-dd</c> (local dates).</summary>
    public List<string>? Holidays { get; set; }
    /// <summary><c>HH:mm-HH:mm</c> in which no marketing e-mail goes out (may span midnight); empty or <c>none</c>: no quiet hours.</summary>
    public string? QuietHours { get; set; }
    /// <summary>The dealer's CRM webhook for sales tasks.</summary>
    public CrmSettings? Crm { get; set; }
}

/// <summary><c>Journeys:Dealers:{dealerId}:Crm</c>: where and how sales tasks are pushed.</summary>
public sealed class CrmSettings
{
    /// <summary>The CRM's HTTPS endpoint; no URL, no push.</summary>
    public Uri? Url { get; set; }
    /// <summary>The HMAC-SHA256 key shared with the CRM (UTF-8 bytes of this string).</summary>
    public string? Secret { get; set; }
}

/// <summary>Reads <c>Journeys:Dealers</c>.</summary>
public static class DealerConfiguration
{
    public const string Section = "Journeys:Dealers";
    public const string DefaultKey = "Default";

    /// <summary>All dealer entries, <c>Default</c> included.</summary>
    public static Dictionary<string, DealerSettings> Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var dealers = new Dictionary<string, DealerSettings>(StringComparer.Ordinal);
        foreach (var child in configuration.GetSection(Section).GetChildren())
        {
            dealers[child.Key] = child.Get<DealerSettings>() ?? new DealerSettings();
        }

        return dealers;
    }

    /// <summary>
    /// The calendar options: <c>Default</c> over the built-in defaults (Europe/Amsterdam, Monday to Friday 09:00-17:00, no
    /// holidays, no quiet hours), each dealer over <c>Default</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A day name, window or date cannot be read.</exception>
    public static BusinessHoursOptions ToBusinessHours(IReadOnlyDictionary<string, DealerSettings> dealers)
    {
        ArgumentNullException.ThrowIfNull(dealers);
        var options = new BusinessHoursOptions();
        if (dealers.GetValueOrDefault(DefaultKey) is { } d)
        {
            options = options with
            {
                TimeZone = string.IsNullOrWhiteSpace(d.TimeZone) ? options.TimeZone : d.TimeZone,
                OpeningHours = d.OpeningHours is null ? null : Week(DefaultKey, d.OpeningHours),
                Holidays = Dates(DefaultKey, d.Holidays),
                QuietHours = IsNone(d.QuietHours) ? null : Window(DefaultKey, "QuietHours", d.QuietHours!),
            };
        }

        return options with
        {
            Dealers = dealers.Where(e => e.Key != DefaultKey).ToDictionary(e => e.Key, e => new DealerHours
            {
                TimeZone = string.IsNullOrWhiteSpace(e.Value.TimeZone) ? null : e.Value.TimeZone,
                OpeningHours = e.Value.OpeningHours is null ? null : Week(e.Key, e.Value.OpeningHours),
                Holidays = Dates(e.Key, e.Value.Holidays),
                QuietHours = IsNone(e.Value.QuietHours) ? null : Window(e.Key, "QuietHours", e.Value.QuietHours!),
                NoQuietHours = e.Value.QuietHours is not null && IsNone(e.Value.QuietHours),
            }, StringComparer.Ordinal),
        };
    }

    private static bool IsNone(string? text) => string.IsNullOrWhiteSpace(text) || string.Equals(text.Trim(), "none", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<DayOfWeek, TimeWindow> Week(string dealer, Dictionary<string, string?> days)
    {
        var week = new Dictionary<DayOfWeek, TimeWindow>();
        foreach (var (name, text) in days)
        {
            if (!Enum.TryParse<DayOfWeek>(name, ignoreCase: true, out var day) || int.TryParse(name, out _))
            {
                throw new ArgumentException($"Journeys:Dealers:{dealer}:OpeningHours:{name}: '{name}' is not a weekday (Monday..Sunday).");
            }

            if (!string.IsNullOrWhiteSpace(text))
            {
                week[day] = Window(dealer, $"OpeningHours:{name}", text);
            }
        }

        return week;
    }

    private static TimeWindow Window(string dealer, string key, string text) =>
        TimeWindow.TryParse(text, out var window)
            ? window
            : throw new ArgumentException($"Journeys:Dealers:{dealer}:{key}: '{text}' is not a time window such as 09:00-17:30.");

    private static List<DateOnly> Dates(string dealer, List<string>? texts) =>
        [.. (texts ?? []).Where(t => !string.IsNullOrWhiteSpace(t)).Select(t =>
            DateOnly.TryParseExact(t.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
                ? date
                : throw new ArgumentException($"Journeys:Dealers:{dealer}:Holidays: '{t}' is not a date yyyy-MM-dd."))];
}
