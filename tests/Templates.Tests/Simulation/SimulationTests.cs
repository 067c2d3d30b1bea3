using JourneyOrchestrator.Templates.Simulation;
using JourneyOrchestrator.Templates.Tests.Support;
using static JourneyOrchestrator.Templates.Tests.Simulation.SimulationTestKit;

namespace JourneyOrchestrator.Templates.Tests.Simulation;

/// <summary>The simulator's behaviour: determinism, decisions with their inputs, quiet hours, repeats, the end, runaway templates.</summary>
public sealed class SimulationTests
{
    private const string Brochure = """
        start: 2027-03-01T08:00:00Z
        horizon: P2M
        customer: { id: anna, firstName: Anna, email: anna@example.com }
        events:
          - at: +PT0S
            name: brochure.downloaded
            data: { model: Hybrid X }
        """;

    [Fact]
    public async Task The_same_inputs_give_the_same_bytes()
    {
        var scenario = Repo.Read("scenarios/new-car-purchase/books-test-drive-at-once.yaml");
        var template = Shipped("new-car-purchase");
        var first = (await RunAsync(template, scenario)).ToJson();
        var second = (await RunAsync(template, scenario)).ToJson();
        Assert.Equal(first, second);
        Assert.Contains("\"subject\": \"See you tomorrow for your test drive, Anna\"", first, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_split_takes_the_same_arm_for_the_same_seed_and_both_arms_across_seeds()
    {
        var template = Shipped("service-reminder");
        var arms = new HashSet<string>();
        for (var seed = 0; seed < 16; seed++)
        {
            var scenario = $"""
                seed: s{seed}
                horizon: P2M
                events:
                  - at: +PT0S
                    name: service.due
                """;
            var arm = (await RunAsync(template, scenario)).Of(TimelineKinds.Decision).Single(d => d.Step == "call-or-wait").Data!["arm"]!.GetValue<string>();
            var again = (await RunAsync(template, scenario)).Of(TimelineKinds.Decision).Single(d => d.Step == "call-or-wait").Data!["arm"]!.GetValue<string>();
            Assert.Equal(arm, again);
            arms.Add(arm);
        }

        Assert.Equal(["call-first", "email-only"], arms.Order());
    }

    [Fact]
    public async Task A_condition_shows_the_values_it_decided_on()
    {
        var result = await RunAsync(Shipped("new-car-purchase"), """
            horizon: P1M
            events:
              - at: +PT0S
                name: brochure.downloaded
              - at: +PT2H
                name: testdrive.booked
            """);
        var decision = Assert.Single(result.Of(TimelineKinds.Decision));
        Assert.Equal("has-testdrive-date", decision.Step);
        Assert.Equal("wait-testdrive-done", decision.Name);
        Assert.False(decision.Data!["result"]!.GetValue<bool>());
        Assert.True(decision.Data["inputs"]!.AsObject().ContainsKey("data.testDriveAt"));
    }

    [Fact]
    public async Task A_marketing_email_in_quiet_hours_waits_for_their_end_in_the_dealers_zone()
    {
        var result = await RunAsync(Shipped("new-car-purchase"), """
            start: 2027-03-01T21:30:00Z      # 22:30 in Amsterdam
            horizon: P1D
            dealer: { timeZone: Europe/Amsterdam, quietHours: "21:00-08:00" }
            events:
              - at: +PT0S
                name: brochure.downloaded
            """);
        var wait = result.Of(TimelineKinds.Wait)[0];
        Assert.Contains("quiet hours", wait.Detail, StringComparison.Ordinal);
        var email = Assert.Single(result.Of(TimelineKinds.Email, "brochure-follow-up"));
        Assert.Equal(new DateTimeOffset(2027, 3, 2, 7, 0, 0, TimeSpan.Zero), email.At);
        Assert.Equal("Tue 2027-03-02 08:00 +01:00", email.Local);
    }

    [Fact]
    public async Task A_repeated_event_id_is_ignored_and_an_event_after_the_end_is_said()
    {
        var result = await RunAsync(Shipped("new-car-purchase"), """
            horizon: P1M
            events:
              - at: +PT0S
                name: brochure.downloaded
              - at: +PT1H
                name: testdrive.booked
              - at: +P1D
                name: quote.sent
                id: q-1
              - at: +P2D
                name: quote.rejected
              - at: +P3D
                name: quote.sent      # the dealer system retries q-1 while the journey waits for a revised quote
                id: q-1
              - at: +P4D
                name: testdrive.completed
              - at: +P5D
                name: customer.unsubscribed
              - at: +P6D
                name: quote.sent
            """);
        var events = result.Of(TimelineKinds.Event);
        Assert.Equal(["taken", "taken", "taken", "ignored-repeat", "not-taken", "taken", "after-end"], events.Select(e => e.Status));
        Assert.Contains("no wait took it", events[4].Detail, StringComparison.Ordinal);
        Assert.Equal(SimulationOutcomes.Completed, result.Outcome);
        Assert.Equal("exit:customer.unsubscribed", result.EndReason);
    }

    [Fact]
    public async Task Completing_a_task_on_time_stops_its_escalation()
    {
        const string Events = """
            horizon: P10D
            events:
              - at: +PT0S
                name: brochure.downloaded
            """;
        var unanswered = await RunAsync(Shipped("new-car-purchase"), Events);
        Assert.Contains(unanswered.Of(TimelineKinds.Task, "call-testdrive-invite"), t => t.Status == "escalated");

        var called = await RunAsync(Shipped("new-car-purchase"), Events + """

              - at: +P3DT1H
                complete: call-testdrive-invite
                outcome: reached
            """);
        Assert.Single(called.Of(TimelineKinds.Completion, "call-testdrive-invite"));
        Assert.DoesNotContain(called.Of(TimelineKinds.Task, "call-testdrive-invite"), t => t.Status == "escalated");
    }

    [Fact]
    public async Task Times_are_also_shown_in_the_customers_zone_when_it_differs()
    {
        var result = await RunAsync(Shipped("new-car-purchase"), Brochure.Replace("email: anna@example.com", "email: anna@example.com, timeZone: America/New_York", StringComparison.Ordinal));
        var email = result.Of(TimelineKinds.Email, "brochure-follow-up").Single();
        Assert.Equal("Mon 2027-03-01 09:00 +01:00", email.Local);
        Assert.Equal("Mon 2027-03-01 03:00 -05:00", email.CustomerLocal);
    }

    [Fact]
    public async Task A_loop_without_a_wait_stops_with_its_step_ids()
    {
        // Loaded without the validator (which refuses it): the interpreter's own bound stops it at run time.
        var template = Template("""
            id: spin
            name: Spin
            events: [go]
            entry: { events: [go] }
            start: ask
            steps:
              - id: ask
                kind: condition
                if: { path: data.never, exists: true }
                then: done
                else: again
              - id: again
                kind: setPhase
                phase: communication
                next: ask
              - id: done
                kind: end
            """);
        var result = await RunAsync(template, """
            events:
              - at: +PT0S
                name: go
            """, new FakeEmailTemplates());
        Assert.Equal(SimulationOutcomes.Failed, result.Outcome);
        Assert.Contains("The loop: ask → again", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_run_is_a_world_of_its_own()
    {
        // Two runs of one simulator share nothing: the second sees no task or e-mail of the first (one in-memory world per run).
        var simulator = new JourneySimulator(new JourneyOrchestrator.Templates.Emails.FileEmailTemplateSource(Repo.EmailsFolder));
        var template = Shipped("new-car-purchase");
        var first = await simulator.RunAsync(template, Scenario(template, Brochure));
        var second = await simulator.RunAsync(template, Scenario(template, Brochure));
        Assert.Equal(first.Of(TimelineKinds.Email).Count, second.Of(TimelineKinds.Email).Count);
        Assert.Equal(first.ToJson(), second.ToJson());
    }
}
