using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>
/// The <c>Journeys</c> configuration section as written (appsettings or environment variables such as
/// <c>Journeys__Clock=Manual</c>). <see cref="JourneyHostSettings.Resolve(Microsoft.Extensions.Configuration.IConfiguration, Microsoft.Extensions.Hosting.IHostEnvironment)"/> checks it and resolves paths.
/// </summary>
public sealed class JourneyHostOptions
{
    public const string Section = "Journeys";

    public StorageSection Storage { get; set; } = new();

    /// <summary>
    /// <c>System</c> (the wall clock) or <c>Manual</c> (Development only, embedded engine only): a clock moved by
    /// <c>POST /api/dev/clock/advance</c>. Unset: <c>Manual</c> in Development on the embedded engine (<c>Sqlite</c>), else <c>System</c>.
    /// </summary>
    public string? Clock { get; set; }

    public ManualClockSection ManualClock { get; set; } = new();

    public TemplatesSection Templates { get; set; } = new();

    /// <summary>API keys: <c>Journeys__ApiKeys__0__Key</c>, <c>__Role</c> (dealer, marketing, admin), <c>__DealerId</c> (dealer keys).</summary>
    public List<JourneyOrchestrator.Api.Security.ApiKeySection> ApiKeys { get; set; } = [];

    public BusinessHoursSection BusinessHours { get; set; } = new();

    /// <summary>Customer erasure (GDPR): the key of the keyed hashes kept after an erase.</summary>
    public ErasureSection Erasure { get; set; } = new();

    /// <summary>What one journey may do per hour before it is failed as a runaway (<c>Journeys__Budget__*</c>; docs/security.md).</summary>
    public JourneyOrchestrator.Templates.Interpreter.JourneyBudget Budget { get; set; } = new();

    /// <summary>The embedded host's delivery store (<c>Journeys__Delivery__DatabasePath</c>; docs/delivery.md).</summary>
    public DeliverySection Delivery { get; set; } = new();

    public sealed class DeliverySection
    {
        /// <summary>The SQLite delivery store; <c>journeys-delivery.db</c> in the data folder when absent.</summary>
        public string? DatabasePath { get; set; }
    }

    public sealed class ErasureSection
    {
        /// <summary>Base64, at least 32 bytes (<c>openssl rand -base64 32</c>); the built-in key when absent. Keep it in Key Vault; never change it (erased addresses would be mailable again).</summary>
        public string? HashKey { get; set; }
    }

    public sealed class StorageSection
    {
        /// <summary>
        /// The engine and where it keeps everything: <c>Sqlite</c> (default: the embedded engine, one process, files under the
        /// data folder) or <c>DurableTaskAzureStorage</c> (the Durable Task Framework over DurableTask.AzureStorage, any number
        /// of processes on one account: the account from <c>Journeys:Storage:AzureStorage</c>, bound to <c>AzureStorageOptions</c>
        /// and shared with the product data stores; the engine's own settings from <c>Journeys:Storage:DurableTaskAzureStorage</c>).
        /// <c>AzureStorage</c>, the retired home-made runtime store, stops the start with a message naming its replacement.
        /// </summary>
        public string? Provider { get; set; }

        public SqliteSection Sqlite { get; set; } = new();
    }

    public sealed class SqliteSection
    {
        /// <summary>
        /// The data folder (default <c>data</c>, relative to the content root), or the runtime database file in it (a path
        /// ending in <c>.db</c>). The folder holds <c>journeys.db</c> (runtime) and <c>journeys-data.db</c> (templates,
        /// customers, tasks, touchpoints, mailbox).
        /// </summary>
        public string? Path { get; set; }
    }

    public sealed class ManualClockSection
    {
        /// <summary>Where the manual clock starts (ISO 8601 with offset); the wall clock's time at start-up when empty.</summary>
        public string? Start { get; set; }
    }

    public sealed class TemplatesSection
    {
        /// <summary>The folder of the shipped templates (<c>*.yaml</c>, <c>emails/*.liquid</c>); found beside the host by default.</summary>
        public string? Path { get; set; }

        /// <summary>Publish the folder's templates at start-up (a new version only when a template's content changed).</summary>
        public bool PublishOnStartup { get; set; } = true;

        /// <summary>How much a template document may ask of the loader (<c>Journeys__Templates__Limits__MaxDepth</c>, ...; docs/security.md).</summary>
        public JourneyOrchestrator.Templates.Loading.TemplateLimits Limits { get; set; } = new();

        /// <summary>The shortest wait every loop of steps must pass (ISO 8601 such as PT1H, or 01:00:00); one hour when empty.</summary>
        public string? MinimumLoopWait { get; set; }

        /// <summary>The Liquid limits of every render (e-mail subjects and bodies, task titles).</summary>
        public LiquidLimits Liquid { get; set; } = new();
    }

    public sealed class BusinessHoursSection
    {
        /// <summary>IANA id of the dealers' default time zone (default Europe/Amsterdam).</summary>
        public string? TimeZone { get; set; }
        /// <summary>Local opening time, e.g. 09:00.</summary>
        public string? Opens { get; set; }
        /// <summary>Local closing time, e.g. 17:00.</summary>
        public string? Closes { get; set; }
        /// <summary>Open days, e.g. Monday..Friday.</summary>
        public List<DayOfWeek>? Days { get; set; }
        /// <summary>Dealer id to IANA time zone.</summary>
        public Dictionary<string, string> DealerTimeZones { get; set; } = [];
    }
}
