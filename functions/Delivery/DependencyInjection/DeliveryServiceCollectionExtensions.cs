using Azure.Identity;
using Azure.Messaging.ServiceBus;
using JourneyOrchestrator.Delivery.Consent;
using JourneyOrchestrator.Delivery.Crm;
using JourneyOrchestrator.Delivery.Email;
using JourneyOrchestrator.Delivery.Milestones;
using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Delivery.Webhooks;
using JourneyOrchestrator.Templates.Data;
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
    /// for real), the frequency cap, unsubscribe links, the consent service
    /// and the SendGrid webhook processor; with a <c>Journeys:Dealers</c> section, the per-dealer <see cref="BusinessCalendar"/>. Order-independent with <c>AddJourneyTemplates</c> (replaces its defaults).
    /// Options are validated on start. The durable delivery store (<c>IDeliveryStore</c>, which must also be the
    /// <c>IDeadLetterStore</c>) is the host's choice: SQLite in the embedded host, Azure Tables in the cluster and the Function app;
    /// this project references no storage provider.
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
            services.AddHttpClient(SendGridHealthProbe.HttpClientName, http => http.Timeout = SendGridHealthProbe.Timeout)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
            services.AddSingleton<IHealthProbe, SendGridHealthProbe>();
        }

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
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(sp => sp.GetRequiredService<IDeliveryStore>() as IDeadLetterStore
            ?? throw new InvalidOperationException("The registered IDeliveryStore is not an IDeadLetterStore: register a durable delivery store (SQLite or Azure Tables).")));
        services.TryAddSingleton<IDealerScope, ClaimsDealerScope>();

        services.TryAddSingleton<UnsubscribeTokens>();
        services.Replace(ServiceDescriptor.Singleton<IUnsubscribeLinks>(sp => sp.GetRequiredService<UnsubscribeTokens>()));
        services.TryAddSingleton<ConsentService>();
        services.TryAddSingleton<SendGridEventProcessor>();
        return services.AddJourneyMilestones(configuration);
    }

    /// <summary>
    /// Milestones to a Service Bus topic when <c>Journeys:Milestones:ServiceBus</c> names a namespace (managed identity) or a
    /// connection string (local): the client and sender are singletons (disposed with the container), journeys started from
    /// now on publish (<see cref="MilestonePublishing"/>). Otherwise an unconfigured publisher and no publishing.
    /// </summary>
    public static IServiceCollection AddJourneyMilestones(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new MilestoneOptions();
        configuration.GetSection(MilestoneOptions.Section).Bind(options);
        if (!options.Configured)
        {
            services.Replace(ServiceDescriptor.Singleton(MilestonePublishing.Off));
            services.Replace(ServiceDescriptor.Singleton<IMilestonePublisher, UnconfiguredMilestonePublisher>());
            return services;
        }

        if (!string.IsNullOrWhiteSpace(options.FullyQualifiedNamespace) && !string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException($"Set either {MilestoneOptions.Section}:FullyQualifiedNamespace or :ConnectionString, not both.", nameof(configuration));
        }

        if (string.IsNullOrWhiteSpace(options.Topic))
        {
            throw new ArgumentException($"{MilestoneOptions.Section}:Topic must not be empty.", nameof(configuration));
        }

        services.Replace(ServiceDescriptor.Singleton(_ => string.IsNullOrWhiteSpace(options.ConnectionString)
            ? new ServiceBusClient(options.FullyQualifiedNamespace, new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = options.ManagedIdentityClientId }))
            : new ServiceBusClient(options.ConnectionString)));
        services.Replace(ServiceDescriptor.Singleton(sp => sp.GetRequiredService<ServiceBusClient>().CreateSender(options.Topic)));
        services.Replace(ServiceDescriptor.Singleton<IMilestonePublisher>(sp => new ServiceBusMilestonePublisher(sp.GetRequiredService<ServiceBusSender>())));
        services.Replace(ServiceDescriptor.Singleton(new MilestonePublishing(true)));
        return services;
    }

    private static bool IsKey(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) && written >= 32;
    }
}
