using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.EndToEnd;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Templates.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Simulation;

/// <summary>
/// <c>POST /api/simulations</c> over HTTP against the real host process: a published template against a shipped scenario,
/// errors of the draft and of the scenario with their paths and lines, the roles, nothing stored, the OpenAPI document.
/// No test of this class starts a journey: the host's journeys, tasks and mailbox stay empty.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SimulationApiEndToEndTests(SimulationHost fixture) : IClassFixture<SimulationHost>
{
    private const string ScenarioFile = "scenarios/new-car-purchase/books-test-drive-at-once.yaml";

    private readonly HostProcess _host = fixture.Host;

    private static string Scenario => Repo.Read(ScenarioFile);

    [Fact]
    public async Task PublishedTemplate_ShippedScenario_EveryExpectationPasses_TheReminderIsRendered_AndTheSameRequestGivesTheSameBytes()
    {
        using var marketing = _host.Client(HostFactory.MarketingKey);
        var published = (await marketing.OkJsonAsync("/api/templates")).AsArray().Single(t => t!["id"]!.GetValue<string>() == "new-car-purchase")!;
        var request = new { templateId = "new-car-purchase", scenario = Scenario };

        using var first = await marketing.PostJsonAsync("/api/simulations", request);
        var bytes = await first.Content.ReadAsByteArrayAsync();
        var result = await first.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("application/json", first.Content.Headers.ContentType?.MediaType);

        Assert.Equal("books-test-drive-at-once", result["scenario"]!.GetValue<string>());
        Assert.Equal("new-car-purchase", result["templateId"]!.GetValue<string>());
        Assert.Equal(published["latestVersion"]!.GetValue<int>(), result["templateVersion"]!.GetValue<int>());
        Assert.Equal("2027-03-01T08:00:00Z", result["start"]!.GetValue<string>());

        // Every expectation of the file, each passed.
        var expectations = result["expectations"]!.AsArray();
        Assert.Equal(12, expectations.Count);
        Assert.All(expectations, x => Assert.True(x!["passed"]!.GetValue<bool>(), x.ToJsonString()));
        Assert.True(result["passed"]!.GetValue<bool>());

        // The test-drive reminder, rendered for Anna, the day before the test drive (Friday 5 March 10:00 UTC).
        var timeline = result["timeline"]!.AsArray();
        Assert.Equal("start", timeline[0]!["kind"]!.GetValue<string>());
        Assert.Equal("brochure.downloaded", timeline[0]!["name"]!.GetValue<string>());
        var reminder = Assert.Single(timeline, e => e!["kind"]!.GetValue<string>() == "email" && e["name"]!.GetValue<string>() == "testdrive-reminder")!;
        Assert.Equal("sent", reminder["status"]!.GetValue<string>());
        Assert.Equal("See you tomorrow for your test drive, Anna", reminder["data"]!["subject"]!.GetValue<string>());
        Assert.Equal("anna@example.com", reminder["data"]!["to"]!.GetValue<string>());
        Assert.Equal("2027-03-04T10:00:00Z", reminder["at"]!.GetValue<string>());
        Assert.Contains("See you tomorrow for your test drive, Anna", reminder["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        // The same request again: the same bytes.
        using var second = await marketing.PostJsonAsync("/api/simulations", request);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(bytes, await second.Content.ReadAsByteArrayAsync());

        // An admin may simulate too, and gets the same answer.
        using var admin = _host.Client(HostFactory.AdminKey);
        using var third = await admin.PostJsonAsync("/api/simulations", request);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(bytes, await third.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task DraftTemplateWithANextToAMissingStep_422_WithTheTemplatePathAndItsLine()
    {
        var shipped = Repo.Read("new-car-purchase.yaml");
        const string wrong = "next: no-such-step";
        Assert.Single(Lines(shipped), l => l.TrimStart() == "next: testdrive-reminder");
        var draft = shipped.Replace("next: testdrive-reminder", wrong, StringComparison.Ordinal);
        var (line, column) = Position(draft, wrong, "no-such-step");

        using var marketing = _host.Client(HostFactory.MarketingKey);
        var problem = await (await marketing.PostJsonAsync("/api/simulations", new { template = draft, scenario = Scenario }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity);

        var errors = problem["errors"]!.AsArray().Select(e => e!).ToList();
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.StartsWith("template.", e["path"]!.GetValue<string>(), StringComparison.Ordinal));
        var missing = Assert.Single(errors, e => e["message"]!.GetValue<string>().Contains("'no-such-step'", StringComparison.Ordinal));
        Assert.Matches(@"^template\.steps\[\d+\]\.next$", missing["path"]!.GetValue<string>());
        Assert.Equal(line, missing["line"]!.GetValue<int>());
        Assert.Equal(column, missing["column"]!.GetValue<int>());
    }

    [Fact]
    public async Task ScenarioWithAnUnknownEventName_422_AtScenarioEvents1Name_WithItsLine()
    {
        var scenario = Scenario.Replace("name: testdrive.booked", "name: testdrive.bookd", StringComparison.Ordinal);
        var (line, column) = Position(scenario, "name: testdrive.bookd", "testdrive.bookd");

        using var marketing = _host.Client(HostFactory.MarketingKey);
        var problem = await (await marketing.PostJsonAsync("/api/simulations", new { templateId = "new-car-purchase", scenario }))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "scenario.events[1].name");

        var error = problem["errors"]!.AsArray().Single(e => e!["path"]!.GetValue<string>() == "scenario.events[1].name")!;
        Assert.Contains("testdrive.bookd", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(line, error["line"]!.GetValue<int>());
        Assert.Equal(column, error["column"]!.GetValue<int>());
    }

    [Fact]
    public async Task DealerKey_403_NoKey_401()
    {
        var request = new { templateId = "new-car-purchase", scenario = Scenario };
        using var dealer = _host.Client(HostFactory.DealerKey);
        await (await dealer.PostJsonAsync("/api/simulations", request)).ProblemAsync(HttpStatusCode.Forbidden);
        using var anonymous = _host.Client(null);
        await (await anonymous.PostJsonAsync("/api/simulations", request)).ProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Simulation_StoresNothing_NoCustomerJourneyTaskOrMailOnTheHost()
    {
        // A customer of the dealer's own: whatever the simulation stored would be the dealer's to see.
        var scenario = Scenario
            .Replace("id: anna", "id: sim-only-customer", StringComparison.Ordinal)
            .Replace("anna@example.com", "sim-only-4711@example.com", StringComparison.Ordinal);
        using var marketing = _host.Client(HostFactory.MarketingKey);
        var result = await (await marketing.PostJsonAsync("/api/simulations", new { templateId = "new-car-purchase", scenario })).ReadJsonAsync(HttpStatusCode.OK);

        // The simulation did send e-mails and create tasks (in its own memory) ...
        var timeline = result["timeline"]!.AsArray();
        Assert.Contains(timeline, e => e!["kind"]!.GetValue<string>() == "email" && e["data"]?["to"]?.GetValue<string>() == "sim-only-4711@example.com");
        Assert.Contains(timeline, e => e!["kind"]!.GetValue<string>() == "task" && e["name"]!.GetValue<string>() == "satisfaction-call");

        // ... none of which reached the host, not even after its clock moves (a stored timer would fire).
        using var admin = _host.Client(HostFactory.AdminKey);
        await admin.AdvanceAsync("P30D");
        using var dealer = _host.Client(HostFactory.DealerKey);
        var mailbox = (await dealer.OkJsonAsync("/api/dev/mailbox?limit=500"))["items"]!.AsArray();
        Assert.Empty(mailbox);
        Assert.Empty((await dealer.OkJsonAsync("/api/tasks"))["items"]!.AsArray());
        Assert.Empty((await dealer.OkJsonAsync("/api/journeys"))["items"]!.AsArray());
        Assert.Empty((await admin.OkJsonAsync("/api/dev/mailbox?limit=500"))["items"]!.AsArray());
        await (await dealer.GetAsync(U("/api/customers/sim-only-customer"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task OpenApi_DescribesThePost()
    {
        using var client = _host.Client(null);
        var document = await client.OkJsonAsync("/openapi/v1.json");
        var post = document["paths"]?["/api/simulations"]?["post"];
        Assert.NotNull(post);
        Assert.NotNull(post["requestBody"]);
        var responses = post["responses"]!.AsObject().Select(r => r.Key).ToList();
        Assert.Contains("200", responses);
        Assert.Contains("403", responses);
        Assert.Contains("422", responses);
    }

    private static string[] Lines(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    /// <summary>The 1-based line of the one line holding <paramref name="lineText"/>, and the column where <paramref name="value"/> starts on it.</summary>
    private static (int Line, int Column) Position(string text, string lineText, string value)
    {
        var lines = Lines(text);
        var index = Array.FindIndex(lines, l => l.Contains(lineText, StringComparison.Ordinal));
        Assert.True(index >= 0, $"No line holds '{lineText}'.");
        Assert.Equal(index, Array.FindLastIndex(lines, l => l.Contains(lineText, StringComparison.Ordinal)));
        return (index + 1, lines[index].IndexOf(value, StringComparison.Ordinal) + 1);
    }
}
