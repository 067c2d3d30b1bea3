using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Runtime;
using Microsoft.DurableTask;
using JourneyOrchestrator.Delivery.Consent;
using JourneyOrchestrator.Delivery.Email;
using JourneyOrchestrator.Templates.Activities;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Delivery.Tests.Support;

public sealed class TestOptionsMonitor<T>(T value) : IOptionsMonitor<T>
{
    public T CurrentValue => value;

    public T Get(string? name) => value;

    public IDisposable? OnChange(Action<T, string?> listener) => null;
}

/// <summary>A delivery store that "crashes" (throws) the first time a send is recorded as sent: SendGrid accepted, the process died.</summary>
public sealed class CrashAfterAcceptStore(IDeliveryStore inner) : IDeliveryStore
{
    private int _crashed;

    public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

    public Task<SendClaim> ClaimSendAsync(OutboundSend send, CancellationToken cancellationToken = default) => inner.ClaimSendAsync(send, cancellationToken);

    public Task UpdateSendAsync(string key, string state, string? detail, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        state == SendStates.Sent && Interlocked.Exchange(ref _crashed, 1) == 0
            ? throw new IOException("simulated crash between 'SendGrid accepted' and 'recorded'")
            : inner.UpdateSendAsync(key, state, detail, now, cancellationToken);

    public Task<OutboundSend?> GetSendAsync(string key, CancellationToken cancellationToken = default) => inner.GetSendAsync(key, cancellationToken);

    public Task<IReadOnlyList<DateTimeOffset>> ListSentAtAsync(string dealerId, string customerId, string category, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        inner.ListSentAtAsync(dealerId, customerId, category, since, cancellationToken);

    public Task<bool> AddSuppressionAsync(Suppression suppression, CancellationToken cancellationToken = default) => inner.AddSuppressionAsync(suppression, cancellationToken);

    public Task<IReadOnlyList<Suppression>> FindSuppressionsAsync(string dealerId, string? customerId, string? email, CancellationToken cancellationToken = default) =>
        inner.FindSuppressionsAsync(dealerId, customerId, email, cancellationToken);

    public Task<bool> HasWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken = default) => inner.HasWebhookEventAsync(provider, eventId, cancellationToken);

    public Task<bool> TryRecordWebhookEventAsync(string provider, string eventId, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.TryRecordWebhookEventAsync(provider, eventId, now, cancellationToken);

    public Task<DeliveryErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string? addressHash, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.EraseCustomerAsync(dealerId, customerId, email, addressHash, now, cancellationToken);

    public Task<DateTimeOffset?> GetErasedAddressAsync(string dealerId, string addressHash, CancellationToken cancellationToken = default) =>
        inner.GetErasedAddressAsync(dealerId, addressHash, cancellationToken);
}

/// <summary>The send-e-mail activity wired to the SendGrid sender and a fake SendGrid, on a fake clock.</summary>
public sealed class EmailRig : IDisposable
{
    public const string Dealer = "d1";
    public const string Customer = "c1";

    private readonly HttpClient _http = new();

    public EmailRig(FakeSendGridServer server, IDeliveryStore? delivery = null, EmailDeliveryOptions? policy = null)
    {
        Options = new JourneyEmailOptions
        {
            Provider = EmailProviders.SendGrid,
            SendGrid = new SendGridOptions { ApiKey = FakeSendGridServer.ApiKey, BaseUrl = server.BaseUrl },
            From = new SenderOptions { Address = "hello@dealer.example", Name = "Default Dealer" },
            Dealers = { [Dealer] = new DealerEmailOptions { FromAddress = "sales@autohaus.example", FromName = "Autohaus Berg" } },
        };
        Delivery = delivery ?? new InMemoryDeliveryStore();
        Links = new UnsubscribeTokens(new byte[32], new Uri("https://journeys.example.com/"), TimeSpan.FromDays(60), Time);
        Sender = new SendGridEmailSender(_http, new TestOptionsMonitor<JourneyEmailOptions>(Options), Time, NullLogger<SendGridEmailSender>.Instance);
        Policy = policy ?? new EmailDeliveryOptions();
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero));
    public InMemoryJourneyDataStore Data { get; } = new();
    public IDeliveryStore Delivery { get; set; }
    public JourneyEmailOptions Options { get; }
    public UnsubscribeTokens Links { get; }
    public SendGridEmailSender Sender { get; }
    public EmailDeliveryOptions Policy { get; set; }

    public SendEmailActivity Activity() =>
        new(Data, new FileEmailTemplateSource(Repo.EmailsFolder), new LiquidRenderer(), Sender, Time, Delivery, Policy, Links);

    public Task SeedCustomerAsync(bool consent = true) => Data.UpsertCustomerAsync(new CustomerProfile
    {
        Id = Customer, DealerId = Dealer, Email = "anna@example.com", FirstName = "Anna", Consent = new ConsentSettings { Email = consent },
    });

    public static TaskActivityContext Context { get; } = new EmbeddedActivityContext(new TaskName("journey.send-email"), "journey-1");

    /// <summary>A delivery key as the interpreter makes them (one per occurrence of a step).</summary>
    public static string Key(int occurrence = 4) => $"journey-1:run-1:0:first-seasonal-check:{occurrence}";

    public static SendEmailRequest Request(string category = "marketing", string? deliveryKey = null, string? templateId = null, int attempt = 1, int maxAttempts = 3, string? capped = null) => new()
    {
        JourneyId = "journey-1",
        DealerId = Dealer,
        CustomerId = Customer,
        TemplateId = "new-car-purchase",
        TemplateVersion = 1,
        StepId = "first-seasonal-check",
        Email = "seasonal-check",
        Category = category,
        Model = new JsonObject { ["data"] = new JsonObject { ["model"] = "Hybrid X" } },
        Cause = new TouchpointCause("timer"),
        DeliveryKey = deliveryKey ?? Key(),
        SendGridTemplateId = templateId,
        DeliveryAttempt = attempt,
        MaxDeliveryAttempts = maxAttempts,
        Capped = capped,
    };

    public void Dispose() => _http.Dispose();
}
