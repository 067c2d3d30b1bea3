using System.Net;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>Bad input on every route: problem details that say what was wrong and where, and nothing stored.</summary>
public sealed class ValidationTests(SharedHost shared) : IClassFixture<SharedHost>
{
    private readonly HostFactory _host = shared.Host;
    private HttpClient Dealer => _host.Client(HostFactory.DealerKey);
    private HttpClient Admin => _host.Client(HostFactory.AdminKey);
    private HttpClient Marketing => _host.Client(HostFactory.MarketingKey);

    private static readonly string Oversized = "{\"data\":\"" + new string('x', 300 * 1024) + "\"}";

    // ---- POST /api/journeys -------------------------------------------------------------------

    [Fact]
    public async Task StartJourney_MissingAndInvalidFields_Returns400WithEveryPath()
    {
        var response = await Dealer.PostJsonAsync("/api/journeys", new
        {
            template = "New Car!",
            templateVersion = 0,
            journeyKey = "deal 1",
            dealerId = HostFactory.Dealer,
            customer = new { email = "anna@", firstName = "", locale = "xx-QQ", timeZone = "Mars/Olympus", consent = new { } },
        });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "$.template");
        var paths = problem["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList();
        Assert.Equal(
            ["$.template", "$.templateVersion", "$.journeyKey", "$.customer.id", "$.customer.email", "$.customer.firstName", "$.customer.lastName",
             "$.customer.locale", "$.customer.timeZone", "$.customer.consent.email"],
            paths);
    }

