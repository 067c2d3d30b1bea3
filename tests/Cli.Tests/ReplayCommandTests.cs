using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Cli.Tests.Support;
using JourneyOrchestrator.Core.History;

namespace JourneyOrchestrator.Cli.Tests;

/// <summary><c>journey replay --from</c>: a saved journey detail (with its history) replayed into a template.</summary>
public sealed class ReplayCommandTests
{
    private const string Started = "2027-03-01T08:00:00Z";
    private const string Booked = "2027-03-01T13:00:00Z";
    private const string QuoteSent = "2027-03-06T08:00:00Z";

    [Fact]
    public void The_hand_made_history_is_what_the_host_writes()
    {
        var history = (JsonArray)Detail()["history"]!;

        var events = history.Select(e => HistoryJson.Deserialize(e!.ToJsonString())).ToList();

        Assert.IsType<JourneyStarted>(events[0]);
        Assert.Equal(2, events.OfType<ExternalEventReceived>().Count());
        Assert.All(events, e => Assert.Equal(JsonNode.Parse(HistoryJson.Serialize(e))!["type"]!.GetValue<string>(), e.TypeName));
    }

    [Fact]
    public async Task The_recorded_events_are_taken_at_their_times()
    {
        using var temp = new TempFolder();
        var detail = Detail();
        var file = temp.Write("detail.json", detail.ToJsonString());
        var history = (JsonArray)detail["history"]!;

        var run = await CliRun.RunAsync("replay", Repo.NewCarPurchase, "--from", file, "--after", "P1M", "--json");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal("replay of j-new-car-purchase-anna", root.GetProperty("scenario").GetString());
        Assert.Equal(Started, root.GetProperty("start").GetString());
        Assert.Equal("2027-04-06T08:00:00Z", root.GetProperty("horizon").GetString()); // a month past the last event
        var timeline = root.GetProperty("timeline").EnumerateArray().ToList();

        var start = timeline[0];
        Assert.Equal("start", start.GetProperty("kind").GetString());
        Assert.Equal("brochure.downloaded", start.GetProperty("name").GetString());
        Assert.Equal(Started, start.GetProperty("at").GetString());
        Assert.Equal("ev-brochure", start.GetProperty("data").GetProperty("eventId").GetString());

        var events = timeline.Where(e => e.GetProperty("kind").GetString() == "event").ToList();
        Assert.Equal(["testdrive.booked", "quote.sent"], events.Select(e => e.GetProperty("name").GetString()));
        Assert.All(events, e => Assert.Equal("taken", e.GetProperty("status").GetString()));
        Assert.Equal([Booked, QuoteSent], events.Select(e => e.GetProperty("at").GetString()));
        Assert.Equal(["ev-booked", "ev-quote"], events.Select(e => e.GetProperty("data").GetProperty("eventId").GetString()));
        var paths = history.Select((e, i) => (e, i)).Where(x => x.e!["type"]!.GetValue<string>() == "ExternalEventReceived").Select(x => $"history[{x.i}]");
        Assert.Equal(paths, events.Select(e => e.GetProperty("data").GetProperty("path").GetString()));
        Assert.Equal("2027-03-05T10:00:00Z", events[0].GetProperty("data").GetProperty("data").GetProperty("testDriveAt").GetString());

        // What the draft did with them: the recorded customer in the subject, the booking before the invitation was due.
        var emails = timeline.Where(e => e.GetProperty("kind").GetString() == "email").ToList();
        var brochure = Assert.Single(emails, e => e.GetProperty("name").GetString() == "brochure-follow-up");
        Assert.Equal("Anna, your Hybrid X brochure — and a test drive?", brochure.GetProperty("data").GetProperty("subject").GetString());
        Assert.DoesNotContain(emails, e => e.GetProperty("name").GetString() == "testdrive-invitation");
        var reminder = Assert.Single(emails, e => e.GetProperty("name").GetString() == "testdrive-reminder");
        Assert.StartsWith("2027-03-04", reminder.GetProperty("at").GetString(), StringComparison.Ordinal); // the day before the recorded test drive
        var quote = Assert.Single(emails, e => e.GetProperty("name").GetString() == "quote-follow-up");
        Assert.Equal(QuoteSent, quote.GetProperty("at").GetString());
        var choice = Assert.Single(timeline, e => e.GetProperty("kind").GetString() == "phase" && e.GetProperty("name").GetString() == "choice");
        Assert.Equal(Booked, choice.GetProperty("at").GetString());
    }

