using JourneyOrchestrator.Delivery.Consent;
using JourneyOrchestrator.Delivery.Crm;
using JourneyOrchestrator.Delivery.Email;
using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Delivery.Webhooks;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Delivery.DependencyInjection;

/// <summary>Registers the delivery channels from configuration (<c>Journeys:Email</c>, <c>Journeys:Delivery</c>).</summary>
public static class DeliveryServiceCollectionExtensions
{
    /// <summary>The named <see cref="HttpClient"/> of the CRM webhooks (30 s timeout per attempt).</summary>
    public const string CrmHttpClient = "journeys-crm";

    /// <summary>
    /// The e-mail provider (<c>Journeys:Email:Provider</c>: <c>Dev</c> keeps the development mailbox, <c>SendGrid</c> sends
    /// for real), the SQLite delivery store (<c>Journeys:Delivery:DatabasePath</c>, default
    /// <c>{Journeys:Storage:Sqlite:Path}/journeys-delivery.db</c>), the frequency cap, unsubscribe links, the consent service
    /// and the SendGrid webhook processor; with a <c>Journeys:Dealers</c> section, the per-dealer <see cref="BusinessCalendar"/>. Order-independent with <c>AddJourneyTemplates</c> (replaces its defaults).
    /// Options are validated on start.
    /// </summary>
    public static IServiceCollection AddJourneyDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<JourneyEmailOptions>()
            .Bind(configuration.GetSection(JourneyEmailOptions.Section))
            .Validate(o => o.Provider is EmailProviders.Dev or EmailProviders.SendGrid, "Journeys:Email:Provider must be Dev or SendGrid.")
            .Validate(o => o.Provider != EmailProviders.SendGrid || !string.IsNullOrWhiteSpace(o.SendGrid.ApiKey), "Journeys:Email:SendGrid:ApiKey is required when Journeys:Email:Provider is SendGrid.")
            .Validate(o => o.Provider != EmailProviders.SendGrid || (o.Unsubscribe.BaseUrl is not null && !string.IsNullOrWhiteSpace(o.Unsubscribe.SigningKey)),
                "Journeys:Email:Unsubscribe:BaseUrl and :SigningKey are required with SendGrid (every marketing e-mail carries an unsubscribe link).")
            .Validate(o => o.Unsubscribe.SigningKey is null || IsKey(o.Unsubscribe.SigningKey), "Journeys:Email:Unsubscribe:SigningKey must be base64 of at least 32 bytes.")
            .Validate(o => o.FrequencyCap.MaxMarketingEmails >= 0 && o.FrequencyCap.Window > TimeSpan.Zero, "Journeys:Email:FrequencyCap needs MaxMarketingEmails >= 0 and a positive Window.")
            .ValidateOnStart();

        var provider = configuration[$"{JourneyEmailOptions.Section}:Provider"] ?? EmailProviders.Dev;
        services.TryAddSingleton(TimeProvider.System);
        if (string.Equals(provider, EmailProviders.SendGrid, StringComparison.Ordinal))
        {
            services.AddHttpClient<SendGridEmailSender>((sp, http) => http.Timeout = sp.GetRequiredService<IOptions<JourneyEmailOptions>>().Value.SendGrid.Timeout);
            services.Replace(ServiceDescriptor.Singleton<IEmailSender>(sp => sp.GetRequiredService<SendGridEmailSender>()));
        }

        var path = configuration["Journeys:Delivery:DatabasePath"]
            ?? Path.Combine(configuration["Journeys:Storage:Sqlite:Path"] ?? "data", SqliteDeliveryStore.DefaultFileName);
        services.Replace(ServiceDescriptor.Singleton<IDeliveryStore>(_ => new SqliteDeliveryStore(path)));
        services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<JourneyEmailOptions>>().Value;
            return new EmailDeliveryOptions
            {
                MaxMarketingEmailsPerWindow = options.FrequencyCap.MaxMarketingEmails,
                FrequencyWindow = options.FrequencyCap.Window,
                DealerMaxMarketingEmails = options.Dealers.Where(d => d.Value.MaxMarketingEmails is not null).ToDictionary(d => d.Key, d => d.Value.MaxMarketingEmails!.Value, StringComparer.Ordinal),
            };
        }));
        var dealers = DealerConfiguration.Read(configuration);
        if (dealers.Count > 0)
        {
            // Built now so a bad zone, window or date stops the host on start with the key that is wrong.
            var calendar = new BusinessCalendar(DealerConfiguration.ToBusinessHours(dealers));
            services.Replace(ServiceDescriptor.Singleton<IBusinessCalendar>(calendar));
        }

        var crm = dealers.Where(d => d.Value.Crm?.Url is not null).ToDictionary(d => d.Key, d => d.Value.Crm!, StringComparer.Ordinal);
        if (crm.Values.FirstOrDefault(c => string.IsNullOrEmpty(c.Secret)) is not null)
        {
            throw new ArgumentException("Every Journeys:Dealers:{id}:Crm:Url needs a :Crm:Secret (the HMAC key of the signature).", nameof(configuration));
        }

        // No redirects: the signed body and its signature must never be sent anywhere but the configured URL.
        services.AddHttpClient(CrmHttpClient, http => http.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(HttpCrmTaskPusher.CreateHandler);
        services.Replace(ServiceDescriptor.Singleton<ICrmTaskPusher>(sp => new HttpCrmTaskPusher(
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(CrmHttpClient), crm, sp.GetRequiredService<TimeProvider>())));
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(sp => (IDeadLetterStore)sp.GetRequiredService<IDeliveryStore>()));
        services.TryAddSingleton<IDealerScope, ClaimsDealerScope>();

        services.TryAddSingleton<UnsubscribeTokens>();
        services.Replace(ServiceDescriptor.Singleton<IUnsubscribeLinks>(sp => sp.GetRequiredService<UnsubscribeTokens>()));
        services.TryAddSingleton<ConsentService>();
        services.TryAddSingleton<SendGridEventProcessor>();
        return services;
    }

    private static bool IsKey(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written >= 32;
    }
}
