using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Cli;
using JourneyOrchestrator.Host.Tests.EndToEnd;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Templates.Tests.Support;
using Spectre.Console.Testing;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Simulation;

/// <summary>
/// The <c>journey</c> CLI's remote commands (<c>publish</c>, <c>raise</c>, <c>inspect</c>, <c>replay --journey</c>), run
/// in-process (<see cref="JourneyCli.RunAsync"/>, a recording console, an environment of the test's own) against the real
/// host process; the API key is never printed, whether it is right, wrong or missing.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class CliRemoteEndToEndTests(SimulationHost fixture) : IClassFixture<SimulationHost>, IDisposable
{
    /// <summary>A key no host knows, distinctive enough that any print of it shows.</summary>
    private const string WrongKey = "wrong-key-Zq7XkP9-never-print-me";

    private readonly HostProcess _host = fixture.Host;
    private readonly TestDirectory _folder = new();

    private string HostUrl => _host.BaseAddress.ToString();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Publish_ACopyOfTheServiceReminderWithAnotherName_Exit0_TheHostListsANewVersion()
    {
        using var marketing = _host.Client(HostFactory.MarketingKey);
        var before = await TemplateAsync(marketing, "service-reminder");
        Assert.Equal("Service reminder", before["name"]!.GetValue<string>());
        var file = CopyTemplate("service-reminder.yaml", t => t.Replace("name: Service reminder\n", "name: Service reminder (CLI)\n", StringComparison.Ordinal));

        var run = await RunAsync(["publish", file, "--host", HostUrl], HostFactory.MarketingKey);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var version = before["latestVersion"]!.GetValue<int>() + 1;
        Assert.Contains($"published service-reminder version {version}", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(HostFactory.MarketingKey, run.Output, StringComparison.Ordinal);
        var after = await TemplateAsync(marketing, "service-reminder");
        Assert.Equal((version, "Service reminder (CLI)"), (after["latestVersion"]!.GetValue<int>(), after["name"]!.GetValue<string>()));
        Assert.Equal("Service reminder (CLI)", (await marketing.OkJsonAsync($"/api/templates/service-reminder/versions/{version}"))["name"]!.GetValue<string>());

        // The same file again: the same content, no new version.
        var again = await RunAsync(["publish", file, "--host", HostUrl], HostFactory.MarketingKey);
        Assert.True(again.ExitCode == ExitCodes.Ok, again.ToString());
        Assert.Equal(version, (await TemplateAsync(marketing, "service-reminder"))["latestVersion"]!.GetValue<int>());
    }

    [Fact]
    public async Task Publish_RefusedByTheHost_Exit3_PrintsTheHostsErrorsWithTheirPathsAndLines()
    {
        // Valid beside its own e-mails folder, but the host has no e-mail 'cli-only-offer'.
        File.WriteAllText(Path.Combine(EmailsFolder(), "cli-only-offer.liquid"), "subject: Hi {{ customer.firstName }}\n<p>Hi</p>\n");
        var file = Path.Combine(_folder.Path, "cli-only.yaml");
        File.WriteAllText(file, """
            id: cli-only
            name: CLI only
            events: [promo.requested]
            entry:
              events: [promo.requested]
            start: promo
            steps:
              - id: promo
                kind: email
                phase: communication
                email: cli-only-offer
                category: transactional
                next: done
              - id: done
                kind: end
                phase: communication
            """);

        var run = await RunAsync(["publish", file, "--host", HostUrl], HostFactory.MarketingKey);

        Assert.True(run.ExitCode == ExitCodes.Remote, run.ToString());
        Assert.Contains("422", run.Output, StringComparison.Ordinal);
        Assert.Contains("steps[0].email (line 11, column 12)", run.Output, StringComparison.Ordinal);
        Assert.Contains("cli-only-offer", run.Output, StringComparison.Ordinal);
        using var marketing = _host.Client(HostFactory.MarketingKey);
        await (await marketing.GetAsync(U("/api/templates/cli-only"))).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RaiseInspectReplay_AJourneyStartedByTheCli_IsShown_AndReplaysIntoADraftFromItsEntryEvent()
    {
        // The CLI's raise sends no profile: the customer is put first, as a dealer system would.
        using var dealer = _host.Client(HostFactory.DealerKey);
        await (await dealer.PutJsonAsync("/api/customers/cli-carla", new
        {
            dealerId = HostFactory.Dealer,
            email = "carla@example.com",
            firstName = "Carla",
            lastName = "Jansen",
            locale = "nl-NL",
            timeZone = "Europe/Amsterdam",
            consent = new { email = true },
        })).ReadJsonAsync(HttpStatusCode.Created);

        var raised = await RunAsync(
            ["raise", "cli-carla", "brochure.downloaded", "--dealer", HostFactory.Dealer, "--event-id", "crm-cli-1", "--data", """{"model":"Hybrid X"}""", "--host", HostUrl],
            HostFactory.DealerKey);
        Assert.True(raised.ExitCode == ExitCodes.Ok, raised.ToString());
        var accepted = JsonNode.Parse(raised.Output)!;
        Assert.Equal("crm-cli-1", accepted["eventId"]!.GetValue<string>());
        var journeyId = Assert.Single(accepted["journeyIds"]!.AsArray())!.GetValue<string>();
        Assert.StartsWith("j-new-car-purchase-", journeyId, StringComparison.Ordinal);
        Assert.Equal("started", accepted["journeys"]![0]!["outcome"]!.GetValue<string>());

        // The journey's first e-mail went out with the event's data (--data reached the journey).
        using var admin = _host.Client(HostFactory.AdminKey);
        await admin.AdvanceAsync("PT0S");
        var mail = Assert.Single((await dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={journeyId}"))["items"]!.AsArray())!;
        Assert.Contains("Hybrid X", mail["subject"]!.GetValue<string>(), StringComparison.Ordinal);

        // A booked test drive, raised the same way two hours later: the journey's history holds it.
        await admin.AdvanceAsync("PT2H");
        var booked = await RunAsync(
            ["raise", "cli-carla", "testdrive.booked", "--dealer", HostFactory.Dealer, "--event-id", "crm-cli-2", "--data", """{"testDriveAt":"2026-01-09T10:00:00Z"}""", "--host", HostUrl],
            HostFactory.DealerKey);
        Assert.True(booked.ExitCode == ExitCodes.Ok, booked.ToString());
        Assert.Equal([journeyId], JsonNode.Parse(booked.Output)!["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        await admin.AdvanceAsync("PT0S");

        var inspected = await RunAsync(["inspect", journeyId, "--json", "--host", HostUrl], HostFactory.DealerKey);
        Assert.True(inspected.ExitCode == ExitCodes.Ok, inspected.ToString());
        var detail = JsonNode.Parse(inspected.Output)!;
        Assert.Equal(journeyId, detail["id"]!.GetValue<string>());
        Assert.Equal(("new-car-purchase", "cli-carla", "demo-dealer"),
            (detail["templateId"]!.GetValue<string>(), detail["customerId"]!.GetValue<string>(), detail["dealerId"]!.GetValue<string>()));
        var first = Assert.Single(detail["touchpoints"]!.AsArray(), t => t!["name"]!.GetValue<string>() == "brochure-follow-up")!;
        Assert.Equal(("event", "brochure.downloaded", "crm-cli-1"),
            (first["cause"]!["kind"]!.GetValue<string>(), first["cause"]!["name"]!.GetValue<string>(), first["cause"]!["eventId"]!.GetValue<string>()));
        Assert.Equal("choice", detail["phase"]!.GetValue<string>()); // testdrive.booked took it on

        // The human view of the same journey names it too.
        var table = await RunAsync(["inspect", journeyId, "--host", HostUrl], HostFactory.DealerKey);
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Contains(journeyId, table.Output, StringComparison.Ordinal);
        Assert.Contains("brochure-follow-up", table.Output, StringComparison.Ordinal);

        // Replayed into a draft (the shipped template, renamed, beside its e-mails): the timeline starts with the entry event.
        var draft = CopyTemplate("new-car-purchase.yaml", t => t.Replace("name: New car purchase\n", "name: New car purchase (draft)\n", StringComparison.Ordinal));
        var replay = await RunAsync(["replay", draft, "--journey", journeyId, "--json", "--host", HostUrl], HostFactory.DealerKey);
        Assert.True(replay.ExitCode == ExitCodes.Ok, replay.ToString());
        var result = JsonNode.Parse(replay.Output)!;
        Assert.Equal($"replay of {journeyId}", result["scenario"]!.GetValue<string>());
        Assert.Equal("new-car-purchase", result["templateId"]!.GetValue<string>());
        Assert.Equal(HostProcess.Start, result["start"]!.GetValue<DateTimeOffset>());
        var timeline = result["timeline"]!.AsArray();
        var entry = timeline[0]!;
        Assert.Equal(("start", "brochure.downloaded"), (entry["kind"]!.GetValue<string>(), entry["name"]!.GetValue<string>()));
        Assert.Equal("crm-cli-1", entry["data"]!["eventId"]!.GetValue<string>());
        Assert.Equal("Hybrid X", entry["data"]!["data"]!["model"]!.GetValue<string>());
        Assert.Equal(HostProcess.Start, entry["at"]!.GetValue<DateTimeOffset>());
        var bookedEntry = Assert.Single(timeline, e => e!["kind"]!.GetValue<string>() == "event" && e["name"]!.GetValue<string>() == "testdrive.booked")!;
        Assert.Equal(HostProcess.Start.AddHours(2), bookedEntry["at"]!.GetValue<DateTimeOffset>());
        // The draft would have reminded Carla the day before her test drive (Friday 9 January 10:00 UTC).
        var reminder = Assert.Single(timeline, e => e!["kind"]!.GetValue<string>() == "email" && e["name"]!.GetValue<string>() == "testdrive-reminder")!;
        Assert.Equal(new DateTimeOffset(2026, 1, 8, 10, 0, 0, TimeSpan.Zero), reminder["at"]!.GetValue<DateTimeOffset>());
        Assert.Equal("See you tomorrow for your test drive, Carla", reminder["data"]!["subject"]!.GetValue<string>());

        Assert.All([raised, booked, inspected, table, replay], r => Assert.DoesNotContain(HostFactory.DealerKey, r.Output, StringComparison.Ordinal));
    }

    [Fact]
    public async Task WrongKey_EveryRemoteCommand_Exit3_AndTheKeyIsNeverPrinted()
    {
        var draft = CopyTemplate("new-car-purchase.yaml");
        foreach (var args in RemoteCommands(draft))
        {
            var run = await RunAsync([.. args, "--host", HostUrl], WrongKey);
            Assert.True(run.ExitCode == ExitCodes.Remote, $"{string.Join(' ', args)}: {run}");
            Assert.Contains("401", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongKey, run.Output, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(WrongKey, _host.Output, StringComparison.Ordinal); // nor in the host's log
    }

    [Fact]
    public async Task NoKey_EveryRemoteCommand_Exit2_NamesTheVariable_AndNoKeyIsPrinted()
    {
        var draft = CopyTemplate("new-car-purchase.yaml");
        // The key is in the environment, under a name the command is not told to read.
        var environment = new Dictionary<string, string> { ["SOME_OTHER_KEY"] = WrongKey };
        foreach (var args in RemoteCommands(draft))
        {
            var run = await RunAsync([.. args, "--host", HostUrl], environment);
            Assert.True(run.ExitCode == ExitCodes.Usage, $"{string.Join(' ', args)}: {run}");
            Assert.Contains("JOURNEY_API_KEY", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongKey, run.Output, StringComparison.Ordinal);

            // --api-key-env names another variable, which is not set: that one is named.
            var named = await RunAsync([.. args, "--host", HostUrl, "--api-key-env", "MY_JOURNEY_KEY"], environment);
            Assert.True(named.ExitCode == ExitCodes.Usage, $"{string.Join(' ', args)}: {named}");
            Assert.Contains("MY_JOURNEY_KEY", named.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(WrongKey, named.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>Each remote command, as it would be called (with a journey id no host has: the key is checked first).</summary>
    private static string[][] RemoteCommands(string draft) =>
    [
        ["publish", draft],
        ["raise", "cli-nobody", "brochure.downloaded", "--dealer", HostFactory.Dealer, "--data", """{"model":"Hybrid X"}"""],
        ["inspect", "j-no-such-journey", "--json"],
        ["replay", draft, "--journey", "j-no-such-journey", "--json"],
    ];

    private static async Task<JsonNode> TemplateAsync(HttpClient client, string id) =>
        (await client.OkJsonAsync("/api/templates")).AsArray().Single(t => t!["id"]!.GetValue<string>() == id)!;

    /// <summary>The shipped e-mails, copied beside the test's template files (where the CLI looks for them).</summary>
    private string EmailsFolder()
    {
        var folder = Path.Combine(_folder.Path, "emails");
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            foreach (var file in Directory.GetFiles(Path.Combine(Repo.TemplatesFolder, "emails")))
            {
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            }
        }

        return folder;
    }

    /// <summary>A shipped template, changed by <paramref name="change"/>, in the test's folder beside the e-mails; its path.</summary>
    private string CopyTemplate(string name, Func<string, string>? change = null)
    {
        EmailsFolder();
        var text = Repo.Read(name).Replace("\r\n", "\n", StringComparison.Ordinal);
        var changed = change?.Invoke(text) ?? text;
        Assert.True(change is null || changed != text, $"The change did not apply to {name}.");
        var path = Path.Combine(_folder.Path, name);
        File.WriteAllText(path, changed);
        return path;
    }

    private static Task<CliRun> RunAsync(string[] args, string apiKey) =>
        RunAsync(args, new Dictionary<string, string> { ["JOURNEY_API_KEY"] = apiKey });

    /// <summary>Runs the CLI in-process on a wide recording console, with only <paramref name="environment"/> as its environment.</summary>
    private static async Task<CliRun> RunAsync(string[] args, Dictionary<string, string> environment)
    {
        using var console = new TestConsole().Width(1000);
        var code = await JourneyCli.RunAsync(args, console, name => environment.TryGetValue(name, out var value) ? value : null);
        return new CliRun(code, console.Output);
    }

    private sealed record CliRun(int ExitCode, string Output)
    {
        public override string ToString() => $"exit code {ExitCode}\n{Output}";
    }
}
