using JourneyOrchestrator.Templates.Simulation;
using static JourneyOrchestrator.Templates.Tests.Simulation.SimulationTestKit;

namespace JourneyOrchestrator.Templates.Tests.Simulation;

/// <summary>A failed expectation says which, what happened instead and where in the timeline.</summary>
public sealed class ExpectationCheckerTests
{
    private static async Task<IReadOnlyList<ExpectationResult>> CheckAsync(string expectations)
    {
        var result = await RunAsync(Shipped("new-car-purchase"), """
            horizon: P2M
            events:
              - at: +PT0S
                name: brochure.downloaded
            expect:
            """ + "\n" + expectations);
        return result.Expectations;
    }

    [Fact]
    public async Task Met_expectations_point_at_their_entries()
    {
        var results = await CheckAsync("""
              - email: testdrive-invitation
                between: [P1D, P2D]
              - task: call-testdrive-invite
                count: 1
              - phase: choice
                none: true
              - end: end
            """);
        Assert.All(results, r => Assert.True(r.Passed, r.Failure));
        Assert.NotEmpty(results[0].Entries);
    }

    [Fact]
    public async Task An_event_outside_its_window_says_when_it_came()
    {
        var result = Assert.Single(await CheckAsync("""
              - email: testdrive-invitation
                between: [+P2D, +P3D]
            """));
        Assert.False(result.Passed);
        Assert.Equal("an email 'testdrive-invitation' between +P2D and +P3D", result.Expectation);
        Assert.Matches(@"none in the window; outside it: \+P1D \(#\d+\)", result.Failure);
    }

    [Fact]
    public async Task A_wrong_count_lists_what_was_found()
    {
        var result = Assert.Single(await CheckAsync("""
              - email: brochure-follow-up
                count: 2
            """));
        Assert.False(result.Passed);
        Assert.StartsWith("found 1 in the window: +P0D (#", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Something_that_never_happened_says_how_the_journey_ended()
    {
        var results = await CheckAsync("""
              - phase: usage
                by: +P60D
              - end: exit:customer.unsubscribed
            """);
        Assert.All(results, r => Assert.False(r.Passed));
        Assert.Matches(@"none at all; the journey ended 'end' at \+P\d+D.* \(#\d+\)", results[0].Failure);
        Assert.StartsWith("the journey ended 'end' at", results[1].Failure, StringComparison.Ordinal);
    }
}
