using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.FunctionApp.Http;
using JourneyOrchestrator.FunctionApp.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Moq;

namespace JourneyOrchestrator.FunctionApp.Tests.Http;

/// <summary>
/// The Function app's HTTP trigger (<see cref="ApiFunction"/>) against the public contract of the embedded host: the app's
/// own DI (in-memory data stores), the shared pipeline run on an ASP.NET Core <see cref="HttpContext"/> as the worker's
/// ASP.NET Core integration hands it over, and the Durable extension's client as a Moq <see cref="DurableTaskClient"/>
/// (as the Durable Functions docs test HTTP starters) that keeps the instances it was asked to start.
/// </summary>
public sealed class ApiFunctionTests : IAsyncLifetime, IDisposable
{
    private readonly AppServices _app = new(new Dictionary<string, string?> { ["JOURNEYS_TASKHUB"] = "journeyshub" });
    private readonly Mock<DurableTaskClient> _durable = new("durable-functions-test");
    private readonly Dictionary<string, OrchestrationMetadata> _instances = new(StringComparer.Ordinal);
    private readonly List<(TaskName Name, JourneyInput Input, string Id)> _started = [];
    private readonly List<(string Id, string Name, object? Payload)> _raised = [];

    public ApiFunctionTests()
    {
        _durable.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => _instances.GetValueOrDefault(id));
        _durable.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName name, object? input, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                var id = options!.InstanceId!;
                _started.Add((name, (JourneyInput)input!, id));
                _instances[id] = Instance(id, (JourneyInput)input!, OrchestrationRuntimeStatus.Running);
                return id;
            });
        _durable.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string id, string name, object? payload, CancellationToken _) => _raised.Add((id, name, payload)))
            .Returns(Task.CompletedTask);
    }

    public async Task InitializeAsync() =>
        await _app.Services.GetRequiredService<TemplatePublisher>().PublishFolderAsync(Templates.Tests.Support.Repo.TemplatesFolder, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task Health_IsAnonymous_AndNamesDurableFunctionsWithItsTaskHub()
    {
        var (status, body, _) = await SendAsync("GET", "/health", key: null);

        Assert.True(status == HttpStatusCode.OK, body?.ToJsonString());
        Assert.Equal(("Healthy", "DurableFunctions", "journeyshub"),
            (body!["status"]!.GetValue<string>(), body["engine"]!.GetValue<string>(), body["taskHub"]!.GetValue<string>()));
    }

    [Fact]
    public async Task NoKey_Is401_WrongRole_Is403_AsProblemDetails()
    {
        var (noKey, problem, type) = await SendAsync("GET", "/api/journeys", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey);
        Assert.Equal("application/problem+json", type);
        Assert.Contains("X-Api-Key", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var (wrongRole, _, _) = await SendAsync("PUT", "/api/templates/new-car-purchase", "dev-dealer-key", "id: x", "application/yaml");
        Assert.Equal(HttpStatusCode.Forbidden, wrongRole);
    }

    [Fact]
    public async Task CustomerEvent_StartsTheJourneyThroughTheDurableClient_WithTheEventAsItsTrigger()
    {
        var (status, body, _) = await SendAsync("POST", "/api/customers/anna/events", "dev-dealer-key", """
            {"name": "brochure.downloaded", "eventId": "evt-1", "dealerId": "demo-dealer", "journeyKey": "deal-1",
             "customer": {"email": "anna@example.com", "firstName": "Anna", "lastName": "de Vries", "locale": "nl-NL", "consent": {"email": true}},
             "data": {"model": "Hybrid X"}}
            """);

        Assert.True(status == HttpStatusCode.Accepted, body?.ToJsonString());
        var (name, input, id) = Assert.Single(_started);
        Assert.Equal(JourneyNames.Orchestration, name.Name);
        Assert.Equal(id, body!["journeyIds"]!.AsArray().Single()!.GetValue<string>());
        Assert.Equal(("new-car-purchase", "demo-dealer", "anna", "deal-1"), (input.TemplateId, input.DealerId, input.CustomerId, input.JourneyKey));
        Assert.Equal(("brochure.downloaded", "evt-1"), (input.Trigger!["name"]!.GetValue<string>(), input.Trigger["eventId"]!.GetValue<string>()));
        Assert.Equal("Hybrid X", input.Data!["model"]!.GetValue<string>());

        // The same event again (a dealer's retry): the journey exists, nothing new is started.
        var (again, repeat, _) = await SendAsync("POST", "/api/customers/anna/events", "dev-dealer-key",
            """{"name": "brochure.downloaded", "eventId": "evt-1", "dealerId": "demo-dealer", "journeyKey": "deal-1"}""");
        Assert.Equal(HttpStatusCode.Accepted, again);
        Assert.Equal("duplicate", repeat!["journeys"]![0]!["outcome"]!.GetValue<string>());
        Assert.Single(_started);
    }

    [Fact]
    public async Task EventIntoAJourney_IsRaisedWithItsEventId_AndAnotherDealersJourneyIs404LikeAnUnknownOne()
    {
        await SendAsync("POST", "/api/customers/anna/events", "dev-dealer-key",
            """{"name": "brochure.downloaded", "eventId": "evt-1", "dealerId": "demo-dealer", "customer": {"email": "anna@example.com", "firstName": "Anna", "lastName": "de Vries", "locale": "nl-NL", "consent": {"email": true}}}""");
        var id = Assert.Single(_started).Id;

        var (raised, accepted, _) = await SendAsync("POST", $"/api/journeys/{id}/events/quote.sent?eventId=evt-q", "dev-dealer-key", """{"quoteNumber": "Q-1"}""");
        Assert.Equal(HttpStatusCode.Accepted, raised);
        Assert.Equal("evt-q", accepted!["eventId"]!.GetValue<string>());
        var (raisedId, raisedName, payload) = Assert.Single(_raised);
        Assert.Equal((id, "quote.sent"), (raisedId, raisedName));
        // The event's id travels in the payload ({eventId, data}), where the interpreter reads it to ignore a repeat.
        Assert.Equal(("evt-q", "Q-1"), (((JsonObject)payload!)["eventId"]!.GetValue<string>(), ((JsonObject)payload)["data"]!["quoteNumber"]!.GetValue<string>()));

        // A journey of another dealer, in the index and in the engine: a dealer key gets the 404 of an unknown id.
        var foreign = new JourneyInput { TemplateId = "new-car-purchase", TemplateVersion = 1, DealerId = "other-dealer", CustomerId = "bob" };
        await _app.Services.GetRequiredService<IJourneyIndex>().AddOrGetAsync(new JourneyIndexEntry
        {
            JourneyId = "j-foreign", DealerId = "other-dealer", CustomerId = "bob", TemplateId = "new-car-purchase", TemplateVersion = 1, CreatedAt = AppServices.Now,
        });
        _instances["j-foreign"] = Instance("j-foreign", foreign, OrchestrationRuntimeStatus.Running);
        var (foreignStatus, foreignProblem, _) = await SendAsync("GET", "/api/journeys/j-foreign", "dev-dealer-key");
        var (unknownStatus, unknownProblem, _) = await SendAsync("GET", "/api/journeys/j-unknown", "dev-dealer-key");
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound), (foreignStatus, unknownStatus));
        Assert.Equal(unknownProblem!["title"]!.GetValue<string>(), foreignProblem!["title"]!.GetValue<string>());
        var (adminStatus, journey, _) = await SendAsync("GET", "/api/journeys/j-foreign", "dev-admin-key");
        Assert.Equal(HttpStatusCode.OK, adminStatus);
        Assert.Equal("other-dealer", journey!["dealerId"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadInput_Is400_WithThePathOfTheError_AndNothingIsStarted()
    {
        var (malformed, problem, type) = await SendAsync("POST", "/api/customers/anna/events", "dev-dealer-key", """{"name": 5}""");
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
        Assert.Equal("application/problem+json", type);
        Assert.Contains("$.name", problem!.ToJsonString(), StringComparison.Ordinal);

        var (invalid, fields, _) = await SendAsync("POST", "/api/customers/anna/events", "dev-dealer-key",
            """{"name": "brochure.downloaded", "eventId": "e", "dealerId": "demo-dealer", "customer": {"email": "not-an-address", "firstName": "Anna", "lastName": "de Vries", "locale": "nl-NL", "consent": {"email": true}}}""");
        Assert.True(invalid == HttpStatusCode.BadRequest, fields?.ToJsonString());
        Assert.Contains(fields!["errors"]!.AsArray(), e => e!["path"]!.GetValue<string>() == "$.customer.email");
        Assert.Empty(_started);
    }

    [Fact]
    public async Task UnknownRoute_Is404ProblemDetails_AndTheOpenApiDocumentListsTheRoutes()
    {
        var (missing, problem, _) = await SendAsync("GET", "/api/nothing-here", "dev-admin-key");
        Assert.Equal(HttpStatusCode.NotFound, missing);
        Assert.Contains("/api/nothing-here", problem!["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var (status, openApi, _) = await SendAsync("GET", "/openapi/v1.json", key: null);
        Assert.True(status == HttpStatusCode.OK, openApi?.ToJsonString() + string.Join("\n", _app.Logs.Entries));
        var paths = openApi!["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/customers/{customerId}/events", paths);
        Assert.Contains("/api/journeys/{id}/events/{name}", paths);
        Assert.Contains("/api/events/deadletters", paths);
    }

    private static OrchestrationMetadata Instance(string id, JourneyInput input, OrchestrationRuntimeStatus status) => new(JourneyNames.Orchestration, id)
    {
        RuntimeStatus = status,
        CreatedAt = AppServices.Now,
        LastUpdatedAt = AppServices.Now,
        SerializedInput = JsonData.Serialize(input),
    };

    /// <summary>One request through the HTTP trigger, as the worker's ASP.NET Core integration runs it: status, JSON body, content type.</summary>
    private async Task<(HttpStatusCode Status, JsonNode? Body, string? ContentType)> SendAsync(
        string method, string path, string? key, string? body = null, string contentType = "application/json")
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        var uri = new Uri("http://localhost" + path);
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost");
        context.Request.Path = uri.AbsolutePath;
        context.Request.QueryString = new QueryString(uri.Query);
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        if (key is not null)
        {
            context.Request.Headers["X-Api-Key"] = key;
        }

        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentLength = bytes.Length;
            context.Request.ContentType = contentType;
        }

        var response = new MemoryStream();
        context.Response.Body = response;
        var function = new ApiFunction(_app.Services.GetRequiredService<ApiPipeline>(), _app.Services.GetRequiredService<BoundDurableTaskClient>());
        await function.RunAsync(context.Request, _durable.Object);

        var text = Encoding.UTF8.GetString(response.ToArray());
        return ((HttpStatusCode)context.Response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), context.Response.ContentType?.Split(';')[0]);
    }
}
