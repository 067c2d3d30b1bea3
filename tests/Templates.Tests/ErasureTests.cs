using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Runtime;
using Microsoft.DurableTask;
using JourneyOrchestrator.Templates.Activities;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>After an erase: no e-mail to the erased address (even from an activity that was already running), no task, and the redaction and hashes.</summary>
public sealed class ErasureTests
{
    private const string Address = "anna@example.com";
    private readonly InMemoryJourneyDataStore _data = new();
    private readonly InMemoryDeliveryStore _delivery = new();
    private readonly ErasureHasher _hasher = new(new byte[32]);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero));
    private const string Key = "journey-1:run-1:0:4";
    private readonly TaskActivityContext _context = new EmbeddedActivityContext(new TaskName("journey.send-email"), "journey-1");

    private SendEmailActivity Email(IDeliveryStore? delivery = null) =>
        new(_data, new FileEmailTemplateSource(Repo.EmailsFolder), new LiquidRenderer(), new DevMailboxEmailSender(_data, _time), _time,
            delivery ?? _delivery, erasureHasher: _hasher);

    /// <summary>The journey's snapshot still carries the address, as an erased journey's in-flight activity input would.</summary>
    private static SendEmailRequest Request(string email = "seasonal-check", string category = "marketing") => new()
    {
        JourneyId = "journey-1", DealerId = "d1", CustomerId = "c1", TemplateId = "new-car-purchase", TemplateVersion = 1, StepId = "step",
        Email = email, Category = category, Cause = new TouchpointCause("timer"), DeliveryKey = Key,
        Model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = "Anna", ["email"] = Address, ["consent"] = new JsonObject { ["email"] = true } } },
    };

    private Task UpsertAsync(bool consent) => _data.UpsertCustomerAsync(new CustomerProfile
    {
        Id = "c1", DealerId = "d1", Email = Address, FirstName = "Anna", Consent = new ConsentSettings { Email = consent }, UpdatedAt = _time.GetUtcNow(),
    });

    private Task<DeliveryErasure> EraseAsync() => _delivery.EraseCustomerAsync("d1", "c1", Address, _hasher.AddressHash("d1", Address), _time.GetUtcNow());

    [Fact]
    public async Task SendEmail_ErasedCustomerWithoutProfile_SendsNothingEvenTransactional_TouchpointUnderThePseudonym()
    {
        await EraseAsync();

        var marketing = await Email().RunAsync(_context, Request());
        var transactional = await Email().RunAsync(_context, Request("delivery-date-confirmation", "transactional") with { DeliveryKey = "journey-1:run-1:0:5" });

        Assert.Equal((EmailStatuses.Suppressed, EmailStatuses.Suppressed), (marketing.Status, transactional.Status));
        Assert.Empty(_data.Mail);
        Assert.All(_data.Touchpoints, t => Assert.Equal(_hasher.Pseudonym("d1", "c1"), t.CustomerId));
        Assert.Empty(_delivery.Sends);
    }

    [Fact]
    public async Task SendEmail_RecreatedWithTheSameAddress_BlockedUntilConsentIsGivenAgain()
    {
        await UpsertAsync(consent: true);
        _time.Advance(TimeSpan.FromDays(1));
        await EraseAsync();
        _time.Advance(TimeSpan.FromDays(1));
        await UpsertAsync(consent: false);

        var withoutConsent = await Email().RunAsync(_context, Request("delivery-date-confirmation", "transactional"));
        _time.Advance(TimeSpan.FromHours(1));
        await UpsertAsync(consent: true);
        var withConsent = await Email().RunAsync(_context, Request() with { DeliveryKey = "journey-1:run-1:0:5" });

        Assert.Equal(EmailStatuses.Suppressed, withoutConsent.Status);
        Assert.Equal(EmailStatuses.Sent, withConsent.Status);
        Assert.Equal(Address, Assert.Single(_data.Mail).To);
    }

    [Fact]
    public async Task SendEmail_OldProfileReadBeforeTheErase_DoesNotCountAsConsent()
    {
        await UpsertAsync(consent: true); // consent given before the erase: it ends with the erase
        _time.Advance(TimeSpan.FromMinutes(1));
        await EraseAsync();

        var result = await Email().RunAsync(_context, Request());

        Assert.Equal(EmailStatuses.Suppressed, result.Status);
        Assert.Empty(_data.Mail);
    }

    [Fact]
    public async Task SendEmail_EraseWhileTheActivityRuns_LastCheckBeforeTheProviderStopsIt()
    {
        await UpsertAsync(consent: true);
        var erasing = new EraseOnClaimStore(_delivery, () =>
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            return EraseAsync();
        });

        var result = await Email(erasing).RunAsync(_context, Request());

        Assert.Equal(EmailStatuses.Suppressed, result.Status);
        Assert.Empty(_data.Mail);
        Assert.Equal(SendStates.Failed, Assert.Single(_delivery.Sends).State);
    }

    [Fact]
    public async Task SendEmail_OtherDealersSameAddress_IsNotBlocked()
    {
        await EraseAsync();
        await _data.UpsertCustomerAsync(new CustomerProfile { Id = "c1", DealerId = "d2", Email = Address, Consent = new ConsentSettings { Email = true } });

        var result = await Email().RunAsync(_context, Request() with { DealerId = "d2" });

        Assert.Equal(EmailStatuses.Sent, result.Status);
    }

    [Fact]
    public async Task CreateTask_ErasedCustomer_CreatesNothing_ButAReCreatedOneGetsTasks()
    {
        var activity = new CreateTaskActivity(_data, new LiquidRenderer(), _time, _hasher);
        var request = new CreateTaskRequest
        {
            TaskId = Key, JourneyId = "journey-1", DealerId = "d1", CustomerId = "c1", StepId = "call", Task = "call", Title = "Call {{ customer.firstName }}",
            DueAt = _time.GetUtcNow().AddHours(4), Model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = "Anna" } },
            Cause = new TouchpointCause("timer"),
        };
        await _data.SaveErasureAsync(new ErasureRecord
        {
            Id = "e-1", DealerId = "d1", CustomerHash = _hasher.CustomerHash("d1", "c1"), State = ErasureStates.Completed, Actor = "admin", RequestedAt = _time.GetUtcNow(),
        });

        await activity.RunAsync(_context, request);
        Assert.Empty(_data.Tasks);
        Assert.Empty(_data.Touchpoints);

        await UpsertAsync(consent: false);
        await activity.RunAsync(_context, request with { TaskId = "journey-1:run-1:0:9" });
        Assert.Single(_data.Tasks);
    }

    [Fact]
    public void Hasher_AddressIsCaseAndSpaceInsensitive_DealerAndKeyMatter()
    {
        Assert.Equal(_hasher.AddressHash("d1", " Anna@Example.COM "), _hasher.AddressHash("d1", Address));
        Assert.NotEqual(_hasher.AddressHash("d1", Address), _hasher.AddressHash("d2", Address));
        Assert.NotEqual(_hasher.AddressHash("d1", Address), new ErasureHasher(Enumerable.Repeat((byte)7, 32).ToArray()).AddressHash("d1", Address));
        Assert.NotEqual(_hasher.CustomerHash("d1", "c1"), _hasher.AddressHash("d1", "c1"));
        Assert.Matches("^erased-[0-9a-f]{16}$", _hasher.Pseudonym("d1", "c1"));
        Assert.Throws<ArgumentException>(() => new ErasureHasher(new byte[16]));
    }

    /// <summary>Runs the erase right before the ledger claim: the activity has read the profile and checked the marker already.</summary>
    private sealed class EraseOnClaimStore(InMemoryDeliveryStore inner, Func<Task> erase) : IDeliveryStore
    {
        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);

        public async Task<SendClaim> ClaimSendAsync(OutboundSend send, CancellationToken cancellationToken = default)
        {
            await erase();
            return await inner.ClaimSendAsync(send, cancellationToken);
        }

        public Task UpdateSendAsync(string key, string state, string? detail, DateTimeOffset now, CancellationToken cancellationToken = default) =>
            inner.UpdateSendAsync(key, state, detail, now, cancellationToken);

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
}
