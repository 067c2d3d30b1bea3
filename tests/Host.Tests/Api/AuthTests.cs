using System.Net;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>API keys, roles and dealer isolation.</summary>
public sealed class AuthTests(SharedHost shared) : IClassFixture<SharedHost>
{
    private readonly HostFactory _host = shared.Host;

    public static TheoryData<string, string> ProtectedRoutes => new()
    {
        { "GET", "/api/journeys" },
        { "POST", "/api/journeys" },
        { "GET", "/api/journeys/x" },
        { "GET", "/api/journeys/x/touchpoints" },
        { "POST", "/api/journeys/x/events/testdrive.booked" },
        { "POST", "/api/journeys/x/terminate" },
        { "POST", "/api/journeys/x/suspend" },
        { "POST", "/api/journeys/x/resume" },
        { "DELETE", "/api/journeys/x" },
        { "PUT", "/api/customers/cust-1" },
        { "GET", "/api/customers/cust-1" },
        { "POST", "/api/customers/cust-1/events" },
        { "PUT", "/api/templates/x" },
        { "GET", "/api/templates" },
        { "GET", "/api/templates/x" },
        { "GET", "/api/templates/x/versions/1" },
        { "POST", "/api/templates/validate" },
        { "GET", "/api/tasks" },
        { "POST", "/api/tasks/x/complete" },
        { "GET", "/api/dev/mailbox" },
        { "GET", "/api/dev/clock" },
        { "POST", "/api/dev/clock/advance" },
        { "GET", "/api/deadletters" },
    };

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task AnyApiRoute_NoKey_Returns401Problem(string method, string path)
    {
        var response = await _host.Client(null).SendAsync(new HttpRequestMessage(new HttpMethod(method), U(path)) { Content = Json("{}") });

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("X-Api-Key", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProtectedRoutes))]
    public async Task AnyApiRoute_UnknownKey_Returns401Problem(string method, string path)
    {
        var response = await _host.Client("not-a-key").SendAsync(new HttpRequestMessage(new HttpMethod(method), U(path)) { Content = Json("{}") });

        var problem = await response.ProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("known API key", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/openapi/v1.json")]
    public async Task PublicRoute_NoKey_Returns200(string path)
    {
        var response = await _host.Client(null).GetAsync(U(path));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData(HostFactory.DealerKey, "PUT", "/api/templates/x")]
    [InlineData(HostFactory.DealerKey, "POST", "/api/templates/validate")]
    [InlineData(HostFactory.DealerKey, "POST", "/api/dev/clock/advance")]
    [InlineData(HostFactory.DealerKey, "GET", "/api/dev/clock")]
    [InlineData(HostFactory.DealerKey, "GET", "/api/deadletters")]
    [InlineData(HostFactory.MarketingKey, "GET", "/api/journeys")]
    [InlineData(HostFactory.MarketingKey, "POST", "/api/journeys")]
    [InlineData(HostFactory.MarketingKey, "POST", "/api/customers/cust-1/events")]
    [InlineData(HostFactory.MarketingKey, "GET", "/api/tasks")]
    [InlineData(HostFactory.MarketingKey, "GET", "/api/dev/mailbox")]
    [InlineData(HostFactory.MarketingKey, "POST", "/api/dev/clock/advance")]
    public async Task Route_WrongRole_Returns403Problem(string key, string method, string path)
    {
        var response = await _host.Client(key).SendAsync(new HttpRequestMessage(new HttpMethod(method), U(path)) { Content = Json("{}") });

        var problem = await response.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("may not use", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(HostFactory.DealerKey)]
    [InlineData(HostFactory.MarketingKey)]
    [InlineData(HostFactory.AdminKey)]
    public async Task ListTemplates_AnyRole_Returns200(string key)
    {
        var templates = await _host.Client(key).OkJsonAsync("/api/templates");

        Assert.Contains(templates.AsArray(), t => t!["id"]!.GetValue<string>() == "new-car-purchase");
    }

    [Fact]
    public async Task OtherDealersJourney_EveryJourneyRoute_Returns404LikeAnUnknownId()
    {
        var id = await _host.Client(HostFactory.DealerKey).StartByBrochureAsync("cust-iso-1", "evt-iso-1");
        await _host.SettleAsync();
        var other = _host.Client(HostFactory.OtherDealerKey);

        await (await other.GetAsync(U($"/api/journeys/{id}"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync(U($"/api/journeys/{id}?history=true"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync(U($"/api/journeys/{id}/touchpoints"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostJsonAsync($"/api/journeys/{id}/events/testdrive.booked", new { })).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostJsonAsync($"/api/journeys/{id}/terminate", Json(""))).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostJsonAsync($"/api/journeys/{id}/suspend", Json(""))).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.PostJsonAsync($"/api/journeys/{id}/resume", Json(""))).ProblemAsync(HttpStatusCode.NotFound);
        await (await other.DeleteAsync(U($"/api/journeys/{id}"))).ProblemAsync(HttpStatusCode.NotFound);

        var journey = await _host.Client(HostFactory.DealerKey).OkJsonAsync($"/api/journeys/{id}");
        Assert.Equal("Running", journey["status"]!.GetValue<string>()); // nothing the other dealer did had an effect
    }

    [Fact]
    public async Task OtherDealersData_CustomersTasksAndLists_Returns403OrOwnDataOnly()
    {
        await using var host = new HostFactory();
        var dealer = host.Client(HostFactory.DealerKey);
        var other = host.Client(HostFactory.OtherDealerKey);
        await dealer.StartByBrochureAsync();
        await host.SettleAsync();

        await (await other.PutJsonAsync("/api/customers/cust-1", new { dealerId = HostFactory.Dealer, email = "x@example.com", firstName = "X", lastName = "Y", locale = "en-GB", consent = new { email = true } }))
            .ProblemAsync(HttpStatusCode.Forbidden);
        await (await other.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("testdrive.booked", "e1"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await other.PostJsonAsync("/api/journeys", new { template = "new-car-purchase", dealerId = HostFactory.Dealer, customer = Customer() }))
            .ProblemAsync(HttpStatusCode.Forbidden);
        await (await other.GetAsync(U($"/api/customers/cust-1?dealerId={HostFactory.Dealer}"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await other.GetAsync(U("/api/customers/cust-1"))).ProblemAsync(HttpStatusCode.NotFound); // its own dealer has no such customer
        await (await other.GetAsync(U($"/api/tasks?dealerId={HostFactory.Dealer}"))).ProblemAsync(HttpStatusCode.Forbidden);
        await (await other.GetAsync(U($"/api/journeys?dealer={HostFactory.Dealer}"))).ProblemAsync(HttpStatusCode.Forbidden);

        Assert.Empty((await other.OkJsonAsync("/api/journeys"))["items"]!.AsArray());
        Assert.Empty((await other.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());
        Assert.Single((await dealer.OkJsonAsync("/api/journeys"))["items"]!.AsArray());
        Assert.Single((await dealer.OkJsonAsync("/api/dev/mailbox"))["items"]!.AsArray());
        Assert.Single((await host.Client(HostFactory.AdminKey).OkJsonAsync("/api/journeys"))["items"]!.AsArray());
    }

    [Fact]
    public async Task CompleteTask_OtherDealersTask_Returns404LikeAnUnknownTaskAndTaskStaysOpen()
    {
        await using var host = new HostFactory();
        var dealer = host.Client(HostFactory.DealerKey);
        await dealer.StartByBrochureAsync();
        await host.Client(HostFactory.AdminKey).AdvanceAsync("P3D");
        var task = (await dealer.OkJsonAsync("/api/tasks"))["items"]!.AsArray().Single()!;
        var taskId = task["id"]!.GetValue<string>();

        var foreign = await (await host.Client(HostFactory.OtherDealerKey).PostJsonAsync($"/api/tasks/{Uri.EscapeDataString(taskId)}/complete", new { outcome = "booked" }))
            .ProblemAsync(HttpStatusCode.NotFound);
        var unknown = await (await host.Client(HostFactory.OtherDealerKey).PostJsonAsync($"/api/tasks/{Uri.EscapeDataString(taskId + "x")}/complete", new { outcome = "booked" }))
            .ProblemAsync(HttpStatusCode.NotFound);

        Assert.Equal(unknown["detail"]!.GetValue<string>().Replace(taskId + "x", taskId, StringComparison.Ordinal), foreign["detail"]!.GetValue<string>());

        Assert.Equal("open", (await dealer.OkJsonAsync("/api/tasks"))["items"]![0]!["status"]!.GetValue<string>());
        Assert.Empty((await host.Client(HostFactory.OtherDealerKey).OkJsonAsync("/api/tasks"))["items"]!.AsArray());
    }
}
