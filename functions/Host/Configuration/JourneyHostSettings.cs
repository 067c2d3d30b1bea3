using System.Globalization;
using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Host.Security;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>Which clock the runtime runs on.</summary>
public enum ClockMode
{
    /// <summary>The wall clock.</summary>
    System,
    /// <summary>A clock that only moves when told (<c>POST /api/dev/clock/advance</c>); Development only.</summary>
    Manual,
}

/// <summary>The checked and resolved <see cref="JourneyHostOptions"/>: absolute paths, parsed clock, keys (with the dev keys in Development).</summary>
public sealed record JourneyHostSettings
{
    /// <summary>The keys that work in Development (and only there).</summary>
    public static readonly IReadOnlyList<ApiKey> DevelopmentKeys =
    [
        new("dev-admin-key", Roles.Admin, null),
        new("dev-marketing-key", Roles.Marketing, null),
        new("dev-dealer-key", Roles.Dealer, "demo-dealer"),
    ];

    public const string RuntimeFileName = "journeys.db";

    public required ClockMode Clock { get; init; }
    public DateTimeOffset? ManualClockStart { get; init; }
    public required string DataFolder { get; init; }
    public required string RuntimeDatabasePath { get; init; }
    public required string DataDatabasePath { get; init; }
    public required string TemplatesFolder { get; init; }
    public string EmailTemplatesFolder => Path.Combine(TemplatesFolder, "emails");
    public required bool PublishOnStartup { get; init; }
    public required IReadOnlyList<ApiKey> ApiKeys { get; init; }
    public required BusinessHoursOptions BusinessHours { get; init; }
    /// <summary>The erasure hash key (<c>Journeys__Erasure__HashKey</c>), or null for the built-in one.</summary>
    public byte[]? ErasureHashKey { get; init; }

    /// <summary>Reads the <c>Journeys</c> section and checks it.</summary>
    /// <exception cref="HostConfigurationException">Anything is wrong; the message lists every problem.</exception>
    public static JourneyHostSettings Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var options = new JourneyHostOptions();
        var problems = new List<string>();
        try
        {
            configuration.GetSection(JourneyHostOptions.Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"The Journeys section could not be read: {e.Message}");
        }

