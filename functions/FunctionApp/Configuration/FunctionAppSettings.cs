using JourneyOrchestrator.Api;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.FunctionApp.Housekeeping;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace JourneyOrchestrator.FunctionApp.Configuration;

/// <summary>
/// The settings the Function app needs, read once at start-up from the app settings (<c>Journeys__*</c>): the Azure Tables
/// account of the product data, the erasure hash key, the business hours, the journey budget and the retention. Every
/// problem is collected and reported together (<see cref="FunctionAppConfigurationException"/>), each naming its setting.
/// </summary>
public sealed record FunctionAppSettings
{
    public required AzureStorageOptions DataStorage { get; init; }
    public byte[]? ErasureHashKey { get; init; }
    public required BusinessHoursOptions BusinessHours { get; init; }
    public required JourneyBudget Budget { get; init; }
    public required JourneyRetention Retention { get; init; }
    /// <summary>The e-mail templates (<c>*.liquid</c>) the send-e-mail activity renders: <c>templates/emails</c> beside the app.</summary>
    public required string EmailTemplatesFolder { get; init; }
    /// <summary>The shipped journey templates (<c>*.yaml</c>), published at start when <see cref="PublishOnStartup"/>: <c>templates</c> beside the app.</summary>
    public required string TemplatesFolder { get; init; }
    /// <summary><c>Journeys:Templates:PublishOnStartup</c> (default true), as on the embedded host.</summary>
    public bool PublishOnStartup { get; init; } = true;
    /// <summary>The API's keys, limits and rate limits (the same settings as the embedded host's: <c>Journeys__ApiKeys__N__*</c>, ...).</summary>
    public required JourneyApiSettings Api { get; init; }