    [Fact]
    public async Task The_table_shows_what_the_journey_did_beside_what_the_draft_would()
    {
        using var temp = new TempFolder();
        var file = temp.Write("detail.json", Detail().ToJsonString());

        var run = await CliRun.RunAsync("replay", Repo.NewCarPurchase, "--from", file, "--after", "P1M");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("event testdrive.booked (taken)", run.Output, StringComparison.Ordinal);
        Assert.Equal("the journey did:  email brochure-follow-up (sent)", run.LineWith("the journey did:").TrimEnd());
        var would = run.LineWith("the draft would:");
        Assert.Contains("email brochure-follow-up (sent)", would, StringComparison.Ordinal);
        Assert.Contains("email quote-follow-up (sent)", would, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_document_without_history_is_a_usage_error_that_says_how_to_get_one()
    {
        using var temp = new TempFolder();
        var detail = Detail();
        detail.Remove("history");
        var file = temp.Write("detail.json", detail.ToJsonString());

        var run = await CliRun.RunAsync("replay", Repo.NewCarPurchase, "--from", file);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("no 'history'", run.Output, StringComparison.Ordinal);
        Assert.Contains("?history=true", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", run.Output, StringComparison.Ordinal);
    }

    public static TheoryData<string> Malformed() =>
    [
        "payload-not-json",
        "input-not-text",
        "input-not-json",
        "timestamp-not-an-instant",
        "not-an-object",
    ];

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_document_that_is_not_a_journey_detail_is_a_usage_error_not_a_crash(string how)
    {
        using var temp = new TempFolder();
        JsonNode detail = Detail();
        var history = (JsonArray)detail["history"]!;
        switch (how)
        {
            case "payload-not-json":
                history[5]!["payload"] = "not json";
                break;
            case "input-not-text":
                history[0]!["input"] = JsonNode.Parse(history[0]!["input"]!.GetValue<string>());
                break;
            case "input-not-json":
                history[0]!["input"] = "{oops";
                break;
            case "timestamp-not-an-instant":
                history[5]!["timestamp"] = "yesterday";
                break;
            default:
                detail = new JsonArray(1, 2);
                break;
        }

        var file = temp.Write("detail.json", detail.ToJsonString());

        var run = await CliRun.RunAsync("replay", Repo.NewCarPurchase, "--from", file);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("error: The document is not a journey detail with its history", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_JSON_is_a_usage_error()
    {
        using var temp = new TempFolder();
        var file = temp.Write("detail.json", "journey: not json");

        var run = await CliRun.RunAsync("replay", Repo.NewCarPurchase, "--from", file);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("is not JSON", run.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// A journey detail as <c>GET /api/journeys/{id}?history=true</c> answers it: Anna downloaded the brochure, booked a test
    /// drive five hours later and got a quote five days after that. History events are camelCase with a "type" discriminator;
    /// JourneyStarted's input is the interpreter's JourneyInput as JSON text, each ExternalEventReceived's payload the raised
    /// event's {eventId, data} as JSON text.
    /// </summary>
    private static JsonObject Detail()
    {
        var customer = new JsonObject
        {
            ["id"] = "anna", ["dealerId"] = "demo-dealer", ["email"] = "anna@example.com", ["firstName"] = "Anna", ["lastName"] = "de Vries",
            ["locale"] = "nl-NL", ["consent"] = new JsonObject { ["email"] = true }, ["updatedAt"] = Started,
        };
        var input = new JsonObject
        {
            ["templateId"] = "new-car-purchase", ["templateVersion"] = 3, ["dealerId"] = "demo-dealer", ["customerId"] = "anna",
            ["journeyKey"] = "deal-1", ["customer"] = customer, ["data"] = new JsonObject { ["model"] = "Hybrid X" },
            ["trigger"] = new JsonObject
            {
                ["name"] = "brochure.downloaded", ["eventId"] = "ev-brochure", ["occurredAt"] = Started, ["data"] = new JsonObject { ["model"] = "Hybrid X" },
            },
            ["iteration"] = 0, ["runId"] = "run-1",
        };
        var history = new JsonArray
        {
            new JsonObject { ["type"] = "JourneyStarted", ["timestamp"] = Started, ["name"] = "journey", ["version"] = "", ["executionId"] = "x-1", ["input"] = input.ToJsonString() },
            new JsonObject { ["type"] = "EpisodeStarted", ["timestamp"] = Started },
            new JsonObject { ["type"] = "ActivityScheduled", ["timestamp"] = Started, ["sequence"] = 0, ["name"] = "journey.send-email", ["input"] = "{}", ["attempt"] = 1 },
            new JsonObject { ["type"] = "ActivityCompleted", ["timestamp"] = Started, ["scheduledSequence"] = 0, ["result"] = "{\"status\":\"sent\"}" },
            new JsonObject { ["type"] = "TimerScheduled", ["timestamp"] = Started, ["sequence"] = 1, ["fireAt"] = "2027-03-02T08:00:00Z" },
            new JsonObject
            {
                ["type"] = "ExternalEventReceived", ["timestamp"] = Booked, ["name"] = "testdrive.booked", ["eventId"] = "ev-booked",
                ["payload"] = new JsonObject { ["eventId"] = "ev-booked", ["data"] = new JsonObject { ["testDriveAt"] = "2027-03-05T10:00:00Z" } }.ToJsonString(),
            },
            new JsonObject { ["type"] = "EpisodeStarted", ["timestamp"] = Booked },
            new JsonObject { ["type"] = "TimerCancelled", ["timestamp"] = Booked, ["timerSequence"] = 1 },
            new JsonObject
            {
                ["type"] = "ExternalEventReceived", ["timestamp"] = QuoteSent, ["name"] = "quote.sent", ["eventId"] = "ev-quote",
                ["payload"] = new JsonObject { ["eventId"] = "ev-quote", ["data"] = new JsonObject { ["quoteAmount"] = 38900 } }.ToJsonString(),
            },
            new JsonObject { ["type"] = "EpisodeStarted", ["timestamp"] = QuoteSent },
        };
        return new JsonObject
        {
            ["id"] = "j-new-car-purchase-anna", ["status"] = "Running", ["templateId"] = "new-car-purchase", ["templateVersion"] = 3,
            ["dealerId"] = "demo-dealer", ["customerId"] = "anna", ["journeyKey"] = "deal-1", ["phase"] = "choice",
            ["currentSteps"] = new JsonArray("wait-testdrive-reminder"), ["waitingFor"] = new JsonArray("contract.signed"),
            ["goalsReached"] = new JsonArray(), ["iteration"] = 0,
            ["touchpoints"] = new JsonArray(new JsonObject
            {
                ["id"] = "tp-1", ["journeyId"] = "j-new-car-purchase-anna", ["dealerId"] = "demo-dealer", ["customerId"] = "anna",
                ["stepId"] = "brochure-follow-up", ["channel"] = "email", ["name"] = "brochure-follow-up", ["status"] = "sent",
                ["cause"] = new JsonObject { ["kind"] = "start", ["name"] = "brochure.downloaded", ["eventId"] = "ev-brochure" }, ["occurredAt"] = Started,
            }),
            ["createdAt"] = Started, ["lastUpdatedAt"] = QuoteSent,
            ["history"] = history,
        };
    }
}
