using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Queues.Models;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Storage.AzureStorage.Tests;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Functions;

/// <summary>
/// The custom handler's trigger routes on the Azure Storage store (Azurite): the invocation payloads the Functions host posts,
/// work processed inside the invocation (nothing runs without one), the answer's shape, doorbell chaining, and bad payloads.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class CustomHandlerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task QueueInvocation_DoorbellOfARaisedEvent_JourneyStartsBeforeTheAnswer()
    {
        await using var host = new CustomHandlerHost(azurite);
        var dealer = host.Client(HostFactory.DealerKey);
        var journey = await dealer.StartByBrochureAsync();
        Assert.Empty(await MailAsync(dealer, journey)); // accepted, but nothing runs without an invocation

        var (function, message) = await ReceiveDoorbellAsync(host);
        var response = await host.FunctionsHost().PostAsync(U("/" + function), Invocations.Queue(function, message, host.Time.GetUtcNow()));

        var answer = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.IsType<JsonObject>(answer["Outputs"]);
        var logs = answer["Logs"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        Assert.Contains(logs, l => l.StartsWith(function + ": doorbell", StringComparison.Ordinal));
        Assert.Contains(logs, l => l.Contains("nothing due is left", StringComparison.Ordinal));
        Assert.EndsWith("work item(s) processed", answer["ReturnValue"]!.GetValue<string>(), StringComparison.Ordinal);
        var mail = Assert.Single(await MailAsync(dealer, journey));
        Assert.Contains("Hybrid X", mail.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("Running", (await dealer.OkJsonAsync($"/api/journeys/{journey}"))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task TimerInvocation_AfterTheJourneysTimerIsDue_NextStepRunsInTheInvocation()
    {
        await using var host = new CustomHandlerHost(azurite);
        var dealer = host.Client(HostFactory.DealerKey);
        var journey = await dealer.StartByBrochureAsync();
        await PostOkAsync(host, "sweep", Invocations.Timer("sweep", host.Time.GetUtcNow()));
        Assert.Single(await MailAsync(dealer, journey));

        // A day later the invitation is due; it is sent only when an invocation comes (here the safety timer, past due).
        host.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Single(await MailAsync(dealer, journey));
        var answer = await PostOkAsync(host, "sweep", Invocations.Timer("sweep", host.Time.GetUtcNow(), pastDue: true));

        Assert.Contains(answer["Logs"]!.AsArray(), l => l!.GetValue<string>() == "sweep: safety poll (past due).");
        Assert.Equal(2, (await MailAsync(dealer, journey)).Count);
        var journeyView = await dealer.OkJsonAsync($"/api/journeys/{journey}");
        Assert.Equal("Running", journeyView["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task ConcurrentInvocations_ManyDoorbellsAtOnce_EveryJourneyRunsOnceAndEveryInvocationAnswers()
    {
        await using var host = new CustomHandlerHost(azurite);
        var dealer = host.Client(HostFactory.DealerKey);
        var journeys = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            journeys.Add(await dealer.StartByBrochureAsync($"cust-{i}", $"evt-{i}"));
        }

        var now = host.Time.GetUtcNow();
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            host.FunctionsHost().PostAsync(U($"/control-{i % 4:D2}"), Invocations.Queue($"control-{i % 4:D2}", $"{now.ToUnixTimeMilliseconds()}|j-{i}", now))));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        foreach (var journey in journeys)
        {
            Assert.Single(await MailAsync(dealer, journey));
        }
    }

    [Fact]
    public async Task QueueInvocation_EarlyLinkOfALongTimersChain_IsSentOnAndNothingRuns()
    {
        await using var host = new CustomHandlerHost(azurite);
        await host.Client(null).GetAsync(U("/health")); // the host has started: the store created its queues
        var due = TimeProvider.System.GetUtcNow().AddDays(30);
        var text = due.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) + "|j-yearly-service";

        var answer = await PostOkAsync(host, "control-02", Invocations.Queue("control-02", text, host.Time.GetUtcNow()));

        Assert.Equal("chained", answer["ReturnValue"]!.GetValue<string>());
        var queue = host.Queue(host.Prefix + "-control-02");
        Assert.Equal(1, (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount); // the next link, hidden for 7 days
        Assert.Empty((await queue.PeekMessagesAsync()).Value);
    }

    [Theory]
    [InlineData("control-00", "{}", "$.Data")]
    [InlineData("control-00", """{"Data": []}""", "$.Data")]
    [InlineData("control-01", """{"Data": {"doorbell": 42}}""", "$.Data.doorbell")]
    [InlineData("workitems", """{"Data": {"message": "1|x"}}""", "$.Data.doorbell")]
    [InlineData("control-00", """{"Data": {"doorbell": "1|x"}, "Metadata": 3}""", "$.Metadata")]
    [InlineData("sweep", """{"Data": {}}""", "$.Data.timer")]
    [InlineData("sweep", """{"Data": {"timer": {"IsPastDue": "yes"}}}""", "$.Data.timer.IsPastDue")]
    public async Task Invocation_MalformedPayload_400NamingWhere(string function, string body, string path)
    {
        await using var host = new CustomHandlerHost(azurite);

        var response = await host.FunctionsHost().PostAsync(U("/" + function), Json(body));

        await response.ProblemAsync(HttpStatusCode.BadRequest, path);
    }

    [Theory]
    [InlineData("[1, 2]")]
    [InlineData("{\"Data\": ")]
    [InlineData("")]
    public async Task Invocation_NotAJsonObject_400(string body)
    {
        await using var host = new CustomHandlerHost(azurite);

        var response = await host.FunctionsHost().PostAsync(U("/control-00"), Json(body));

        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Invocation_WithoutTheFunctionsHostsHeaderOrForAnUnknownFunction_IsRefused()
    {
        await using var host = new CustomHandlerHost(azurite);
        var payload = Invocations.Timer("sweep", host.Time.GetUtcNow());

        var withoutHeader = await host.Client(HostFactory.AdminKey).PostAsync(U("/sweep"), payload);
        var unknown = await host.FunctionsHost().PostAsync(U("/control-99"), Invocations.Timer("control-99", host.Time.GetUtcNow()));
        var httpFunction = await host.FunctionsHost().PostAsync(U("/api"), Invocations.Timer("api", host.Time.GetUtcNow()));

        var problem = await withoutHeader.ProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("X-Azure-Functions-InvocationId", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await unknown.ProblemAsync(HttpStatusCode.NotFound);
        await httpFunction.ProblemAsync(HttpStatusCode.NotFound);
    }

    private static async Task<JsonNode> PostOkAsync(CustomHandlerHost host, string function, HttpContent payload) =>
        await (await host.FunctionsHost().PostAsync(U("/" + function), payload)).ReadJsonAsync(HttpStatusCode.OK);

    private static async Task<List<JsonNode>> MailAsync(HttpClient dealer, string journey) =>
        [.. (await dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={journey}"))["items"]!.AsArray().Select(m => m!)];

    /// <summary>Receives the first visible doorbell on the store's control queues, as the Functions host's queue listener does.</summary>
    private static async Task<(string Function, QueueMessage Message)> ReceiveDoorbellAsync(CustomHandlerHost host)
    {
        for (var i = 0; i < 4; i++)
        {
            var function = $"control-{i:D2}";
            var messages = (await host.Queue($"{host.Prefix}-{function}").ReceiveMessagesAsync(1, TimeSpan.FromMinutes(1))).Value;
            if (messages.Length > 0)
            {
                return (function, messages[0]);
            }
        }

        throw new InvalidOperationException("No doorbell was rung on any control queue.");
    }
}
