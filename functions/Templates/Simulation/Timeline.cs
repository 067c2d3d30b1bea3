using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>Kinds of <see cref="TimelineEntry"/>.</summary>
public static class TimelineKinds
{
    public const string Start = "start";
    /// <summary>A scenario event arrived (<see cref="TimelineEntry.Status"/>: taken, ignored-repeat, held, not-taken, after-end).</summary>
    public const string Event = "event";
    public const string Step = "step";
    public const string Decision = "decision";
    public const string Wait = "wait";
    public const string Timeout = "timeout";
    public const string Phase = "phase";
    public const string Goal = "goal";
    public const string Email = "email";
    public const string Task = "task";
    public const string Completion = "completion";
    /// <summary>A repeat: the journey continues as new (its next iteration).</summary>
    public const string Repeat = "repeat";
    public const string End = "end";
    public const string Failed = "failed";
}

/// <summary>
/// One line of a simulation's timeline. Times are UTC (<see cref="At"/>), after the start (<see cref="Elapsed"/>, <c>+P1Y2DT3H</c>),
/// in the dealer's zone (<see cref="Local"/>) and, when the customer has another, in the customer's (<see cref="CustomerLocal"/>).
/// </summary>
public sealed record TimelineEntry
{
    public required int Index { get; init; }
    public required DateTimeOffset At { get; init; }
    public required string Elapsed { get; init; }
    public required string Local { get; init; }
    public string? CustomerLocal { get; init; }
    public required string Kind { get; init; }
    public string? Step { get; init; }
    public string? Name { get; init; }
    public string? Status { get; init; }
    /// <summary>In words: what happened and why.</summary>
    public string? Detail { get; init; }
    public JsonObject? Data { get; init; }
}

/// <summary>A simulation's timeline and how to write it (JSON is the same bytes for the same inputs).</summary>
public static class Timeline
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new UtcInstantConverter() },
    };

    /// <summary><paramref name="at"/> after <paramref name="start"/> in calendar years, then days, hours, minutes, seconds: <c>+P1Y2DT3H</c>.</summary>
    public static string Elapsed(DateTimeOffset start, DateTimeOffset at)
    {
        if (at <= start)
        {
            return "+P0D";
        }

        var years = 0;
        while (start.AddYears(years + 1) <= at)
        {
            years++;
        }

        var rest = at - start.AddYears(years);
        var text = new StringBuilder("+P");
        if (years > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{years}Y");
        }

        if (rest.Days > 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"{rest.Days}D");
        }

        if (rest.Hours > 0 || rest.Minutes > 0 || rest.Seconds > 0)
        {
            text.Append('T');
            if (rest.Hours > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{rest.Hours}H");
            }

            if (rest.Minutes > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{rest.Minutes}M");
            }

            if (rest.Seconds > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"{rest.Seconds}S");
            }
        }

        return text.Length == 2 ? "+P0D" : text.ToString();
    }

    /// <summary><paramref name="at"/> in <paramref name="zone"/>: <c>Tue 2027-03-02 10:00 +01:00</c>.</summary>
    public static string Local(DateTimeOffset at, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var local = TimeZoneInfo.ConvertTime(at, zone);
        return local.ToString("ddd yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
    }

    /// <summary>Instants in UTC with a <c>Z</c>, to the second: the JSON never depends on the machine's zone.</summary>
    private sealed class UtcInstantConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
    }
}
