using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Loops that can go round without a real wait (issue 16, finding 4): each shape the validator must refuse, and the shapes
/// it must keep accepting (the shipped templates' loops among them).
/// </summary>
public sealed class LoopValidationTests
{
    private const string Advice = "; put a 'wait' with a duration of at least PT1H in it, or a 'waitForEvent' for an event from the dealer's systems (with no timeout, or one of at least PT1H).";

    private static IReadOnlyList<TemplateError> Errors(string yaml, TemplateValidationOptions? options = null)
    {
        var result = new TemplateValidator(new FakeEmailTemplates(), options).LoadAndValidate(yaml, "application/yaml");
        Assert.NotNull(result.Template);
        return result.Errors;
    }

    private static string Template(string steps, string events = "[a.happened, stop.now, goal.hit]", string goals = "") => $$"""
        id: loops
        name: Loops
        events: {{events}}
        entry: { events: [a.happened] }
        exit: { events: [stop.now] }
        {{goals}}
        start: first
        steps:
        {{steps}}
        """;

    private static void AssertLoop(IReadOnlyList<TemplateError> errors, string path, string steps, string why)
    {
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Equal($"The steps {steps} form a loop that can go round without waiting at least PT1H ({why}){Advice}", error.Message);
    }

    [Fact]
    public void TaskThenRepeatWithoutTimes_TheIssuesRunaway_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: task, task: call, title: Call, next: again }
              - { id: again, kind: repeat, goto: first }
            """)), "steps[0]", "'first', 'again'", "'again' starts over at once");

    [Fact]
    public void RepeatWithTimes_WithoutAWait_IsStillRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: task, task: call, title: Call, next: again }
              - { id: again, kind: repeat, goto: first, times: 1000 }
            """)), "steps[0]", "'first', 'again'", "'again' starts over at once (1000 times)");

    [Fact]
    public void EmailThenZeroWait_TheIssuesRunaway_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, duration: PT0S, next: first }
            """)), "steps[0]", "'first', 'pause'", "'pause' waits only PT0S");

    [Theory]
    [InlineData("PT59M59S")]
    [InlineData("PT30M")]
    public void WaitShorterThanTheMinimum_IsRefused(string duration) =>
        AssertLoop(Errors(Template($$"""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, duration: {{duration}}, next: again }
              - { id: again, kind: repeat, goto: first }
            """)), "steps[0]", "'first', 'pause', 'again'", $"'pause' waits only {duration}; 'again' starts over at once");

    [Theory]
    [InlineData("PT1H")]
    [InlineData("P1D")]
    [InlineData("P1M")]
    [InlineData("P1Y")]
    public void WaitOfAtLeastTheMinimum_BeforeARepeat_IsFine(string duration) =>
        Assert.Empty(Errors(Template($$"""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, duration: {{duration}}, next: again }
              - { id: again, kind: repeat, goto: first }
            """)));

    [Fact]
    public void TheMinimumIsConfigurable()
    {
        var steps = Template("""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, duration: PT10M, next: first }
            """);

        Assert.Empty(Errors(steps, new TemplateValidationOptions { MinimumLoopWait = TimeSpan.FromMinutes(10) }));
        var error = Assert.Single(Errors(steps, new TemplateValidationOptions { MinimumLoopWait = TimeSpan.FromDays(1) }));
        Assert.Contains("without waiting at least P1D ('pause' waits only PT10M)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WaitUntilADate_InALoop_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, until: "2030-01-01T09:00:00Z", next: first }
            """)), "steps[0]", "'first', 'pause'", "'pause' waits until 2030-01-01T09:00:00Z, which has passed on the next round");

    [Fact]
    public void WaitUntilData_InALoop_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, untilData: data.nextCall, offset: P1D, next: first }
            """)), "steps[0]", "'first', 'pause'", "'pause' waits until data.nextCall, which may be missing or past");

    [Fact]
    public void WaitForEventWithAShortTimeout_LoopingOnTheTimeout_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: email, email: hello, next: listen }
              - { id: listen, kind: waitForEvent, events: [a.happened], timeout: PT5M, on: { a.happened: done }, onTimeout: first }
              - { id: done, kind: end }
            """)), "steps[0]", "'first', 'listen'", "'listen' times out after PT5M");

    [Fact]
    public void WaitForEventWithAShortTimeout_ThroughNext_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: email, email: hello, next: listen }
              - { id: listen, kind: waitForEvent, events: [a.happened], timeout: PT0S, next: first }
            """)), "steps[0]", "'first', 'listen'", "'listen' times out after PT0S");

    [Fact]
    public void WaitForEventFromTheDealer_WithALongTimeout_IsARealWait() =>
        Assert.Empty(Errors(Template("""
              - { id: first, kind: email, email: hello, next: listen }
              - { id: listen, kind: waitForEvent, events: [a.happened], timeout: P2D, next: first }
            """)));

    [Fact]
    public void WaitForEventFromTheDealer_WithoutTimeout_IsARealWait() =>
        Assert.Empty(Errors(Template("""
              - { id: first, kind: email, email: hello, next: listen }
              - { id: listen, kind: waitForEvent, events: [a.happened], next: first }
            """)));

    [Fact]
    public void WaitForAnEventTheJourneysOwnEscalationRaisesAtOnce_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: task, task: call, title: Call, dueIn: PT0S, escalate: { after: PT0S, action: event, event: a.happened }, next: listen }
              - { id: listen, kind: waitForEvent, events: [a.happened], next: first }
            """)), "steps[0]", "'first', 'listen'", "'listen' wakes on 'a.happened', which the escalation of task 'first' raises PT0S after the task");

    [Fact]
    public void WaitForAnEventTheEscalationRaisesLate_IsARealWait() =>
        Assert.Empty(Errors(Template("""
              - { id: first, kind: task, task: call, title: Call, dueIn: P1D, escalate: { after: PT4H, action: event, event: a.happened }, next: listen }
              - { id: listen, kind: waitForEvent, events: [a.happened], next: first }
            """)));

    [Fact]
    public void ALoopOfConditionsAndSplits_IsRefused_WithEveryStepNamed()
    {
        var error = Assert.Single(Errors(Template("""
              - { id: first, kind: condition, if: { path: data.x, exists: true }, then: pick, else: done }
              - { id: pick, kind: split, branches: [{ weight: 1, next: first }, { weight: 1, next: mark }] }
              - { id: mark, kind: goal, goal: looped, next: first }
              - { id: done, kind: end }
            """)));

        Assert.Equal("steps[0]", error.Path);
        Assert.Equal("The steps 'first', 'pick', 'mark' form a loop that can go round without waiting at least PT1H" + Advice, error.Message);
    }

    [Fact]
    public void TwoSeparateLoops_AreBothReported()
    {
        var errors = Errors(Template("""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, duration: PT1S, next: loop2 }
              - { id: loop2, kind: setPhase, phase: choice, next: again }
              - { id: again, kind: repeat, goto: loop2 }
            """, events: "[a.happened, stop.now]"));

        Assert.Equal(["steps[2]"], errors.Select(e => e.Path));
        var extra = Errors(Template("""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, duration: PT1S, next: first2 }
              - { id: first2, kind: setPhase, phase: choice, next: again }
              - { id: again, kind: repeat, goto: first }
              - { id: orphan-loop, kind: goal, goal: x, next: orphan-loop }
            """, events: "[a.happened, stop.now]"));
        Assert.Contains(extra, e => e.Path == "steps[0]" && e.Message.StartsWith("The steps 'first', 'pause', 'first2', 'again' form a loop", StringComparison.Ordinal));
        Assert.Contains(extra, e => e.Path == "steps[4]" && e.Message.StartsWith("The steps 'orphan-loop' form a loop", StringComparison.Ordinal));
    }

    [Fact]
    public void AGoalJumpBackIntoALoop_IsFine_BecauseAGoalIsReachedOnce()
    {
        // The goal can interrupt the one-day wait, but only once per journey (goals reached survive a repeat).
        var errors = Errors(Template("""
              - { id: first, kind: email, email: hello, next: pause }
              - { id: pause, kind: wait, duration: P1D, next: again }
              - { id: again, kind: repeat, goto: first }
            """, goals: "goals: [{ event: goal.hit, goto: first }]"));

        Assert.Empty(errors);
    }

    [Fact]
    public void AGoalIntoALoopWithoutAWait_IsRefused() =>
        AssertLoop(Errors(Template("""
              - { id: first, kind: waitForEvent, events: [a.happened], next: done }
              - { id: done, kind: end }
              - { id: spin, kind: email, email: hello, next: spin-wait }
              - { id: spin-wait, kind: wait, duration: PT1M, next: spin }
            """, goals: "goals: [{ event: goal.hit, goto: spin }]")), "steps[2]", "'spin', 'spin-wait'", "'spin-wait' waits only PT1M");

    [Theory]
    [InlineData("new-car-purchase.yaml")]
    [InlineData("service-reminder.yaml")]
    public void ShippedTemplates_StillValidate_WithTheirLoops(string file)
    {
        var result = new TemplateValidator(new FileEmailTemplateSource(Repo.EmailsFolder)).LoadAndValidate(File.ReadAllText(Path.Combine(Repo.TemplatesFolder, file)), "application/yaml");

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void TheYearlyServiceLoop_WouldBeRefused_WithAMinimumAboveItsShortestWait()
    {
        // The loop waits P2M (the timeout; or the dealer's service event), P3M, P6M and P1M in a row: any one of them is a
        // real wait, so only a minimum above the longest (P6M: at least 168 days) refuses the loop.
        var text = File.ReadAllText(Path.Combine(Repo.TemplatesFolder, "new-car-purchase.yaml"));
        var validator = new TemplateValidator(new FileEmailTemplateSource(Repo.EmailsFolder), new TemplateValidationOptions { MinimumLoopWait = TimeSpan.FromDays(200) });

        var errors = validator.LoadAndValidate(text, "application/yaml").Errors;

        Assert.Contains(errors, e => e.Message.Contains("'yearly-service-invitation'", StringComparison.Ordinal) && e.Message.Contains("'wait-next-service-year' waits only P1M", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("PT1H", 3600)]
    [InlineData("P1D", 86400)]
    [InlineData("01:30:00", 5400)]
    [InlineData("PT0S", 0)]
    public void TryParseWait_ReadsIsoAndTimeSpans(string text, int seconds)
    {
        Assert.True(TemplateValidationOptions.TryParseWait(text, out var wait));
        Assert.Equal(TimeSpan.FromSeconds(seconds), wait);
    }

    [Theory]
    [InlineData("P1M")]
    [InlineData("-PT1H")]
    [InlineData("soon")]
    [InlineData("")]
    public void TryParseWait_RefusesVariableOrBadLengths(string text) => Assert.False(TemplateValidationOptions.TryParseWait(text, out _));
}
