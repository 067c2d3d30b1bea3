using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JourneyOrchestrator.Host.Tests.EndToEnd;
using JourneyOrchestrator.Host.Tests.Support;
using Microsoft.Playwright;
using static JourneyOrchestrator.Host.Tests.Support.Api;
using static Microsoft.Playwright.Assertions;

namespace JourneyOrchestrator.Host.Tests.Console;

/// <summary>
/// The console in real Chromium against the real host process (manual clock, SQLite): sign-in and roles, the car-purchase
/// graph, a broken template's error at its path, a scenario's timeline, the reason of an e-mail, the funnel, the task board
/// and the mailbox, the admin's controls. Every test also fails on an error in the page (a script error, a CSP violation).
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ConsoleBrowserTests(ConsoleBrowser browser) : IClassFixture<ConsoleBrowser>
{
    private const string AdminKey = "dev-admin-key";
    private const string MarketingKey = "dev-marketing-key";
    private const string DealerKey = "dev-dealer-key";

    private HostProcess Host => browser.Host;

    [Fact]
    public async Task SignIn_FromTheKeyboard_ShowsOnlyWhatTheRoleMaySee_AndTheKeyIsInNoUrlAndNoLog()
    {
        await using var console = await browser.OpenAsync();
        var page = console.Page;

        // Nothing is readable without a key, from the page's own origin either.
        Assert.Equal(401, await page.EvaluateAsync<int>("fetch('/api/journeys').then(r => r.status)"));

        await page.GetByLabel("API key").FillAsync("not-a-key-at-all");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not known");

        await page.GetByLabel("API key").FillAsync("");
        await console.SignInAsync(MarketingKey);
        await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("marketing");
        await Expect(console.Nav("Templates")).ToBeVisibleAsync();
        await Expect(console.Nav("Analytics")).ToBeVisibleAsync();
        await Expect(console.Nav("Journeys")).ToHaveCountAsync(0);
        await Expect(console.Nav("Tasks")).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await console.SignInAsync(DealerKey);
        await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("dealer demo-dealer");
        await Expect(console.Nav("Templates")).ToHaveCountAsync(0);
        await Expect(console.Nav("Journeys")).ToBeVisibleAsync();

        // Keyboard only: the page has the focus after sign-in; Shift+Tab back into the header to the Tasks link, Enter opens the board.
        for (var i = 0; i < 12 && await page.EvaluateAsync<string>("document.activeElement?.textContent ?? ''") != "Tasks"; i++)
        {
            await page.Keyboard.PressAsync("Shift+Tab");
        }

        await page.Keyboard.PressAsync("Enter");
        await Expect(page).ToHaveURLAsync(new Regex("#/tasks$"));
        await Expect(page.GetByTestId("tasks-open")).ToBeVisibleAsync();

        // A reload keeps the session (sessionStorage), and the key was never in a URL nor in the host's log.
        await page.ReloadAsync();
        await Expect(page.GetByTestId("signed-in-as")).ToContainTextAsync("dealer");
        Assert.DoesNotContain(console.Requests, url => url.Contains(DealerKey, StringComparison.Ordinal) || url.Contains(MarketingKey, StringComparison.Ordinal));
        Assert.DoesNotContain(DealerKey, Host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(MarketingKey, Host.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(console.Errors, e => !e.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CarPurchaseGraph_StepsColouredByPhase_EdgesLabelledWithEvents_GoalsAndExitShown()
    {
        await using var console = await browser.OpenAsync();
        var page = console.Page;
        await console.SignInAsync(MarketingKey);
        await console.Nav("Templates").ClickAsync();
        await page.GetByTestId("templates").GetByRole(AriaRole.Link, new() { Name = "new-car-purchase", Exact = true }).ClickAsync();

        var graph = page.GetByTestId("template-graph");
        await Expect(graph.GetByTestId("node-brochure-follow-up")).ToBeVisibleAsync();
        await Expect(graph.GetByTestId("node-brochure-follow-up")).ToContainTextAsync("email");
        // Coloured by phase: the first e-mail is in 'communication', the delivery steps in 'purchase' (format.ts's colours).
        Assert.Equal("rgb(37, 99, 235)", await graph.GetByTestId("node-brochure-follow-up").EvaluateAsync<string>("n => getComputedStyle(n).borderTopColor"));
        var template = await Host.Client(MarketingKey).OkJsonAsync("/api/templates/new-car-purchase");
        var steps = template["template"]!["steps"]!.AsArray();
        Assert.Equal(steps.Count, await graph.Locator("[data-testid^='node-']:not([data-testid='node-exit'])").CountAsync());
        await Expect(graph.Locator(".gedge-label", new() { HasTextString = "testdrive.booked" }).First).ToBeVisibleAsync();
        await Expect(graph.Locator(".gedge-label", new() { HasTextRegex = new Regex("^timeout ") }).First).ToBeAttachedAsync();
        Assert.Equal(template["template"]!["goals"]!.AsArray().Count, await graph.GetByTestId("goal-node").CountAsync());
        await Expect(graph.GetByTestId("node-exit")).ToContainTextAsync("customer.unsubscribed");
        await Expect(page.GetByTestId("phase-legend")).ToContainTextAsync("orientation");
        await Expect(page.GetByTestId("phase-legend")).ToContainTextAsync("usage");
        await console.ScreenshotAsync("template-graph");
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task BrokenTemplate_TheErrorAppearsAtItsPathAndLine_AsYouType_AndAFixedOneIsPublishedAsANewVersion()
    {
        var marketing = Host.Client(MarketingKey);
        var source = (await marketing.OkJsonAsync("/api/templates/service-reminder"))["source"]!.GetValue<string>();
        var before = (await marketing.OkJsonAsync("/api/templates/service-reminder"))["version"]!.GetValue<int>();
        var broken = source.Replace("email: service-due-reminder", "email: service-due-reminderr", StringComparison.Ordinal);
        Assert.NotEqual(source, broken);
        var line = broken.Split('\n').ToList().FindIndex(l => l.Contains("service-due-reminderr", StringComparison.Ordinal)) + 1;

        await using var console = await browser.OpenAsync();
        var page = console.Page;
        await console.SignInAsync(MarketingKey);
        await page.GotoAsync($"/console/#/templates/service-reminder/{before}/edit");
        await Expect(page.GetByTestId("validation-ok")).ToBeVisibleAsync();

        var editor = page.GetByTestId("template-editor").Locator(".cm-content");
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.InsertTextAsync(broken);

        var error = page.GetByTestId("validation-errors").Locator("li");
        await Expect(error).ToHaveCountAsync(1);
        await Expect(error).ToContainTextAsync(new Regex(@"steps\[\d+\]\.email"));
        await Expect(error).ToContainTextAsync($"line {line}");
        await Expect(error).ToContainTextAsync("service-due-reminderr");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Publish as service-reminder" })).ToBeDisabledAsync();

        // The error's "line" button moves the cursor there (keyboard users reach the line without a mouse); the line is marked.
        await error.GetByRole(AriaRole.Button).ClickAsync();
        await Expect(page.Locator(".cm-activeLine")).ToContainTextAsync("service-due-reminderr");
        await Expect(page.Locator(".cm-lint-marker-error")).ToHaveCountAsync(1);
        await Expect(page.Locator(".cm-activeLine .cm-lintRange-error")).ToHaveCountAsync(1);
        await console.ScreenshotAsync("template-editor-error");

        // Fixed, with a changed description: valid again, published as the next version; the diff shows the change.
        var changed = source.Replace("description: Reminds an existing customer", "description: Reminds a customer", StringComparison.Ordinal);
        Assert.NotEqual(source, changed);
        await editor.ClickAsync();
        await page.Keyboard.PressAsync("Control+A");
        await page.Keyboard.InsertTextAsync(changed);
        await Expect(page.GetByTestId("validation-ok")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish as service-reminder" }).ClickAsync();
        await Expect(page.GetByTestId("published")).ToContainTextAsync($"Published service-reminder version {before + 1}");
        Assert.Equal(before + 1, (await marketing.OkJsonAsync("/api/templates/service-reminder"))["version"]!.GetValue<int>());

        await page.GotoAsync($"/console/#/templates/service-reminder/{before + 1}/diff");
        await Expect(page.GetByTestId("template-diff").Locator(".del")).ToContainTextAsync("- description: Reminds an existing customer");
        await Expect(page.GetByTestId("template-diff").Locator(".add")).ToContainTextAsync("+ description: Reminds a customer");
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task Scenario_RunsInVirtualTime_AndItsTimelineShowsEveryTouchpointInTheDealersZone_WithItsExpectations()
    {
        await using var console = await browser.OpenAsync();
        var page = console.Page;
        await console.SignInAsync(MarketingKey);
        await console.Nav("Test a template").ClickAsync();
        await Expect(page.GetByLabel("Scenario (YAML)")).ToHaveValueAsync(new Regex("scenario: books-test-drive-at-once"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Run scenario" }).ClickAsync();

        var timeline = page.GetByTestId("timeline");
        await Expect(timeline).ToBeVisibleAsync();
        var first = timeline.Locator("[data-testid='timeline-row'][data-kind='email']").First;
        await Expect(first).ToContainTextAsync("brochure-follow-up");
        await Expect(first).ToContainTextAsync("Mon 2027-03-01 09:00 +01:00"); // 08:00Z in Amsterdam
        Assert.True(await timeline.Locator("[data-testid='timeline-row'][data-kind='email']").CountAsync() >= 6);
        await Expect(timeline.Locator("[data-testid='timeline-row'][data-kind='decision']").First).ToContainTextAsync("testDriveAt");
        var expectations = page.GetByTestId("expectations").Locator("tbody tr");
        Assert.True(await expectations.CountAsync() >= 10);
        await Expect(page.GetByTestId("expectations").Locator("tr.fail")).ToHaveCountAsync(0);
        await Expect(page.GetByText("all expectations met")).ToBeVisibleAsync();

        // An expectation that cannot hold is shown as failed.
        var scenario = await page.GetByLabel("Scenario (YAML)").InputValueAsync();
        await page.GetByLabel("Scenario (YAML)").FillAsync(scenario.Replace("  - email: testdrive-invitation\n    none: true", "  - email: testdrive-invitation\n    count: 3", StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Run scenario" }).ClickAsync();
        await Expect(page.GetByTestId("expectations").Locator("tr.fail")).ToHaveCountAsync(1);
        await Expect(page.GetByTestId("expectations").Locator("tr.fail")).ToContainTextAsync("testdrive-invitation");
        await console.ScreenshotAsync("scenario");
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task Journey_WhyWasThisEmailSent_ItsTimerAndTheWaitItEnded()
    {
        var driver = new JourneyDriver(Host, customerId: "bea", journeyKey: "deal-why");
        await driver.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await driver.AdvanceAsync("P1D"); // no booking: the test-drive invitation goes out by the wait's timer

        await using var console = await browser.OpenAsync();
        var page = console.Page;
        await console.SignInAsync(DealerKey);
        await console.Nav("Journeys").ClickAsync();
        await page.GetByLabel("Customer").FillAsync("bea");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var rows = page.GetByTestId("journeys").Locator("tbody tr");
        await Expect(rows).ToHaveCountAsync(1);
        await rows.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($"#/journeys/{driver.JourneyId}$"));

        var invitation = page.Locator("[data-testid='timeline-row'][data-kind='email']", new() { HasTextString = "testdrive-invitation" });
        await Expect(invitation).ToContainTextAsync("sent");
        await invitation.GetByRole(AriaRole.Button, new() { Name = "Why?" }).ClickAsync();
        var why = page.GetByTestId("why-panel");
        await Expect(why).ToContainTextAsync("timer of 'wait-booking-before-invite'");
        await Expect(why).ToContainTextAsync("testdrive-invitation");
        await why.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^show #") }).ClickAsync();
        var cause = page.Locator("tr.tl-flash");
        await Expect(cause).ToHaveAttributeAsync("data-kind", "timeout");
        await Expect(cause).ToContainTextAsync("wait-booking-before-invite");

        // The follow-up was caused by the event that started the journey.
        var followUp = page.Locator("[data-testid='timeline-row'][data-kind='email']", new() { HasTextString = "brochure-follow-up" });
        await followUp.GetByRole(AriaRole.Button, new() { Name = "Why?" }).ClickAsync();
        await Expect(page.GetByTestId("why-panel")).ToContainTextAsync("event 'brochure.downloaded'");
        await console.ScreenshotAsync("journey-why");
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task Funnel_AfterAFewJourneys_ShowsTheApisCountsOfStepsGoalsAndWaits()
    {
        for (var i = 1; i <= 3; i++)
        {
            var driver = new JourneyDriver(Host, customerId: $"funnel-{i}", journeyKey: $"deal-funnel-{i}");
            await driver.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
            if (i == 1)
            {
                await driver.RaiseAsync("testdrive.booked", new { testDriveAt = HostProcess.Start.AddDays(20).ToString("O") });
            }
        }

        await Host.Client(AdminKey).AdvanceAsync("PT0S");
        var funnel = await Host.Client(MarketingKey).OkJsonAsync("/api/analytics/funnel?template=new-car-purchase&version=1");
        var journeys = funnel["journeys"]!.GetValue<int>();
        Assert.True(journeys >= 3, funnel.ToJsonString());

        await using var console = await browser.OpenAsync();
        var page = console.Page;
        await console.SignInAsync(MarketingKey);
        await console.Nav("Analytics").ClickAsync();
        await page.GetByLabel("Template").SelectOptionAsync("new-car-purchase");
        await page.GetByLabel("Version").SelectOptionAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show funnel" }).ClickAsync();

        await Expect(page.GetByTestId("funnel-journeys")).ToHaveTextAsync(journeys.ToString(CultureInfo.InvariantCulture));
        var followUp = page.GetByTestId("funnel-steps").Locator("tr", new() { HasTextString = "brochure-follow-up" });
        await Expect(followUp).ToContainTextAsync(Step(funnel, "brochure-follow-up").ToString(CultureInfo.InvariantCulture));
        var booked = funnel["waits"]!.AsArray().Single(w => w!["stepId"]!.GetValue<string>() == "wait-booking-before-invite")!;
        Assert.True(booked["byEvent"]!["testdrive.booked"]!.GetValue<int>() >= 1, booked.ToJsonString());
        await Expect(page.GetByTestId("funnel-waits").Locator("tr", new() { HasTextString = "wait-booking-before-invite" }))
            .ToContainTextAsync($"testdrive.booked: {booked["byEvent"]!["testdrive.booked"]!.GetValue<int>()}");
        foreach (var goal in funnel["goals"]!.AsArray())
        {
            await Expect(page.GetByTestId("funnel-goals").Locator("tr", new() { HasTextString = goal!["goal"]!.GetValue<string>() }))
                .ToContainTextAsync(goal["reached"]!.GetValue<int>().ToString(CultureInfo.InvariantCulture));
        }

        await Expect(page.Locator(".chart canvas")).ToBeVisibleAsync();
        await console.ScreenshotAsync("funnel");
        Assert.Empty(console.Errors);

        static int Step(JsonNode funnel, string id) =>
            funnel["steps"]!.AsArray().Single(s => s!["stepId"]!.GetValue<string>() == id)!["entered"]!.GetValue<int>();
    }

    [Fact]
    public async Task TaskBoard_OpenThenOverdue_CompletedFromTheBoard_AndTheMailboxShowsTheRenderedEmail()
    {
        var driver = new JourneyDriver(Host, customerId: "cara", journeyKey: "deal-board");
        await driver.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await driver.AdvanceAsync("P3D"); // the call task is created after three days without a booking
        var task = (await driver.TasksAsync()).Single(t => t["status"]!.GetValue<string>() == "open");
        var title = task["title"]!.GetValue<string>();

        await using var console = await browser.OpenAsync();
        var page = console.Page;
        await console.SignInAsync(DealerKey);
        await console.Nav("Tasks").ClickAsync();
        ILocator Card(string column) => page.GetByTestId(column).GetByTestId("task").Filter(new() { HasTextRegex = new Regex(@"· cara ·") });
        await Expect(Card("tasks-open")).ToContainTextAsync(title);

        await driver.AdvanceAsync("PT5H"); // past its due time, not yet escalated: overdue (the board reloads when asked)
        await page.ReloadAsync();
        await Expect(Card("tasks-overdue")).ToContainTextAsync(title);
        await Expect(Card("tasks-open")).ToHaveCountAsync(0);
        await console.ScreenshotAsync("tasks");
        await Card("tasks-overdue").GetByRole(AriaRole.Button, new() { Name = $"Complete: {title}" }).ClickAsync();
        await Expect(Card("tasks-overdue")).ToHaveCountAsync(0);
        Assert.Equal("completed", (await driver.TasksAsync()).Single(t => t["id"]!.GetValue<string>() == task["id"]!.GetValue<string>())["status"]!.GetValue<string>());

        var mail = (await driver.MailAsync())[0];
        await console.Nav("Mailbox").ClickAsync();
        var mailbox = page.GetByTestId("mailbox");
        await mailbox.GetByRole(AriaRole.Button, new() { NameRegex = new Regex(Regex.Escape(mail["subject"]!.GetValue<string>())) }).First.ClickAsync();
        var frame = page.FrameLocator("iframe.mail-body");
        await Expect(frame.Locator("body")).ToContainTextAsync("Hybrid X");
        Assert.Equal("", await page.Locator("iframe.mail-body").GetAttributeAsync("sandbox"));
        await console.ScreenshotAsync("mailbox");
        Assert.Empty(console.Errors);
    }

    [Fact]
    public async Task Admin_SuspendsResumesAndTerminatesAJourney_AndADealerHasNoSuchControls()
    {
        var driver = new JourneyDriver(Host, customerId: "dora", journeyKey: "deal-admin");
        await driver.RaiseAsync("brochure.downloaded", new { model = "Hybrid X" }, withProfile: true);
        await Host.Client(AdminKey).AdvanceAsync("PT0S");

        await using (var dealer = await browser.OpenAsync())
        {
            await dealer.SignInAsync(DealerKey);
            await dealer.Page.GotoAsync($"/console/#/journeys/{driver.JourneyId}");
            await Expect(dealer.Page.GetByTestId("journey-status")).ToHaveTextAsync("Running");
            await Expect(dealer.Page.GetByRole(AriaRole.Button, new() { Name = "Suspend" })).ToHaveCountAsync(0);
        }

        await using var console = await browser.OpenAsync();
        var page = console.Page;
        await console.SignInAsync(AdminKey);
        await page.GotoAsync($"/console/#/journeys/{driver.JourneyId}");
        var status = page.GetByTestId("journey-status");
        await Expect(status).ToHaveTextAsync("Running");
        await page.GetByLabel("Reason").FillAsync("customer asked for a pause");
        await page.GetByRole(AriaRole.Button, new() { Name = "Suspend" }).ClickAsync();
        await Expect(status).ToHaveTextAsync("Suspended");
        Assert.Equal("Suspended", (await driver.JourneyAsync())["status"]!.GetValue<string>());
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(status).ToHaveTextAsync("Running");

        page.Dialog += async (_, dialog) => await dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Terminate" }).ClickAsync();
        await Expect(status).ToHaveTextAsync("Terminated");
        Assert.Equal("Terminated", (await driver.JourneyAsync())["status"]!.GetValue<string>());
        Assert.Empty(console.Errors);
    }
}