        var settings = Resolve(options, environment, problems);
        return problems.Count > 0 ? throw new HostConfigurationException(problems) : settings;
    }

    private static JourneyHostSettings Resolve(JourneyHostOptions options, IHostEnvironment environment, List<string> problems)
    {
        var development = environment.IsDevelopment();
        var provider = options.Storage.Provider ?? "Sqlite";
        if (!string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"Journeys__Storage__Provider is '{provider}'; the only provider is 'Sqlite'.");
        }

        var clock = ClockMode.System;
        if (!string.IsNullOrWhiteSpace(options.Clock) && !Enum.TryParse(options.Clock, ignoreCase: true, out clock))
        {
            problems.Add($"Journeys__Clock is '{options.Clock}'; use 'System' or 'Manual'.");
        }
        else if (clock == ClockMode.Manual && !development)
        {
            problems.Add($"Journeys__Clock=Manual is allowed in Development only (the environment is '{environment.EnvironmentName}'): a manual clock lets any admin move time for every journey. Use Journeys__Clock=System.");
        }

        DateTimeOffset? start = null;
        if (!string.IsNullOrWhiteSpace(options.ManualClock.Start))
        {
            if (DateTimeOffset.TryParse(options.ManualClock.Start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                start = parsed.ToUniversalTime();
            }
            else
            {
                problems.Add($"Journeys__ManualClock__Start '{options.ManualClock.Start}' is not an ISO 8601 date-time (e.g. 2026-01-05T09:00:00Z).");
            }
        }

        var (folder, runtimeDb) = ResolveStorage(options.Storage.Sqlite.Path, environment.ContentRootPath);
        var templates = ResolveTemplates(options.Templates.Path, environment.ContentRootPath, problems);
        return new JourneyHostSettings
        {
            Clock = clock,
            ManualClockStart = start,
            DataFolder = folder,
            RuntimeDatabasePath = runtimeDb,
            DataDatabasePath = Path.Combine(folder, SqliteJourneyDataStore.DefaultFileName),
            TemplatesFolder = templates,
            PublishOnStartup = options.Templates.PublishOnStartup,
            ApiKeys = ResolveKeys(options.ApiKeys, development, problems),
            BusinessHours = ResolveBusinessHours(options.BusinessHours, problems),
            ErasureHashKey = ResolveErasureKey(options.Erasure.HashKey, problems),
        };
    }

    private static byte[]? ResolveErasureKey(string? configured, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return null;
        }

        try
        {
            var key = Convert.FromBase64String(configured.Trim());
            if (key.Length >= 32)
            {
                return key;
            }
        }
        catch (FormatException)
        {
            // Reported below.
        }

        problems.Add("Journeys__Erasure__HashKey must be base64 of at least 32 bytes (openssl rand -base64 32).");
        return null;
    }

    private static (string Folder, string RuntimeDb) ResolveStorage(string? configured, string contentRoot)
    {
        var path = Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? "data" : configured, contentRoot);
        if (path.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || File.Exists(path))
        {
            return (Path.GetDirectoryName(path)!, path);
        }

        return (path, Path.Combine(path, RuntimeFileName));
    }

    private static string ResolveTemplates(string? configured, string contentRoot, List<string> problems)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var path = Path.GetFullPath(configured, contentRoot);
            if (!Directory.Exists(path))
            {
                problems.Add($"Journeys__Templates__Path '{path}' is not a folder.");
            }

            return path;
        }

        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "templates"),
            Path.Combine(contentRoot, "templates"),
            Path.Combine(contentRoot, "functions", "templates"),
            Path.GetFullPath(Path.Combine(contentRoot, "..", "templates")),
        ];
        var found = candidates.FirstOrDefault(Directory.Exists);
        if (found is null)
        {
            problems.Add($"No templates folder was found (looked in {string.Join(", ", candidates)}); set Journeys__Templates__Path.");
        }

        return found ?? candidates[0];
    }

    private static List<ApiKey> ResolveKeys(List<JourneyHostOptions.ApiKeySection> configured, bool development, List<string> problems)
    {
        var keys = new List<ApiKey>();
        for (var i = 0; i < configured.Count; i++)
        {
            var entry = configured[i];
            var where = $"Journeys__ApiKeys__{i}";
            var role = entry.Role?.Trim().ToLowerInvariant();
            if (string.IsNullOrWhiteSpace(entry.Key))
            {
                problems.Add($"{where}__Key is empty.");
                continue;
            }

            if (!development && entry.Key.Length < 16)
            {
                problems.Add($"{where}__Key is shorter than 16 characters; use a long random key.");
            }

            if (!development && JourneyHostSettings.DevelopmentKeys.Any(k => k.Key == entry.Key))
            {
                problems.Add($"{where}__Key is a public development key; it is refused outside Development.");
            }

            if (role is null || !Roles.All.Contains(role))
            {
                problems.Add($"{where}__Role is '{entry.Role}'; use dealer, marketing or admin.");
                continue;
            }

            if (role == Roles.Dealer && !InputRules.IsId(entry.DealerId))
            {
                problems.Add($"{where}__DealerId is required for a dealer key (letters, digits, '.', '_', ':', '@', '-').");
                continue;
            }

            if (role != Roles.Dealer && !string.IsNullOrEmpty(entry.DealerId))
            {
                problems.Add($"{where}__DealerId is only for dealer keys.");
                continue;
            }

            if (keys.Any(k => k.Key == entry.Key))
            {
                problems.Add($"{where}__Key is configured twice.");
                continue;
            }

            keys.Add(new ApiKey(entry.Key, role, role == Roles.Dealer ? entry.DealerId : null));
        }

        if (development)
        {
            keys.AddRange(DevelopmentKeys.Where(d => keys.All(k => k.Key != d.Key)));
        }
        else if (keys.Count == 0)
        {
            problems.Add("No API keys are configured. Outside Development the host needs at least one: Journeys__ApiKeys__0__Key=<long random key>, Journeys__ApiKeys__0__Role=admin (see README).");
        }

        return keys;
    }

    private static BusinessHoursOptions ResolveBusinessHours(JourneyHostOptions.BusinessHoursSection section, List<string> problems)
    {
        var defaults = new BusinessHoursOptions();
        var result = defaults;
        if (!string.IsNullOrWhiteSpace(section.TimeZone))
        {
            if (TimeZoneInfo.TryFindSystemTimeZoneById(section.TimeZone, out _))
            {
                result = result with { TimeZone = section.TimeZone };
            }
            else
            {
                problems.Add($"Journeys__BusinessHours__TimeZone '{section.TimeZone}' is not a known time zone (IANA id, e.g. Europe/Amsterdam).");
            }
        }

        result = WithTime(section.Opens, "Opens", result, (r, t) => r with { Opens = t }, problems);
        result = WithTime(section.Closes, "Closes", result, (r, t) => r with { Closes = t }, problems);
        if (result.Closes <= result.Opens)
        {
            problems.Add("Journeys__BusinessHours__Closes must be after Opens.");
        }

        if (section.Days is { Count: > 0 } days)
        {
            result = result with { Days = [.. days.Distinct()] };
        }

        foreach (var (dealer, zone) in section.DealerTimeZones)
        {
            if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            {
                problems.Add($"Journeys__BusinessHours__DealerTimeZones__{dealer} '{zone}' is not a known time zone.");
            }
        }

        if (section.DealerTimeZones.Count > 0)
        {
            result = result with { DealerTimeZones = new Dictionary<string, string>(section.DealerTimeZones) };
        }

        return result;
    }

    private static BusinessHoursOptions WithTime(string? text, string name, BusinessHoursOptions options, Func<BusinessHoursOptions, TimeOnly, BusinessHoursOptions> set, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return options;
        }

        if (TimeOnly.TryParse(text, CultureInfo.InvariantCulture, out var time))
        {
            return set(options, time);
        }

        problems.Add($"Journeys__BusinessHours__{name} '{text}' is not a time of day (e.g. 09:00).");
        return options;
    }
}
