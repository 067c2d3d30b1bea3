using System.Text;
using JourneyOrchestrator.Templates.Simulation;
using static JourneyOrchestrator.Templates.Tests.Simulation.SimulationTestKit;

namespace JourneyOrchestrator.Templates.Tests.Simulation;

/// <summary>A malformed scenario gets errors with their path and line, checked against the template it runs.</summary>
public sealed class ScenarioLoaderTests
{
    private static IReadOnlyList<JourneyOrchestrator.Templates.Model.TemplateError> Errors(string yaml)
    {
        var result = ScenarioLoader.Load(yaml, Shipped("new-car-purchase"), "test");
        Assert.False(result.Succeeded);
        return result.Errors;
    }

    [Fact]
    public void An_unknown_property_is_named_with_its_line_and_a_suggestion()
    {
        var error = Assert.Single(Errors("""
            scenario: typo
            evnts:
              - at: +PT0S
                name: brochure.downloaded
            events:
              - at: +PT0S
                name: brochure.downloaded
            """));
        Assert.Equal("evnts", error.Path);
        Assert.Equal(3, error.Line); // where its value starts
        Assert.Contains("did you mean 'events'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_event_is_an_error_unless_declared()
    {
        const string Yaml = """
            events:
              - at: +PT0S
                name: brochure.downloaded
              - at: +P1D
                name: brochure.printed
            """;
        var error = Assert.Single(Errors(Yaml));
        Assert.Equal("events[1].name", error.Path);
        Assert.Equal(5, error.Line);
        Assert.Contains("declare", error.Message, StringComparison.Ordinal);

        Assert.True(ScenarioLoader.Load("declare: [brochure.printed]\n" + Yaml, Shipped("new-car-purchase"), "test").Succeeded);
    }

    [Theory]
    [InlineData("+3 days", "events[1].at", "is not a duration after the start")]
    [InlineData("2026-01-01T00:00:00Z", "events[1].at", "before the scenario's start")]
    [InlineData("+P40Y", "events[1].at", "after the scenario's horizon")]
    [InlineData("2027-03-02T10:00:00", "events[1].at", "neither a duration")]
    public void A_bad_time_says_where_and_what_was_expected(string at, string path, string message)
    {
        var error = Assert.Single(Errors($"""
            events:
              - at: +PT0S
                name: brochure.downloaded
              - at: "{at}"
                name: testdrive.booked
            """));
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_event_must_start_the_journey_and_events_are_in_time_order()
    {
        var errors = Errors("""
            events:
              - at: +P2D
                name: testdrive.booked
              - at: +P1D
                name: quote.sent
            """);
        Assert.Contains(errors, e => e.Path == "events[0].name" && e.Message.Contains("entry event", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "events[1].at" && e.Message.Contains("time order", StringComparison.Ordinal));
    }

    [Fact]
    public void An_expectation_names_what_the_template_has_once()
    {
        var errors = Errors("""
            events:
              - at: +PT0S
                name: brochure.downloaded
            expect:
              - email: testdrive-invitatoin
              - email: brochure-follow-up
                task: call-testdrive-invite
              - task: call-testdrive-invite
                status: opened
              - phase: usage
                count: 2
                none: true
            """);
        Assert.Contains(errors, e => e.Path == "expect[0].email" && e.Message.Contains("testdrive-invitation", StringComparison.Ordinal) && e.Line == 5);
        Assert.Contains(errors, e => e.Path == "expect[1]" && e.Message.Contains("exactly one", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "expect[2].status");
        Assert.Contains(errors, e => e.Path == "expect[3]" && e.Message.Contains("once", StringComparison.Ordinal));
    }

    [Fact]
    public void Limits_are_checked_before_the_work()
    {
        var many = new StringBuilder("events:\n");
        for (var i = 0; i <= JourneyOrchestrator.Templates.Simulation.Scenario.MaxEvents; i++)
        {
            many.Append("  - at: +PT").Append(i).Append("M\n    name: brochure.downloaded\n");
        }

        Assert.Contains(Errors(many.ToString()), e => e.Path == "events" && e.Message.Contains("1000", StringComparison.Ordinal));
        Assert.Contains(Errors("horizon: P31Y\nevents:\n  - at: +PT0S\n    name: brochure.downloaded\n"), e => e.Path == "horizon");
    }

    [Fact]
    public void A_document_that_is_not_yaml_says_its_line()
    {
        var error = Assert.Single(Errors("events:\n  - at: +PT0S\n    name: [brochure.downloaded\n"));
        Assert.NotNull(error.Line);
    }

    [Fact]
    public void Dealer_settings_are_checked_with_their_paths()
    {
        var errors = Errors("""
            dealer:
              timeZone: Mars/Olympus
              openingHours: { Funday: "09:00-17:00", Monday: "17:00-09:00" }
              holidays: [2027-13-01]
              quietHours: late
            events:
              - at: +PT0S
                name: brochure.downloaded
            """);
        Assert.Equal(
            ["dealer.holidays[0]", "dealer.openingHours[\"Funday\"]", "dealer.openingHours[\"Monday\"]", "dealer.quietHours", "dealer.timeZone"],
            errors.Select(e => e.Path).Order(StringComparer.Ordinal));
    }
}