    /// <exception cref="FunctionAppConfigurationException">A setting is missing or unusable.</exception>
    public static FunctionAppSettings Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var problems = new List<string>();
        var erasureKey = ResolveErasureKey(configuration["Journeys:Erasure:HashKey"], environment.IsDevelopment(), problems);
        var settings = new FunctionAppSettings
        {
            DataStorage = ResolveDataStorage(configuration, problems),
            ErasureHashKey = erasureKey,
            BusinessHours = Bind(configuration, "Journeys:BusinessHours", new BusinessHoursOptions(), problems),
            Budget = ResolveBudget(configuration, problems),
            Retention = JourneyRetention.Resolve(
                configuration[$"{JourneyRetention.Section}:FinishedJourneys"], configuration[$"{JourneyRetention.Section}:PurgeWindow"], problems),
            EmailTemplatesFolder = Path.Combine(TemplatesPath(configuration), "emails"),
            TemplatesFolder = TemplatesPath(configuration),
            PublishOnStartup = ResolvePublishOnStartup(configuration["Journeys:Templates:PublishOnStartup"], problems),
            Api = ResolveApi(configuration, environment.IsDevelopment(), erasureKey, problems),
        };
        return problems.Count > 0 ? throw new FunctionAppConfigurationException(problems) : settings;
    }

    /// <summary>
    /// <c>Journeys:Storage:AzureStorage</c> (connection string, or account name for managed identity, and <c>NamePrefix</c>);
    /// when neither is set, the Functions host's own storage (<c>AzureWebJobsStorage</c>, or <c>AzureWebJobsStorage__accountName</c>
    /// with <c>__clientId</c>), which the Durable extension uses too.
    /// </summary>
    private static AzureStorageOptions ResolveDataStorage(IConfiguration configuration, List<string> problems)
    {
        var options = new AzureStorageOptions();
        try
        {
            configuration.GetSection("Journeys:Storage:AzureStorage").Bind(options);
            if (string.IsNullOrWhiteSpace(options.ConnectionString) && string.IsNullOrWhiteSpace(options.AccountName))
            {
                options.ConnectionString = configuration["AzureWebJobsStorage"];
                options.AccountName = configuration["AzureWebJobsStorage:accountName"];
                options.ManagedIdentityClientId ??= configuration["AzureWebJobsStorage:clientId"];
            }

            options.Validate();
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"Journeys__Storage__AzureStorage could not be read: {e.Message}");
        }
        catch (ArgumentException e)
        {
            problems.Add(e.ParamName == nameof(AzureStorageOptions.ConnectionString)
                ? "No storage account for the product data: set Journeys__Storage__AzureStorage__AccountName (managed identity, with " +
                  "__ManagedIdentityClientId for a user-assigned one) or __ConnectionString, or the host's AzureWebJobsStorage."
                : $"Journeys__Storage__AzureStorage__{e.ParamName}: {e.Message}");
        }

        return options;
    }

    private static byte[]? ResolveErasureKey(string? configured, bool development, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(configured))
        {
            if (!development)
            {
                problems.Add("Journeys__Erasure__HashKey is not set: outside Development the app needs the same erasure key as the API " +
                    "(base64 of at least 32 bytes, from Key Vault): the built-in key is public, and the activities must recognise the erased customers.");
            }

            return null;
        }

        var buffer = new byte[configured.Length];
        if (Convert.TryFromBase64String(configured.Trim(), buffer, out var written) && written >= 32)
        {
            return buffer[..written];
        }

        problems.Add("Journeys__Erasure__HashKey must be base64 of at least 32 bytes (openssl rand -base64 32).");
        return null;
    }

    private static bool ResolvePublishOnStartup(string? configured, List<string> problems)
    {
        if (configured is null || bool.TryParse(configured, out var publish) && publish)
        {
            return true;
        }

        if (!bool.TryParse(configured, out _))
        {
            problems.Add($"Journeys__Templates__PublishOnStartup is '{configured}'; use true or false.");
        }

        return false;
    }

    private static string TemplatesPath(IConfiguration configuration) =>
        configuration["Journeys:Templates:Path"] ?? Path.Combine(AppContext.BaseDirectory, "templates");

    /// <summary>The API's settings, read and checked by the same code as the embedded host's (the keys, the limits).</summary>
    private static JourneyApiSettings ResolveApi(IConfiguration configuration, bool development, byte[]? erasureKey, List<string> problems)
    {
        var keys = Bind(configuration, "Journeys:ApiKeys", new List<ApiKeySection>(), problems);
        var limits = Bind(configuration, "Journeys:Templates:Limits", new TemplateLimits(), problems);
        problems.AddRange(limits.Check());
        RateLimitOptions rateLimits;
        try
        {
            rateLimits = RateLimitOptions.Resolve(configuration);
        }
        catch (HostConfigurationException e)
        {
            problems.AddRange(e.Problems);
            rateLimits = new RateLimitOptions();
        }

        return new JourneyApiSettings
        {
            ApiKeys = ApiKeys.Resolve(keys, development, problems),
            ErasureHashKey = erasureKey,
            TemplateLimits = limits,
            RateLimits = rateLimits,
            Host = new ApiHostInfo("DurableFunctions", "System", configuration["JOURNEYS_TASKHUB"]),
            Development = development,
        };
    }

    private static JourneyBudget ResolveBudget(IConfiguration configuration, List<string> problems)
    {
        var budget = Bind(configuration, "Journeys:Budget", new JourneyBudget(), problems);
        try
        {
            return budget.Validated();
        }
        catch (ArgumentException e)
        {
            problems.Add($"Journeys__Budget: {e.Message}");
            return new JourneyBudget();
        }
    }

    private static T Bind<T>(IConfiguration configuration, string section, T defaults, List<string> problems)
        where T : class
    {
        try
        {
            return configuration.GetSection(section).Get<T>() ?? defaults;
        }
        catch (InvalidOperationException e)
        {
            problems.Add($"{section.Replace(":", "__", StringComparison.Ordinal)} could not be read: {e.Message}");
            return defaults;
        }
    }
}

/// <summary>The Function app's settings are unusable; the message names every problem and its setting.</summary>
public sealed class FunctionAppConfigurationException(IReadOnlyList<string> problems)
    : Exception("The Function app cannot start:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
