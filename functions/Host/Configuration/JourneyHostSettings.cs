using System.Globalization;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Storage.AzureStorage.DurableTask;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>Which engine runs the journeys, and where it and the product data live (<c>Journeys:Storage:Provider</c>; docs/runtime.md, "Choosing an engine").</summary>
public enum StorageProvider
{
    /// <summary>The embedded engine on SQLite files under the data folder: one host process owns them.</summary>
    Sqlite,
    /// <summary>
    /// The Durable Task Framework over DurableTask.AzureStorage (<see cref="DurableTaskAzureStorageOptions"/>), product data in
    /// Azure Tables (<see cref="AzureStorageOptions"/>): any number of host processes share the account. Wall clock only.
    /// </summary>
    DurableTaskAzureStorage,
}

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
    public static IReadOnlyList<ApiKey> DevelopmentKeys => Api.Security.ApiKeys.DevelopmentKeys;

    public const string RuntimeFileName = "journeys.db";

    public required ClockMode Clock { get; init; }
    public DateTimeOffset? ManualClockStart { get; init; }
    public required string DataFolder { get; init; }
    public required string RuntimeDatabasePath { get; init; }
    public required string DataDatabasePath { get; init; }
    /// <summary>The SQLite delivery store (<c>Journeys:Delivery:DatabasePath</c>, default <c>journeys-delivery.db</c> in the data folder).</summary>
    public required string DeliveryDatabasePath { get; init; }
    public required string TemplatesFolder { get; init; }
    public string EmailTemplatesFolder => Path.Combine(TemplatesFolder, "emails");
    public required bool PublishOnStartup { get; init; }

    /// <summary>The checked <c>Journeys:Templates:Limits</c> for template documents.</summary>
    public TemplateLimits TemplateLimits { get; init; } = new();

    /// <summary>The checked <c>Journeys:Budget</c> of every journey (steps, touchpoints, event bytes per hour).</summary>
    public JourneyOrchestrator.Templates.Interpreter.JourneyBudget Budget { get; init; } = new();
    /// <summary>The validator's limits: <c>Journeys__Templates__MinimumLoopWait</c> (default PT1H) and the Liquid limits (<c>Journeys__Templates__Liquid__*</c>).</summary>
    public TemplateValidationOptions TemplateValidation { get; init; } = new();
    public required IReadOnlyList<ApiKey> ApiKeys { get; init; }
    public required BusinessHoursOptions BusinessHours { get; init; }
    /// <summary>The erasure hash key (<c>Journeys__Erasure__HashKey</c>), or null for the built-in one.</summary>
    public byte[]? ErasureHashKey { get; init; }

    /// <summary>The engine, and where it and the product data (templates, customers, tasks, delivery ledger) live.</summary>
    public StorageProvider Storage { get; init; } = StorageProvider.Sqlite;

    /// <summary>
    /// The checked account and name prefix of the Azure Tables product data stores (<c>Journeys:Storage:AzureStorage</c>); set
    /// exactly when <see cref="Storage"/> is <see cref="StorageProvider.DurableTaskAzureStorage"/>.
    /// </summary>
    public AzureStorageOptions? AzureStorage { get; init; }

    /// <summary>
    /// The checked engine options (<c>Journeys:Storage:DurableTaskAzureStorage</c>: task hub, partitions, polling), on the
    /// account of <see cref="AzureStorage"/>; set exactly when <see cref="Storage"/> is <see cref="StorageProvider.DurableTaskAzureStorage"/>.
    /// </summary>
    public DurableTaskAzureStorageOptions? DurableTask { get; init; }

    /// <summary>The section of the engine's own settings.</summary>
    public const string DurableTaskSection = DurableTaskAzureStorageOptions.SectionName;

    /// <summary>The section of the storage account (shared by the engine and the product data stores).</summary>
    public const string AzureStorageSection = "Journeys:Storage:AzureStorage";

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

        var provider = ParseProvider(options.Storage.Provider, problems);
        var settings = Resolve(options, environment, provider, problems);
        if (provider == StorageProvider.DurableTaskAzureStorage)
        {
            settings = ResolveDurableTask(configuration, settings, problems);
        }

        return problems.Count > 0 ? throw new HostConfigurationException(problems) : settings;
    }

    private static JourneyHostSettings Resolve(JourneyHostOptions options, IHostEnvironment environment, StorageProvider provider, List<string> problems)
    {
        var development = environment.IsDevelopment();
        var clock = ResolveClock(options.Clock, environment, provider, problems);

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
            Storage = provider,
            Clock = clock,
            ManualClockStart = start,
            DataFolder = folder,
            RuntimeDatabasePath = runtimeDb,
            DataDatabasePath = Path.Combine(folder, SqliteJourneyDataStore.DefaultFileName),
            DeliveryDatabasePath = string.IsNullOrWhiteSpace(options.Delivery.DatabasePath)
                ? Path.Combine(folder, SqliteDeliveryStore.DefaultFileName)
                : Path.GetFullPath(options.Delivery.DatabasePath, environment.ContentRootPath),
            TemplatesFolder = templates,
            PublishOnStartup = options.Templates.PublishOnStartup,
            TemplateLimits = ResolveTemplateLimits(options.Templates.Limits, problems),
            TemplateValidation = ResolveTemplateValidation(options.Templates, problems),
            ApiKeys = Api.Security.ApiKeys.Resolve(options.ApiKeys, development, problems),
            BusinessHours = ResolveBusinessHours(options.BusinessHours, problems),
            ErasureHashKey = ResolveErasureKey(options.Erasure.HashKey, development, problems),
            Budget = ResolveBudget(options.Budget, problems),
        };
    }

    private static JourneyOrchestrator.Templates.Interpreter.JourneyBudget ResolveBudget(JourneyOrchestrator.Templates.Interpreter.JourneyBudget budget, List<string> problems)
    {
        if (budget.MaxStepsPerHour < 0 || budget.MaxTouchpointsPerHour < 0 || budget.MaxEventBytesPerHour < 0)
        {
            problems.Add($"Journeys__Budget__MaxStepsPerHour ({budget.MaxStepsPerHour}), __MaxTouchpointsPerHour ({budget.MaxTouchpointsPerHour}) and __MaxEventBytesPerHour ({budget.MaxEventBytesPerHour}) must each be 0 (off) or more.");
        }

        return budget;
    }

    private static TemplateLimits ResolveTemplateLimits(TemplateLimits limits, List<string> problems)
    {
        problems.AddRange(limits.Check());
        return limits;
    }

    /// <summary>
    /// The clock: unset, the manual clock in Development on the embedded engine (time then moves only when told) and the wall
    /// clock everywhere else. The manual clock is refused outside Development, and on DurableTaskAzureStorage, whose engine
    /// (DurableTask.Core) stamps every episode with the machine's clock: timers, <c>CurrentUtcDateTime</c> and history would
    /// not follow a manual clock.
    /// </summary>
    private static ClockMode ResolveClock(string? configured, IHostEnvironment environment, StorageProvider provider, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return environment.IsDevelopment() && provider == StorageProvider.Sqlite ? ClockMode.Manual : ClockMode.System;
        }

        if (!Enum.TryParse(configured, ignoreCase: true, out ClockMode clock) || !Enum.IsDefined(clock) || int.TryParse(configured, CultureInfo.InvariantCulture, out _))
        {
            problems.Add($"Journeys__Clock is '{configured}'; use 'System' or 'Manual'.");
            return ClockMode.System;
        }

        if (clock == ClockMode.Manual && !environment.IsDevelopment())
        {
            problems.Add($"Journeys__Clock=Manual is allowed in Development only (the environment is '{environment.EnvironmentName}'): a manual clock lets any admin move time for every journey. Use Journeys__Clock=System.");
        }
        else if (clock == ClockMode.Manual && provider == StorageProvider.DurableTaskAzureStorage)
        {
            problems.Add(
                "Journeys__Clock=Manual cannot run on Journeys__Storage__Provider=DurableTaskAzureStorage: the Durable Task Framework stamps every " +
                "episode, timer and history event with the machine's clock (DateTime.UtcNow), so journeys would not follow a manual clock. " +
                "Remove Journeys__Clock (this engine runs on the wall clock) or set it to System; the manual clock and virtual time run only " +
                "on the embedded engine (Journeys__Storage__Provider=Sqlite; docs/runtime.md, \"Choosing an engine\").");
        }

        return clock;
    }

    /// <summary>The engine named by <c>Journeys:Storage:Provider</c>; the retired <c>AzureStorage</c> and unknown names are problems.</summary>
    private static StorageProvider ParseProvider(string? configured, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            return StorageProvider.Sqlite;
        }

        if (string.Equals(configured.Trim(), RetiredAzureStorageProvider, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(
                "Journeys__Storage__Provider=AzureStorage (the home-made Azure Storage runtime store) is retired. Use " +
                "Journeys__Storage__Provider=DurableTaskAzureStorage: the Durable Task Framework's engine (DurableTask.AzureStorage) on the same " +
                "account settings (Journeys__Storage__AzureStorage__ConnectionString or __AccountName), with the product data in the same tables. " +
                "Journeys that the old store ran are not carried over; its tables and queues ({prefix}Instances, {prefix}Schedule, {prefix}-control-NN) " +
                "clash with a task hub of the same name, so delete them or choose another Journeys__Storage__DurableTaskAzureStorage__TaskHubName (docs/dtfx-engine.md).");
            return StorageProvider.Sqlite;
        }

        if (!Enum.TryParse(configured, ignoreCase: true, out StorageProvider provider) || !Enum.IsDefined(provider) || int.TryParse(configured, CultureInfo.InvariantCulture, out _))
        {
            problems.Add(
                $"Journeys__Storage__Provider is '{configured}'; use 'Sqlite' (the default: the embedded engine, one process, files under the data folder) " +
                "or 'DurableTaskAzureStorage' (the Durable Task Framework on an Azure Storage account, any number of host processes).");
            return StorageProvider.Sqlite;
        }

        return provider;
    }

    /// <summary>The provider name of the retired home-made Azure Storage runtime store.</summary>
    public const string RetiredAzureStorageProvider = "AzureStorage";

    /// <summary>
    /// DurableTaskAzureStorage: the account (<c>Journeys:Storage:AzureStorage</c>, bound to <see cref="AzureStorageOptions"/>, also
    /// the data stores' name prefix) and the engine's settings (<c>Journeys:Storage:DurableTaskAzureStorage</c>) on that account.
    /// </summary>
    private static JourneyHostSettings ResolveDurableTask(IConfiguration configuration, JourneyHostSettings settings, List<string> problems)
    {
        var account = new AzureStorageOptions();
        var engine = new DurableTaskAzureStorageOptions();
        try
        {
            configuration.GetSection(AzureStorageSection).Bind(account);
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"Journeys__Storage__AzureStorage could not be read: {e.Message}");
            return settings;
        }

        try
        {
            configuration.GetSection(DurableTaskSection).Bind(engine);
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"Journeys__Storage__DurableTaskAzureStorage could not be read: {e.Message}");
            return settings;
        }

        string[] accountKeys = ["ConnectionString", "AccountName", "BlobServiceUri", "QueueServiceUri", "TableServiceUri", "ManagedIdentityClientId"];
        var misplaced = accountKeys.Where(k => configuration[DurableTaskSection + ":" + k] is not null).ToList();
        if (misplaced.Count > 0)
        {
            problems.Add(
                $"Journeys__Storage__DurableTaskAzureStorage__{string.Join(", __", misplaced)}: the account is set once, in Journeys__Storage__AzureStorage__* " +
                "(the engine and the product data stores share it); move the setting there.");
            return settings;
        }

        try
        {
            account.Validate();
        }
        catch (ArgumentException e)
        {
            problems.Add(e.ParamName == nameof(AzureStorageOptions.ConnectionString)
                ? "Journeys__Storage__Provider is 'DurableTaskAzureStorage' but no account is configured: set Journeys__Storage__AzureStorage__ConnectionString " +
                  "(a connection string; Azurite for local runs), or Journeys__Storage__AzureStorage__AccountName for managed identity " +
                  "(with Journeys__Storage__AzureStorage__ManagedIdentityClientId for a user-assigned identity)."
                : $"Journeys__Storage__AzureStorage__{e.ParamName}: {e.Message}");
            return settings;
        }

        engine.ConnectionString = account.ConnectionString;
        engine.AccountName = account.AccountName;
        engine.BlobServiceUri = account.BlobServiceUri;
        engine.QueueServiceUri = account.QueueServiceUri;
        engine.TableServiceUri = account.TableServiceUri;
        engine.ManagedIdentityClientId = account.ManagedIdentityClientId;
        try
        {
            engine.Validate();
        }
        catch (ArgumentException e)
        {
            problems.Add($"Journeys__Storage__DurableTaskAzureStorage__{e.ParamName}: {e.Message}");
            return settings;
        }

        return settings with { AzureStorage = account, DurableTask = engine };
    }

    /// <summary>The erasure hash key; outside Development one must be configured (the built-in key is in the source).</summary>
    private static byte[]? ResolveErasureKey(string? configured, bool development, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!development)
            {
                problems.Add(
                    "Journeys__Erasure__HashKey is not set. Outside Development the host needs its own erasure key (base64 of at least 32 bytes: " +
                    "openssl rand -base64 32; keep it in a secret store and never change it): the built-in key is public (it is in the source), " +
                    "so the hashes kept after an erase could be tested against guessed addresses.");
            }

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

    private static TemplateValidationOptions ResolveTemplateValidation(JourneyHostOptions.TemplatesSection templates, List<string> problems)
    {
        var wait = TemplateValidationOptions.DefaultMinimumLoopWait;
        if (!string.IsNullOrWhiteSpace(templates.MinimumLoopWait) && !TemplateValidationOptions.TryParseWait(templates.MinimumLoopWait, out wait))
        {
            problems.Add($"Journeys__Templates__MinimumLoopWait '{templates.MinimumLoopWait}' is not a fixed, non-negative duration (e.g. PT1H, P1D or 01:00:00; no years or months).");
        }

        var liquid = templates.Liquid;
        if (liquid.MaxSteps < 1 || liquid.MaxRangeLength < 1 || liquid.MaxRecursion < 1 || liquid.MaxBodyLength < 1 || liquid.MaxLineLength < 1 || liquid.MaxValueLength < 1)
        {
            problems.Add("Journeys__Templates__Liquid__* (MaxSteps, MaxRangeLength, MaxRecursion, MaxBodyLength, MaxLineLength, MaxValueLength) must each be at least 1.");
        }

        return new TemplateValidationOptions { MinimumLoopWait = wait, Liquid = liquid };
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
            Path.Combine(contentRoot, "functions", "journey-templates"),
            Path.GetFullPath(Path.Combine(contentRoot, "..", "journey-templates")),
        ];
        var found = candidates.FirstOrDefault(Directory.Exists);
        if (found is null)
        {
            problems.Add($"No templates folder was found (looked in {string.Join(", ", candidates)}); set Journeys__Templates__Path.");
        }

        return found ?? candidates[0];
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