    [Fact]
    public async Task StartJourney_NoDealerAndNoCustomer_Returns400()
    {
        var problem = await (await Dealer.PostJsonAsync("/api/journeys", new { template = "new-car-purchase" })).ProblemAsync(HttpStatusCode.BadRequest, "$.dealerId");

        Assert.Contains(problem["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == "$.customer");
    }

    [Fact]
    public async Task StartJourney_WrongType_Returns400WithJsonPath()
    {
        var response = await Dealer.PostJsonAsync("/api/journeys", Json("""{"template":"new-car-purchase","dealerId":"demo-dealer","customer":{"id":"c","consent":{"email":"yes"}}}"""));

        await response.ProblemAsync(HttpStatusCode.BadRequest, "$.customer.consent.email");
    }

    [Fact]
    public async Task StartJourney_UnknownProperty_Returns400NamingIt()
    {
        await (await Dealer.PostJsonAsync("/api/journeys", Json("""{"template":"new-car-purchase","dealer":"demo-dealer"}"""))).ProblemAsync(HttpStatusCode.BadRequest, "$.dealer");
    }

    [Fact]
    public async Task StartJourney_MalformedJson_Returns400()
    {
        await (await Dealer.PostJsonAsync("/api/journeys", Json("{\"template\": "))).ProblemAsync(HttpStatusCode.BadRequest, "$.template");
    }

    [Fact]
    public async Task StartJourney_EmptyBody_Returns400()
    {
        await (await Dealer.PostJsonAsync("/api/journeys", Json(""))).ProblemAsync(HttpStatusCode.BadRequest, "$");
    }

    [Fact]
    public async Task StartJourney_NotJson_Returns415()
    {
        await (await Dealer.PostJsonAsync("/api/journeys", Text("template=x", "application/x-www-form-urlencoded"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task StartJourney_Oversized_Returns413()
    {
        await (await Dealer.PostJsonAsync("/api/journeys", Json(Oversized))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task StartJourney_UnknownTemplate_Returns422AndStoresNoCustomer()
    {
        var response = await Dealer.PostJsonAsync("/api/journeys", new { template = "no-such-template", dealerId = HostFactory.Dealer, customer = Customer("cust-422") });

        await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.template");
        await (await Dealer.GetAsync(U("/api/customers/cust-422"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task StartJourney_UnknownTemplateVersion_Returns422()
    {
        var response = await Dealer.PostJsonAsync("/api/journeys", new { template = "new-car-purchase", templateVersion = 99, dealerId = HostFactory.Dealer, customer = Customer("cust-v99") });

        await response.ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.templateVersion");
    }

    // ---- customers -----------------------------------------------------------------------------

    [Fact]
    public async Task PutCustomer_InvalidFields_Returns400AndStoresNothing()
    {
        var response = await Dealer.PutJsonAsync("/api/customers/cust-bad", new
        {
            dealerId = HostFactory.Dealer,
            email = "not an address",
            firstName = "Anna",
            lastName = "\u0001",
            locale = "english",
            timeZone = "Nowhere/Land",
        });

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "$.email");
        var paths = problem["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList();
        Assert.Equal(["$.email", "$.lastName", "$.locale", "$.timeZone", "$.consent"], paths);
        await (await Dealer.GetAsync(U("/api/customers/cust-bad"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("-leading")]
    [InlineData("%C3%A9")]
    public async Task PutCustomer_BadCustomerIdInRoute_Returns400(string customerId)
    {
        var response = await Dealer.PutJsonAsync($"/api/customers/{customerId}", new { dealerId = HostFactory.Dealer });

        await response.ProblemAsync(HttpStatusCode.BadRequest, "customerId");
    }

    [Fact]
    public async Task PutCustomer_NotJson_Returns415()
    {
        await (await Dealer.PutJsonAsync("/api/customers/c1", Text("<customer/>", "application/xml"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task PutCustomer_Oversized_Returns413()
    {
        await (await Dealer.PutJsonAsync("/api/customers/c1", Json(Oversized))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task GetCustomer_Unknown_Returns404()
    {
        await (await Dealer.GetAsync(U("/api/customers/nobody"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task GetCustomer_AdminWithoutDealer_Returns400()
    {
        await (await Admin.GetAsync(U("/api/customers/cust-1"))).ProblemAsync(HttpStatusCode.BadRequest, "dealerId");
    }

    [Fact]
    public async Task CustomerEvent_InvalidFields_Returns400WithPaths()
    {
        var response = await Dealer.PostJsonAsync("/api/customers/cust-1/events", Json("""{"name":"test drive booked!","eventId":"id with spaces","journeyKey":"","occurredAt":"2026-01-05T10:00:00Z"}"""));

        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest, "$.name");
        var paths = problem["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList();
        Assert.Equal(["$.name", "$.eventId", "$.dealerId", "$.journeyKey"], paths);
    }

    [Fact]
    public async Task CustomerEvent_BadTimestamp_Returns400AtOccurredAt()
    {
        var response = await Dealer.PostJsonAsync("/api/customers/cust-1/events", Json("""{"name":"testdrive.booked","dealerId":"demo-dealer","occurredAt":"yesterday"}"""));

        await response.ProblemAsync(HttpStatusCode.BadRequest, "$.occurredAt");
    }

    [Fact]
    public async Task CustomerEvent_DataNotAnObject_Returns400AtData()
    {
        var response = await Dealer.PostJsonAsync("/api/customers/cust-1/events", Json("""{"name":"testdrive.booked","dealerId":"demo-dealer","data":[1,2]}"""));

        await response.ProblemAsync(HttpStatusCode.BadRequest, "$.data");
    }

    [Fact]
    public async Task CustomerEvent_UnknownCustomerWithoutProfile_Returns404()
    {
        var response = await Dealer.PostJsonAsync("/api/customers/stranger/events", CustomerEvent("brochure.downloaded", "evt-stranger"));

        var problem = await response.ProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("customer", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty((await Dealer.OkJsonAsync("/api/journeys?customer=stranger"))["items"]!.AsArray());
    }

    [Fact]
    public async Task CustomerEvent_InvalidProfile_Returns400AndStartsNothing()
    {
        var response = await Dealer.PostJsonAsync("/api/customers/cust-invalid/events",
            CustomerEvent("brochure.downloaded", "evt-invalid", customer: new { email = "anna@example.com", firstName = "Anna", lastName = "V", locale = "nl-NL" }));

        await response.ProblemAsync(HttpStatusCode.BadRequest, "$.customer.consent");
        Assert.Empty((await Dealer.OkJsonAsync("/api/journeys?customer=cust-invalid"))["items"]!.AsArray());
    }

    [Fact]
    public async Task CustomerEvent_ProfileForAnotherCustomer_Returns400()
    {
        var response = await Dealer.PostJsonAsync("/api/customers/cust-1/events", CustomerEvent("brochure.downloaded", "evt-x", customer: Customer("cust-2")));

        await response.ProblemAsync(HttpStatusCode.BadRequest, "$.customer.id");
    }

    [Fact]
    public async Task CustomerEvent_NotJson_Returns415()
    {
        await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", Text("name=x", "text/plain"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task CustomerEvent_Oversized_Returns413()
    {
        await (await Dealer.PostJsonAsync("/api/customers/cust-1/events", Json(Oversized))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    // ---- one journey ---------------------------------------------------------------------------

    [Fact]
    public async Task RaiseJourneyEvent_UnknownJourney_Returns404()
    {
        await (await Dealer.PostJsonAsync("/api/journeys/nope/events/testdrive.booked", new { })).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RaiseJourneyEvent_BadNameOrEventId_Returns400()
    {
        var id = await StartedJourneyAsync("cust-raise-bad");

        await (await Dealer.PostJsonAsync($"/api/journeys/{id}/events/bad%20name", new { })).ProblemAsync(HttpStatusCode.BadRequest, "name");
        await (await Dealer.PostJsonAsync($"/api/journeys/{id}/events/testdrive.booked?eventId=a%20b", new { })).ProblemAsync(HttpStatusCode.BadRequest, "eventId");
    }

    [Fact]
    public async Task RaiseJourneyEvent_MalformedJson_Returns400()
    {
        var id = await StartedJourneyAsync("cust-raise-json");

        await (await Dealer.PostJsonAsync($"/api/journeys/{id}/events/testdrive.booked", Json("{\"testDriveAt\":"))).ProblemAsync(HttpStatusCode.BadRequest, "$");
        await (await Dealer.PostJsonAsync($"/api/journeys/{id}/events/testdrive.booked", Json("[1]"))).ProblemAsync(HttpStatusCode.BadRequest, "$");
    }

    [Fact]
    public async Task RaiseJourneyEvent_NotJson_Returns415()
    {
        var id = await StartedJourneyAsync("cust-raise-415");

        await (await Dealer.PostJsonAsync($"/api/journeys/{id}/events/testdrive.booked", Text("hello", "text/plain"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task RaiseJourneyEvent_Oversized_Returns413()
    {
        var id = await StartedJourneyAsync("cust-raise-413");

        await (await Dealer.PostJsonAsync($"/api/journeys/{id}/events/testdrive.booked", Json(Oversized))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task FinishedJourney_EventsAndCommands_Return410()
    {
        var id = await StartedJourneyAsync("cust-gone");
        (await Dealer.PostAsync(U($"/api/journeys/{id}/terminate?reason=test"), null)).EnsureSuccessStatusCode();
        await _host.SettleAsync();

        await (await Dealer.PostJsonAsync($"/api/journeys/{id}/events/testdrive.booked", new { })).ProblemAsync(HttpStatusCode.Gone);
        await (await Dealer.PostAsync(U($"/api/journeys/{id}/terminate"), null)).ProblemAsync(HttpStatusCode.Gone);
        await (await Dealer.PostAsync(U($"/api/journeys/{id}/suspend"), null)).ProblemAsync(HttpStatusCode.Gone);
        await (await Dealer.PostAsync(U($"/api/journeys/{id}/resume"), null)).ProblemAsync(HttpStatusCode.Gone);
    }

    [Theory]
    [InlineData("terminate")]
    [InlineData("suspend")]
    [InlineData("resume")]
    public async Task Control_UnknownJourney_Returns404(string action)
    {
        await (await Dealer.PostAsync(U($"/api/journeys/nope/{action}"), null)).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Control_ReasonWithControlCharacters_Returns400()
    {
        await (await Dealer.PostAsync(U("/api/journeys/nope/terminate?reason=%01"), null)).ProblemAsync(HttpStatusCode.BadRequest, "reason");
    }

    [Fact]
    public async Task GetJourney_Unknown_Returns404()
    {
        await (await Dealer.GetAsync(U("/api/journeys/nope"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await Dealer.GetAsync(U("/api/journeys/nope/touchpoints"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PurgeJourney_UnknownOrRunning_Returns404Or409()
    {
        var id = await StartedJourneyAsync("cust-purge");

        await (await Dealer.DeleteAsync(U("/api/journeys/nope"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await Dealer.DeleteAsync(U($"/api/journeys/{id}"))).ProblemAsync(HttpStatusCode.Conflict);
    }

    [Theory]
    [InlineData("status=Sleeping", "status")]
    [InlineData("status=1", "status")]
    [InlineData("pageSize=0", "pageSize")]
    [InlineData("pageSize=1001", "pageSize")]
    [InlineData("template=Bad_Template", "template")]
    [InlineData("customer=a%20b", "customer")]
    [InlineData("continuationToken=garbage", "continuationToken")]
    public async Task ListJourneys_BadFilter_Returns400(string query, string path)
    {
        await (await Admin.GetAsync(U("/api/journeys?" + query))).ProblemAsync(HttpStatusCode.BadRequest, path);
    }

    [Fact]
    public async Task ListJourneys_PageSizeNotANumber_Returns400()
    {
        await (await Admin.GetAsync(U("/api/journeys?pageSize=ten"))).ProblemAsync(HttpStatusCode.BadRequest);
    }

    // ---- templates -----------------------------------------------------------------------------

    [Fact]
    public async Task PutTemplate_InvalidDocument_Returns422WithPathsAndLines()
    {
        const string yaml = """
            id: broken
            name: Broken
            events: [a]
            start: first
            steps:
              - id: first
                kind: wait
                duration: three days
                nxt: missing
            """;

        var problem = await (await Marketing.PutJsonAsync("/api/templates/broken", Text(yaml, "application/yaml"))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "steps[0].nxt");

        var errors = problem["errors"]!.AsArray();
        Assert.Contains(errors, e => e!["path"]!.GetValue<string>() == "steps[0].duration");
        var unknown = errors.Single(e => e!["path"]!.GetValue<string>() == "steps[0].nxt")!;
        Assert.Equal(9, unknown["line"]!.GetValue<int>());
        await (await Marketing.GetAsync(U("/api/templates/broken"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PutTemplate_IdDiffersFromUrl_Returns422AtId()
    {
        var yaml = ShippedTemplate().Replace("id: new-car-purchase", "id: other-id", StringComparison.Ordinal);

        await (await Marketing.PutJsonAsync("/api/templates/new-car-purchase", Text(yaml, "application/yaml"))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "id");
    }

    [Fact]
    public async Task PutTemplate_YamlSyntaxError_Returns422AtDocument()
    {
        await (await Marketing.PutJsonAsync("/api/templates/x", Text("id: [unclosed", "application/yaml"))).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$");
    }

    [Fact]
    public async Task PutTemplate_BadIdInUrl_Returns400()
    {
        await (await Marketing.PutJsonAsync("/api/templates/Not_Valid", Text("id: x", "application/yaml"))).ProblemAsync(HttpStatusCode.BadRequest, "id");
    }

    [Fact]
    public async Task PutTemplate_WrongMediaType_Returns415()
    {
        await (await Marketing.PutJsonAsync("/api/templates/x", Text("<template/>", "application/xml"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task PutTemplate_Oversized_Returns413()
    {
        var huge = "id: x\ndescription: " + new string('x', 1100 * 1024);

        await (await Marketing.PutJsonAsync("/api/templates/x", Text(huge, "application/yaml"))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task PutTemplate_EmptyDocument_Returns400()
    {
        await (await Marketing.PutJsonAsync("/api/templates/x", Text("   ", "application/yaml"))).ProblemAsync(HttpStatusCode.BadRequest, "$");
    }

    [Fact]
    public async Task ValidateTemplate_InvalidDocument_ReturnsErrorsWithoutPublishing()
    {
        var body = await (await Marketing.PostJsonAsync("/api/templates/validate", Text("""{"id":"json-one","name":"J","start":"x","steps":[]}""", "application/json")))
            .ReadJsonAsync(HttpStatusCode.OK);

        Assert.False(body["valid"]!.GetValue<bool>());
        Assert.Contains(body["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == "start");
        await (await Marketing.GetAsync(U("/api/templates/json-one"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ValidateTemplate_WrongMediaType_Returns415()
    {
        await (await Marketing.PostJsonAsync("/api/templates/validate", Text("x", "image/png"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task GetTemplate_UnknownOrBadVersion_Returns404Or400()
    {
        await (await Marketing.GetAsync(U("/api/templates/unknown"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await Marketing.GetAsync(U("/api/templates/new-car-purchase/versions/42"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await Marketing.GetAsync(U("/api/templates/new-car-purchase/versions/0"))).ProblemAsync(HttpStatusCode.BadRequest, "version");
        await (await Marketing.GetAsync(U("/api/templates/BAD/versions/1"))).ProblemAsync(HttpStatusCode.BadRequest, "id");
        await (await Marketing.GetAsync(U("/api/templates/new-car-purchase/versions/one"))).ProblemAsync(HttpStatusCode.BadRequest);
    }

    // ---- tasks, mailbox, clock -----------------------------------------------------------------

    [Fact]
    public async Task ListTasks_BadFilters_Returns400()
    {
        await (await Dealer.GetAsync(U("/api/tasks?status=done"))).ProblemAsync(HttpStatusCode.BadRequest, "status");
        await (await Admin.GetAsync(U("/api/tasks?dealerId=a%20b"))).ProblemAsync(HttpStatusCode.BadRequest, "dealerId");
    }

    [Fact]
    public async Task CompleteTask_BadInput_Returns400Or404Or415()
    {
        await (await Dealer.PostJsonAsync("/api/tasks/nope/complete", new { outcome = "booked" })).ProblemAsync(HttpStatusCode.NotFound);
        await (await Dealer.PostJsonAsync("/api/tasks/nope/complete", new { notes = "no outcome" })).ProblemAsync(HttpStatusCode.BadRequest, "$.outcome");
        await (await Dealer.PostJsonAsync("/api/tasks/nope/complete", new { outcome = new string('x', 101) })).ProblemAsync(HttpStatusCode.BadRequest, "$.outcome");
        await (await Dealer.PostJsonAsync("/api/tasks/nope/complete", Text("booked", "text/plain"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
        await (await Dealer.PostJsonAsync("/api/tasks/nope/complete", Json(Oversized))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("to=not-an-address", "to")]
    public async Task Mailbox_BadFilter_Returns400(string query, string path)
    {
        await (await Dealer.GetAsync(U("/api/dev/mailbox?" + query))).ProblemAsync(HttpStatusCode.BadRequest, path);
    }

    [Theory]
    [InlineData("{}", "$")]
    [InlineData("""{"by":"P1D","to":"2030-01-01T00:00:00Z"}""", "$")]
    [InlineData("""{"by":"three days"}""", "$.by")]
    [InlineData("""{"by":"-P1D"}""", "$.by")]
    [InlineData("""{"to":"2020-01-01T00:00:00Z"}""", "$.to")]
    [InlineData("""{"to":"tomorrow"}""", "$.to")]
    [InlineData("""{"by":"P1D","extra":1}""", "$.extra")]
    public async Task AdvanceClock_BadRequest_Returns400AndClockUnchanged(string body, string path)
    {
        var before = (await Admin.OkJsonAsync("/api/dev/clock"))["now"]!.GetValue<DateTimeOffset>();

        await (await Admin.PostJsonAsync("/api/dev/clock/advance", Json(body))).ProblemAsync(HttpStatusCode.BadRequest, path);

        Assert.Equal(before, (await Admin.OkJsonAsync("/api/dev/clock"))["now"]!.GetValue<DateTimeOffset>());
    }

    [Fact]
    public async Task AdvanceClock_NotJson_Returns415()
    {
        await (await Admin.PostJsonAsync("/api/dev/clock/advance", Text("P1D", "text/plain"))).ProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task UnknownRoute_Returns404Problem()
    {
        await (await Dealer.GetAsync(U("/api/nothing-here"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    private async Task<string> StartedJourneyAsync(string customerId)
    {
        var id = await Dealer.StartByBrochureAsync(customerId, "evt-" + customerId);
        await _host.SettleAsync();
        return id;
    }

    private static string ShippedTemplate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "functions", "journey-templates", "new-car-purchase.yaml");
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }

        throw new InvalidOperationException("functions/journey-templates/new-car-purchase.yaml not found above " + AppContext.BaseDirectory);
    }
}
