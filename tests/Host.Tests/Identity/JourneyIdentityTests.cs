using System.Net;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using Microsoft.Extensions.DependencyInjection;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Identity;

/// <summary>
/// Journey identity in memory, where a test can also reach the runtime directly: what no API call can create (another
/// dealer's journey at a derived id) is planted there, to show an entry event still never joins it.
/// </summary>
public sealed class JourneyIdentityTests : IAsyncLifetime
{
    private readonly HostFactory _host = new();
    private HttpClient Dealer => _host.Client(HostFactory.DealerKey);
    private HttpClient Other => _host.Client(HostFactory.OtherDealerKey);
    private HttpClient Admin => _host.Client(HostFactory.AdminKey);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task EntryEvent_DerivedIdHeldByAnotherDealersJourney_NeverRaisedIntoIt_StartsItsOwnElsewhere()
    {
        var client = _host.Services.GetRequiredService<JourneyClient>();
        var ids = _host.Services.GetRequiredService<JourneyIds>();
        var taken = ids.ForEntry(HostFactory.Dealer, "cust-1", "new-car-purchase", "deal-1");
        await (await Other.PutJsonAsync("/api/customers/cust-1", new { dealerId = HostFactory.OtherDealer, email = "mallory@example.com", firstName = "M", lastName = "B", locale = "en-GB", consent = new { email = true } }))
            .ReadJsonAsync(HttpStatusCode.Created);
        await client.StartAsync(JourneyNames.Orchestration, new JourneyInput
        {
            TemplateId = "new-car-purchase",
            TemplateVersion = 1,
            DealerId = HostFactory.OtherDealer,
            CustomerId = "cust-1",
            Data = [],
        }, new StartOptions
        {
            InstanceId = taken,
            Version = "1",
            Tags = new Dictionary<string, string> { ["dealer"] = HostFactory.OtherDealer, ["customer"] = "cust-1", ["template"] = "new-car-purchase" },
        });
        await _host.SettleAsync();

        var body = CustomerEvent("brochure.downloaded", "evt-1", customer: Customer(), data: new { model = "Hybrid X" });
        var first = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", body)).ReadJsonAsync(HttpStatusCode.Accepted);
        var retry = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", body)).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();

        var own = first["journeyIds"]!.AsArray().Single()!.GetValue<string>();
        Assert.Equal(ids.Detour(taken, "evt-1"), own);
        Assert.Equal("started", first["journeys"]![0]!["outcome"]!.GetValue<string>());
        Assert.Equal([own], retry["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        Assert.Equal("duplicate", retry["journeys"]![0]!["outcome"]!.GetValue<string>());
        var squatter = await client.GetStatusAsync(taken, includeHistory: true);
        Assert.DoesNotContain(squatter!.History!, e => e is ExternalEventReceived);
        Assert.DoesNotContain("anna@example.com", squatter.Instance.Input ?? "", StringComparison.Ordinal);
        var journey = await Dealer.OkJsonAsync($"/api/journeys/{own}");
        Assert.Equal((HostFactory.Dealer, "cust-1", "deal-1"), (journey["dealerId"]!.GetValue<string>(), journey["customerId"]!.GetValue<string>(), journey["journeyKey"]!.GetValue<string>()));
        await (await Dealer.GetAsync(U($"/api/journeys/{taken}"))).ProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(own, (await Other.OkJsonAsync("/api/journeys")).ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JourneyKey_AnEMailAddress_NotInTheTags_StillFindsTheJourney()
    {
        const string key = "anna.devries@example.com";
        var id = await Dealer.StartByBrochureAsync("cust-1", "evt-1", key);
        await _host.SettleAsync();

        var instance = (await _host.Services.GetRequiredService<JourneyClient>().GetStatusAsync(id))!.Instance;
        Assert.Empty(instance.Tags); // the journey index knows the owner; the engine's instance carries no tags
        var row = await _host.Services.GetRequiredService<IJourneyIndex>().GetAsync(id);
        Assert.Equal(_host.Services.GetRequiredService<JourneyIds>().KeyTag(HostFactory.Dealer, "cust-1", key), row!.KeyHash);
        Assert.Equal(key, (await Dealer.OkJsonAsync($"/api/journeys/{id}"))["journeyKey"]!.GetValue<string>());
        Assert.Equal(key, (await Dealer.OkJsonAsync("/api/journeys"))["items"]![0]!["journeyKey"]!.GetValue<string>());

        var booked = CustomerEvent("testdrive.booked", "evt-2", journeyKey: key, data: new { testDriveAt = "2026-01-09T14:00:00Z" });
        var other = CustomerEvent("testdrive.booked", "evt-3", journeyKey: "another-key");
        var raised = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", booked)).ReadJsonAsync(HttpStatusCode.Accepted);
        var missed = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", other)).ReadJsonAsync(HttpStatusCode.Accepted);
        var again = await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("brochure.downloaded", "evt-4", journeyKey: key))).ReadJsonAsync(HttpStatusCode.Accepted);
        await _host.SettleAsync();

        Assert.Equal([id], raised["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        Assert.Equal("raised", raised["journeys"]![0]!["outcome"]!.GetValue<string>());
        Assert.Empty(missed["journeyIds"]!.AsArray());
        Assert.Equal([id], again["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>())); // the running journey of the key: no second one
        Assert.Equal("choice", (await Dealer.OkJsonAsync($"/api/journeys/{id}"))["phase"]!.GetValue<string>());
    }

    [Fact]
    public async Task StartJourney_ChosenInstanceId_DealerKey422PointingToJourneyKey_AdminReservedPrefix422()
    {
        object Request(string instanceId) => new { template = "new-car-purchase", instanceId, dealerId = HostFactory.Dealer, customer = Customer() };

        var dealer = await (await Dealer.PostJsonAsync("/api/journeys", Request("my-journey"))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.instanceId");
        var reserved = await (await Admin.PostJsonAsync("/api/journeys", Request("j-new-car-purchase-0123"))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.instanceId");
        var upper = await (await Admin.PostJsonAsync("/api/journeys", Request("J-x"))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.instanceId");

        Assert.Contains("journeyKey", dealer.ToJsonString(), StringComparison.Ordinal);
        Assert.Contains("'j-'", reserved["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(reserved["detail"]!.ToJsonString(), upper["detail"]!.ToJsonString());
        Assert.Empty((await Admin.OkJsonAsync("/api/journeys"))["items"]!.AsArray()); // nothing started
        Assert.Null(await _host.Services.GetRequiredService<IJourneyDataStore>().GetCustomerAsync(HostFactory.Dealer, "cust-1", default)); // nothing stored
    }
}
