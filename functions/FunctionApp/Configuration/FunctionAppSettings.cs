using JourneyOrchestrator.FunctionApp.Housekeeping;
using JourneyOrchestrator.Storage.AzureStorage;
using JourneyOrchestrator.Templates.Interpreter;
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

    /// <exception cref="FunctionAppConfigurationException">A setting is missing or unusable.</exception>
    public static FunctionAppSettings Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(environment);
        var problems = new List<string>();
        var settings = new FunctionAppSettings
        {
            DataStorage = ResolveDataStorage(configuration, problems),
            ErasureHashKey = ResolveErasureKey(configuration["Journeys:Erasure:HashKey"], environment.IsDevelopment(), problems),
            BusinessHours = Bind(configuration, "Journeys:BusinessHours", new BusinessHoursOptions(), problems),
            Budget = ResolveBudget(configuration, problems),
            Retention = JourneyRetention.Resolve(
                configuration[$"{JourneyRetention.Section}:FinishedJourneys"], configuration[$"{JourneyRetention.Section}:PurgeWindow"], problems),
            EmailTemplatesFolder = Path.Combine(configuration["Journeys:Templates:Path"] ?? Path.Combine(AppContext.BaseDirectory, "templates"), "emails"),
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
