using System.Net;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>
/// POST /api/customers/{id}/erase and GET /api/audit/erasures: who may, what is left, and what happens next, on the default
/// (SQLite) stores. (The Azure Tables data stores' erasure is tested in Storage.AzureStorage.Tests; the API on the
/// DurableTaskAzureStorage engine follows once the erasure service runs on the engine-neutral client.)
/// </summary>
public class ErasureApiTests : IAsyncLifetime
{
    private const string Address = "anna@example.com";
    private readonly HostFactory _host;

    public ErasureApiTests()
        : this(null)
    {
    }

    /// <param name="settings">Configuration over the test host's defaults (e.g. another storage provider).</param>
    protected ErasureApiTests(IReadOnlyDictionary<string, string?>? settings) => _host = new HostFactory(settings: settings);

    protected HostFactory Host => _host;
    protected HttpClient Dealer => _host.Client(HostFactory.DealerKey);
    private HttpClient OtherDealer => _host.Client(HostFactory.OtherDealerKey);
    protected HttpClient Admin => _host.Client(HostFactory.AdminKey);

    protected static string EraseUri(string customer = "cust-1", string dealer = HostFactory.Dealer) => $"/api/customers/{customer}/erase?dealerId={dealer}";

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Erase_WithoutAdminKey_IsRefused()
    {
        await Dealer.StartByBrochureAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, (await _host.Client(null).PostAsync(U(EraseUri()), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Dealer.PostAsync(U(EraseUri()), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _host.Client(HostFactory.MarketingKey).PostAsync(U(EraseUri()), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Dealer.GetAsync(U("/api/audit/erasures"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Dealer.GetAsync(U($"/api/customers/cust-1?dealerId={HostFactory.Dealer}"))).StatusCode);
    }

    [Fact]
    public async Task Erase_UnknownCustomerOrMissingDealer_ProblemDetails()
    {
        await (await Admin.PostAsync(U(EraseUri("nobody")), null)).ProblemAsync(HttpStatusCode.NotFound);
        await (await Admin.PostAsync(U("/api/customers/cust-1/erase"), null)).ProblemAsync(HttpStatusCode.BadRequest, "dealerId");
        await (await Admin.GetAsync(U("/api/audit/erasures?limit=0"))).ProblemAsync(HttpStatusCode.BadRequest, "limit");
        Assert.Empty((await Admin.OkJsonAsync("/api/audit/erasures"))["erasures"]!.AsArray());
    }

    [Fact]
    public async Task Erase_CustomerWithARunningJourney_NothingPersonalIsReadableAnywhereAndTheJourneyHasEnded()
    {
        var journey = await Dealer.StartByBrochureAsync();
        var other = await OtherDealer.StartByBrochureAsyncFor(HostFactory.OtherDealer);
        await _host.SettleAsync();
        await Admin.AdvanceAsync("P3D"); // the invitation e-mail and the call task
        await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("quote.sent", "evt-q", data: new { note = "Anna wants red" }));
        Assert.NotEmpty((await Dealer.OkJsonAsync("/api/tasks"))["items"]!.AsArray());
        Assert.NotEmpty((await Dealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());

        var record = await (await Admin.PostAsync(U(EraseUri()), null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal("completed", record["state"]!.GetValue<string>());
        Assert.Equal(HostFactory.Dealer, record["dealerId"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{64}$", record["customerHash"]!.GetValue<string>());
        Assert.Equal("admin", record["actor"]!.GetValue<string>());
        Assert.Equal(1, record["journeys"]!.GetValue<int>());
        Assert.True(record["profile"]!.GetValue<bool>());
        Assert.True(record["tasks"]!.GetValue<int>() >= 1);
        Assert.True(record["mailboxMessages"]!.GetValue<int>() >= 2);
        Assert.True(record["touchpoints"]!.GetValue<int>() >= 3);
        AssertNothingPersonal(record.ToJsonString());

        // Every route that could show the customer.
        await (await Dealer.GetAsync(U($"/api/customers/cust-1?dealerId={HostFactory.Dealer}"))).ProblemAsync(HttpStatusCode.NotFound);
        // The journey was ended and purged from the engine: it answers 410 (gone), and nothing of it is left to show.
        AssertNothingPersonal((await (await Dealer.GetAsync(U($"/api/journeys/{journey}?history=true"))).ProblemAsync(HttpStatusCode.Gone)).ToJsonString());
        await (await Dealer.GetAsync(U($"/api/journeys/{journey}/touchpoints"))).ProblemAsync(HttpStatusCode.Gone);
        Assert.Null(await Host.Services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>().GetInstanceAsync(journey));
        AssertNothingPersonal((await Dealer.OkJsonAsync("/api/journeys")).ToJsonString());
        Assert.Empty((await Dealer.OkJsonAsync("/api/journeys?customer=cust-1"))["items"]!.AsArray());
        AssertNothingPersonal((await Dealer.OkJsonAsync("/api/tasks")).ToJsonString());
        Assert.Empty((await Dealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());
        AssertNothingPersonal((await Admin.OkJsonAsync("/api/audit/erasures")).ToJsonString());

        // The journey takes nothing more, and time passing sends nothing.
        await (await Dealer.PostJsonAsync($"/api/journeys/{journey}/events/testdrive.booked?eventId=evt-late", new { })).ProblemAsync(HttpStatusCode.Gone);
        await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("testdrive.booked", "evt-late2"))).ProblemAsync(HttpStatusCode.NotFound);
        await Admin.AdvanceAsync("P60D");
        Assert.Empty((await Dealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());
        Assert.Empty((await Dealer.OkJsonAsync("/api/tasks"))["items"]!.AsArray());

        // The other dealer's customer with the same id and address is untouched.
        Assert.Equal(HttpStatusCode.OK, (await OtherDealer.GetAsync(U($"/api/customers/cust-1?dealerId={HostFactory.OtherDealer}"))).StatusCode);
        Assert.NotEqual("Terminated", (await OtherDealer.OkJsonAsync($"/api/journeys/{other}"))["status"]!.GetValue<string>());
        Assert.NotEmpty((await OtherDealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Erase_JourneyKeyedByTheAddressWithACrmDeadLetter_KeyTagReplacedAndOnlyThatDeadLetterRemoved()
    {
        var journey = await Dealer.StartByBrochureAsync(journeyKey: Address); // dealers use e-mail addresses as keys
        await Host.SettleAsync();
        var letters = Host.Services.GetRequiredService<JourneyOrchestrator.Templates.Delivery.IDeadLetterStore>();
        await letters.UpsertDeadLetterAsync(DeadLetter("crm:t-1", HostFactory.Dealer, journey));
        await letters.UpsertDeadLetterAsync(DeadLetter("crm:t-2", HostFactory.Dealer, "j-another-customer"));
        await letters.UpsertDeadLetterAsync(DeadLetter("crm:t-3", HostFactory.OtherDealer, journey));

        var record = await (await Admin.PostAsync(U(EraseUri()), null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(1, record["deadLetters"]!.GetValue<int>());
        Assert.Equal(["crm:t-2"], (await letters.ListDeadLettersAsync(HostFactory.Dealer)).Select(l => l.Id));
        Assert.Single(await letters.ListDeadLettersAsync(HostFactory.OtherDealer));
        var detail = await (await Admin.GetAsync(U($"/api/journeys/{journey}"))).ProblemAsync(HttpStatusCode.Gone); // purged: the key was only in its input
        Assert.DoesNotContain(Address, detail.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        var row = await Host.Services.GetRequiredService<JourneyOrchestrator.Templates.Data.IJourneyIndex>().GetAsync(journey);
        Assert.Null(row!.KeyHash);
        Assert.StartsWith("erased-", row.CustomerId, StringComparison.Ordinal);
        Assert.DoesNotContain(Address, (await Admin.OkJsonAsync($"/api/journeys?dealer={HostFactory.Dealer}")).ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    private static JourneyOrchestrator.Templates.Delivery.DeadLetter DeadLetter(string id, string dealer, string journey) => new()
    {
        Id = id, Channel = "crm", DealerId = dealer, TaskId = id["crm:".Length..], JourneyId = journey,
        LastError = "CRM of dealer answered 500 Internal Server Error.", Attempts = 6, FailedAt = HostFactory.Start,
    };

    [Fact]
    public async Task Erase_Twice_AnswersTheSameRecordAndTheAuditTrailHasOne()
    {
        await Dealer.StartByBrochureAsync();
        await _host.SettleAsync();

        var first = await (await Admin.PostAsync(U(EraseUri()), null)).ReadJsonAsync(HttpStatusCode.OK);
        var second = await (await Admin.PostAsync(U(EraseUri()), null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(first.ToJsonString(), second.ToJsonString());
        var trail = (await Admin.OkJsonAsync($"/api/audit/erasures?dealerId={HostFactory.Dealer}"))["erasures"]!.AsArray();
        Assert.Equal(first["id"]!.GetValue<string>(), Assert.Single(trail)!["id"]!.GetValue<string>());
        Assert.Empty((await Admin.OkJsonAsync($"/api/audit/erasures?dealerId={HostFactory.OtherDealer}"))["erasures"]!.AsArray());
    }

    [Fact]
    public async Task Erase_ThenReCreatedWithTheSameAddress_NoMailUntilConsentIsGivenAgain_ThenAFreshJourney()
    {
        var first = await Dealer.StartByBrochureAsync();
        await _host.SettleAsync();
        await (await Admin.PostAsync(U(EraseUri()), null)).ReadJsonAsync(HttpStatusCode.OK);

        // Back without consent: a fresh journey (new id), and no e-mail goes to the erased address.
        var again = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events",
            CustomerEvent("brochure.downloaded", "evt-again", customer: Customer("cust-1", Address, consent: false)))).ReadJsonAsync(HttpStatusCode.Accepted);
        var fresh = again["journeyIds"]![0]!.GetValue<string>();
        Assert.NotEqual(first, fresh);
        await _host.SettleAsync();
        await Admin.AdvanceAsync("P1D");
        Assert.Empty((await Dealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());

        // Consent given again: e-mail flows to the address once more.
        var put = await Dealer.PutJsonAsync("/api/customers/cust-1", new { dealerId = HostFactory.Dealer, email = Address, firstName = "Anna", lastName = "de Vries", locale = "nl-NL", consent = new { email = true } });
        await put.ReadJsonAsync(HttpStatusCode.OK);
        await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("brochure.downloaded", "evt-third", journeyKey: "deal-2"))).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();
        var mail = (await Dealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray();
        Assert.Equal(Address, Assert.Single(mail)!["to"]!.GetValue<string>());
    }

    private static void AssertNothingPersonal(string json)
    {
        foreach (var personal in new[] { Address, "Anna", "Vries", "Hybrid X", "wants red", "cust-1" })
        {
            Assert.DoesNotContain(personal, json, StringComparison.OrdinalIgnoreCase);
        }
    }
}

internal static class ErasureApiTestExtensions
{
    /// <summary>brochure.downloaded for cust-1 with the same address, at another dealer.</summary>
    public static async Task<string> StartByBrochureAsyncFor(this HttpClient dealer, string dealerId)
    {
        var response = await dealer.PostJsonAsync("/api/customers/cust-1/events",
            CustomerEvent("brochure.downloaded", "evt-brochure", dealerId: dealerId, customer: Customer("cust-1"), data: new { model = "Hybrid X" }));
        return (await response.ReadJsonAsync(HttpStatusCode.Accepted))["journeyIds"]!.AsArray().Single()!.GetValue<string>();
    }
}

/// <summary>An erase that dies half-way (after the journeys, before the profile) is finished by calling it again.</summary>
public sealed class ErasureCrashTests : IAsyncLifetime
{
    private readonly HostFactory _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Erase_CrashBeforeTheProfileIsDeleted_CallingAgainFinishesItWithOneAuditRecord()
    {
        var crashing = _host.WithWebHostBuilder(b => b.ConfigureServices(services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IJourneyDataStore));
            services.Remove(original);
            services.AddSingleton<IJourneyDataStore>(sp => new CrashOnceOnEraseDataStore((IJourneyDataStore)original.ImplementationFactory!(sp)));
        }));
        try
        {
            await EraseCrashingThenAgainAsync(crashing);
        }
        finally
        {
            try
            {
                await crashing.DisposeAsync();
            }
            catch (ObjectDisposedException)
            {
                // The factory and the entry point both stop the host (see HostFactory.DisposeAsync); it has stopped.
            }
        }
    }

    private static async Task EraseCrashingThenAgainAsync(Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> crashing)
    {
        var dealer = crashing.CreateClient();
        dealer.DefaultRequestHeaders.Add("X-Api-Key", HostFactory.DealerKey);
        var admin = crashing.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", HostFactory.AdminKey);
        var journey = await dealer.StartByBrochureAsync();
        await admin.AdvanceAsync("PT0S");
        var uri = U($"/api/customers/cust-1/erase?dealerId={HostFactory.Dealer}");

        await (await admin.PostAsync(uri, null)).ProblemAsync(HttpStatusCode.InternalServerError);
        var started = Assert.Single((await admin.OkJsonAsync("/api/audit/erasures"))["erasures"]!.AsArray())!;
        Assert.Equal("started", started["state"]!.GetValue<string>());
        await (await dealer.GetAsync(U($"/api/journeys/{journey}"))).ProblemAsync(HttpStatusCode.Gone); // ended and purged before the crash
        Assert.Equal(HttpStatusCode.OK, (await dealer.GetAsync(U($"/api/customers/cust-1?dealerId={HostFactory.Dealer}"))).StatusCode);

        var finished = await (await admin.PostAsync(uri, null)).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(started["id"]!.GetValue<string>(), finished["id"]!.GetValue<string>());
        Assert.Equal(("completed", 1, true), (finished["state"]!.GetValue<string>(), finished["journeys"]!.GetValue<int>(), finished["profile"]!.GetValue<bool>()));
        Assert.Single((await admin.OkJsonAsync("/api/audit/erasures"))["erasures"]!.AsArray());
        await (await dealer.GetAsync(U($"/api/customers/cust-1?dealerId={HostFactory.Dealer}"))).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(finished.ToJsonString(), (await (await admin.PostAsync(uri, null)).ReadJsonAsync(HttpStatusCode.OK)).ToJsonString());
    }

    /// <summary>Throws from the first <see cref="IJourneyDataStore.EraseCustomerAsync"/> before doing anything: the process "died" there.</summary>
    private sealed class CrashOnceOnEraseDataStore(IJourneyDataStore inner) : IJourneyDataStore
    {
        private int _crashed;

        public Task InitializeAsync(CancellationToken cancellationToken = default) => inner.InitializeAsync(cancellationToken);
        public ValueTask DisposeAsync() => inner.DisposeAsync();
        public Task<int> PublishTemplateAsync(JourneyTemplate template, string source, string contentType, DateTimeOffset now, IReadOnlyDictionary<string, int>? emailVersions = null, CancellationToken cancellationToken = default) =>
            inner.PublishTemplateAsync(template, source, contentType, now, emailVersions, cancellationToken);
        public Task<PublishedTemplate?> GetTemplateAsync(string id, int? version = null, CancellationToken cancellationToken = default) => inner.GetTemplateAsync(id, version, cancellationToken);
        public Task<IReadOnlyList<TemplateSummary>> ListTemplatesAsync(CancellationToken cancellationToken = default) => inner.ListTemplatesAsync(cancellationToken);
        public Task<IReadOnlyList<int>> ListTemplateVersionsAsync(string id, CancellationToken cancellationToken = default) => inner.ListTemplateVersionsAsync(id, cancellationToken);
        public Task UpsertCustomerAsync(CustomerProfile customer, CancellationToken cancellationToken = default) => inner.UpsertCustomerAsync(customer, cancellationToken);
        public Task<CustomerProfile?> GetCustomerAsync(string dealerId, string customerId, CancellationToken cancellationToken = default) => inner.GetCustomerAsync(dealerId, customerId, cancellationToken);
        public Task<bool> CreateTaskAsync(SalesTask task, CancellationToken cancellationToken = default) => inner.CreateTaskAsync(task, cancellationToken);
        public Task<SalesTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken = default) => inner.GetTaskAsync(taskId, cancellationToken);
        public Task<IReadOnlyList<SalesTask>> ListTasksAsync(string? dealerId, string? status, CancellationToken cancellationToken = default) => inner.ListTasksAsync(dealerId, status, cancellationToken);
        public Task<SalesTask?> ReassignTaskAsync(string taskId, string assignee, CancellationToken cancellationToken = default) => inner.ReassignTaskAsync(taskId, assignee, cancellationToken);
        public Task<SalesTask?> CompleteTaskAsync(string taskId, string outcome, string? notes, DateTimeOffset now, string? completedBy = null, CancellationToken cancellationToken = default) =>
            inner.CompleteTaskAsync(taskId, outcome, notes, now, completedBy, cancellationToken);
        public Task<bool> AddTouchpointAsync(Touchpoint touchpoint, CancellationToken cancellationToken = default) => inner.AddTouchpointAsync(touchpoint, cancellationToken);
        public Task<IReadOnlyList<Touchpoint>> ListTouchpointsAsync(string journeyId, CancellationToken cancellationToken = default) => inner.ListTouchpointsAsync(journeyId, cancellationToken);
        public Task<bool> AddMailAsync(MailboxMessage message, CancellationToken cancellationToken = default) => inner.AddMailAsync(message, cancellationToken);
        public Task<IReadOnlyList<MailboxMessage>> ListMailAsync(string? to, string? journeyId, int limit, CancellationToken cancellationToken = default) =>
            inner.ListMailAsync(to, journeyId, limit, cancellationToken);
        public Task<CustomerErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string pseudonym, CancellationToken cancellationToken = default) =>
            Interlocked.Exchange(ref _crashed, 1) == 0
                ? throw new IOException("simulated crash before the profile was deleted")
                : inner.EraseCustomerAsync(dealerId, customerId, email, pseudonym, cancellationToken);
        public Task SaveErasureAsync(ErasureRecord record, CancellationToken cancellationToken = default) => inner.SaveErasureAsync(record, cancellationToken);
        public Task<IReadOnlyList<ErasureRecord>> ListErasuresAsync(string? dealerId, string? customerHash, int limit, CancellationToken cancellationToken = default) =>
            inner.ListErasuresAsync(dealerId, customerHash, limit, cancellationToken);
    }
}
