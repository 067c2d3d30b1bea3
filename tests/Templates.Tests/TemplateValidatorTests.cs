using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>One test per validation rule: each asserts the path and the message.</summary>
public sealed class TemplateValidatorTests
{
    private readonly FakeEmailTemplates _emails = new();

    private static JourneyTemplate Valid() => new()
    {
        Id = "test-journey",
        Name = "Test",
        Events = ["a.happened", "stop.now", "goal.hit"],
        Entry = new EntrySpec { Events = ["a.happened"] },
        Exit = new ExitSpec { Events = ["stop.now"] },
        Goals = [new GoalSpec { Event = "goal.hit", Phase = "purchase", Goto = "after-goal" }],
        Start = "hello",
        Steps =
        [
            new StepSpec { Id = "hello", Kind = "email", Email = "hello", Phase = "communication", Next = "wait" },
            new StepSpec { Id = "wait", Kind = "waitForEvent", Events = ["a.happened"], Timeout = "P3D", On = new() { ["a.happened"] = "check" }, OnTimeout = "check" },
            new StepSpec { Id = "check", Kind = "condition", If = new ConditionSpec { Path = "data.x", EqualTo = 1 }, Then = "split", Else = "call" },
            new StepSpec { Id = "split", Kind = "split", Branches = [new SplitBranch { Weight = 50, Next = "call" }, new SplitBranch { Weight = 50, Next = "pause" }] },
            new StepSpec { Id = "call", Kind = "task", Task = "call", Title = "Call {{ customer.firstName }}", DueIn = "P1D", Next = "pause" },
            new StepSpec { Id = "pause", Kind = "wait", Duration = "P1D", Next = "again" },
            new StepSpec { Id = "again", Kind = "repeat", Goto = "wait", Times = 3 },
            new StepSpec { Id = "after-goal", Kind = "setPhase", Phase = "purchase", Next = "done" },
            new StepSpec { Id = "done", Kind = "end" },
        ],
    };

    private IReadOnlyList<TemplateError> Errors(JourneyTemplate template) => new TemplateValidator(_emails).Validate(template);

    private static JourneyTemplate Step(string id, Func<StepSpec, StepSpec> change, JourneyTemplate? template = null)
    {
        template ??= Valid();
        return template with { Steps = [.. template.Steps.Select(s => s.Id == id ? change(s) : s)] };
    }

    private void AssertSingle(JourneyTemplate template, string path, string message)
    {
        var error = Assert.Single(Errors(template));
        Assert.Equal(path, error.Path);
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Validate_ValidTemplate_HasNoErrors() => Assert.Empty(Errors(Valid()));

    [Fact]
    public void Validate_BadId_ReportsId() =>
        AssertSingle(Valid() with { Id = "New Car!" }, "id",
            "The id 'New Car!' must be 1-100 lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. new-car-purchase).");

    [Fact]
    public void Validate_NoName_ReportsName() => AssertSingle(Valid() with { Name = " " }, "name", "The template needs a name.");

    [Fact]
    public void Validate_StartNamesNoStep_ReportsStart() => AssertSingle(Valid() with { Start = "nope" }, "start", "No step has the id 'nope'.");

    [Fact]
    public void Validate_DuplicateStepId_ReportsTheSecond()
    {
        var template = Valid();
        template = template with { Steps = [.. template.Steps, new StepSpec { Id = "hello", Kind = "end" }] };

        AssertSingle(template, "steps[9].id", "The step id 'hello' is already used by steps[0]; step ids must be unique.");
    }

    [Fact]
    public void Validate_UnknownKind_ReportsKind()
    {
        var errors = Errors(Step("done", s => s with { Kind = "sms" }));

        var error = Assert.Single(errors);
        Assert.Equal("steps[8].kind", error.Path);
        Assert.Equal("Unknown kind 'sms'; use one of: email, task, wait, waitForEvent, condition, split, setPhase, goal, end, repeat, approval.", error.Message);
    }

    [Theory]
    [InlineData("next", "steps[0].next")]
    [InlineData("then", "steps[2].then")]
    [InlineData("else", "steps[2].else")]
    [InlineData("on", "steps[1].on[\"a.happened\"]")]
    [InlineData("onTimeout", "steps[1].onTimeout")]
    [InlineData("branches", "steps[3].branches[1].next")]
    [InlineData("goto", "steps[6].goto")]
    [InlineData("goals.goto", "goals[0].goto")]
    public void Validate_ReferenceToNoStep_ReportsThePath(string property, string path)
    {
        var template = property switch
        {
            "next" => Step("hello", s => s with { Next = "ghost" }),
            "then" => Step("check", s => s with { Then = "ghost" }),
            "else" => Step("check", s => s with { Else = "ghost" }),
            "on" => Step("wait", s => s with { On = new() { ["a.happened"] = "ghost" } }),
            "onTimeout" => Step("wait", s => s with { OnTimeout = "ghost" }),
            "branches" => Step("split", s => s with { Branches = [s.Branches![0], new SplitBranch { Weight = 1, Next = "ghost" }] }),
            "goto" => Step("again", s => s with { Goto = "ghost" }),
            _ => Valid() with { Goals = [new GoalSpec { Event = "goal.hit", Goto = "ghost" }] },
        };

        var errors = Errors(template);

        Assert.Contains(errors, e => e.Path == path && e.Message == "No step has the id 'ghost'.");
    }

    [Fact]
    public void Validate_UnreachableStep_IsReported()
    {
        var template = Valid();
        template = template with { Steps = [.. template.Steps, new StepSpec { Id = "orphan", Kind = "end" }] };

        AssertSingle(template, "steps[9]", "The step 'orphan' cannot be reached from the start or from a goal.");
    }

    [Fact]
    public void Validate_StepReachedOnlyFromAGoal_IsReachable() =>
        Assert.DoesNotContain(Errors(Valid()), e => e.Message.Contains("after-goal", StringComparison.Ordinal));

    [Fact]
    public void Validate_LoopWithoutAWait_IsReported() =>
        AssertSingle(Step("call", s => s with { Next = "check" }), "steps[2]",
            "The steps 'check', 'split', 'call' form a loop that can go round without waiting at least PT1H; put a 'wait' with a duration of at least PT1H in it, or a 'waitForEvent' for an event from the dealer's systems (with no timeout, or one of at least PT1H).");

    [Fact]
    public void Validate_LoopThroughAWait_IsFine() => Assert.Empty(Errors(Step("call", s => s with { Next = "wait" })));

    [Fact]
    public void Validate_LoopThroughABusinessHoursWait_IsStillALoop()
    {
        var template = Step("pause", s => s with { Duration = null, BusinessHours = true, Next = "call" });

        Assert.Contains(Errors(template), e => e.Message.Contains("'pause' waits for business hours, which is no wait while the dealer is open", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("3 days", "'3 days' is not an ISO 8601 duration such as P3D, PT2H or P1Y2M.")]
    [InlineData("P", "'P' is not an ISO 8601 duration such as P3D, PT2H or P1Y2M.")]
    [InlineData("P1DT", "'P1DT' is not an ISO 8601 duration such as P3D, PT2H or P1Y2M.")]
    [InlineData("-P1D", "'-P1D' is negative; only 'offset' may be negative.")]
    public void Validate_BadDuration_IsReported(string duration, string message) =>
        AssertSingle(Step("wait", s => s with { Timeout = duration }), "steps[1].timeout", message);

    [Fact]
    public void Validate_BadDueIn_IsReported() =>
        AssertSingle(Step("call", s => s with { DueIn = "tomorrow" }), "steps[4].dueIn", "'tomorrow' is not an ISO 8601 duration such as P3D, PT2H or P1Y2M.");

    [Fact]
    public void Validate_BadOffset_IsReported_NegativeOffsetIsFine()
    {
        var ok = Step("pause", s => s with { Duration = null, UntilData = "data.deliveryDate", Offset = "-P1D" });
        Assert.Empty(Errors(ok));

        AssertSingle(Step("pause", s => s with { Duration = null, UntilData = "data.deliveryDate", Offset = "-1 day" }, ok), "steps[5].offset",
            "'-1 day' is not an ISO 8601 duration such as P3D, PT2H, P1Y2M or -P1D.");
    }

    [Fact]
    public void Validate_IfPast_OnlyWithUntilOrUntilData_AndToAStep()
    {
        var ok = Step("pause", s => s with { Duration = null, UntilData = "data.deliveryDate", Offset = "-P1D", IfPast = "again" });
        Assert.Empty(Errors(ok));

        AssertSingle(Step("pause", s => s with { IfPast = "again" }), "steps[5].ifPast",
            "'ifPast' only applies to 'until' and 'untilData' (a time that can be past when the wait begins).");
        AssertSingle(Step("pause", s => s with { IfPast = "nowhere" }, ok), "steps[5].ifPast", "No step has the id 'nowhere'.");
    }

    [Fact]
    public void Validate_Approval_NeedsItsFields_AndChecksThem()
    {
        var approval = new StepSpec
        {
            Id = "approve", Kind = "approval", Title = "Approve {{ data.discount }}%", Approver = "sales-manager", Timeout = "P2D",
            OnApproved = "wait", OnRejected = "pause", OnTimeout = "done",
        };
        var ok = Valid() with { Steps = [.. Valid().Steps.Select(s => s.Id == "hello" ? s with { Next = "approve" } : s), approval] };
        Assert.Empty(Errors(ok));

        var missing = Valid() with { Steps = [.. ok.Steps.Select(s => s.Id == "approve" ? s with { Approver = null, OnRejected = null } : s)] };
        Assert.Equal(["steps[9].approver", "steps[9].onRejected"], Errors(missing).Select(e => e.Path).Order());

        var wrong = Valid() with { Steps = [.. ok.Steps.Select(s => s.Id == "approve" ? s with { Timeout = "2 days", OnApproved = "nowhere", Approver = " " } : s)] };
        Assert.Equal(["steps[9].approver", "steps[9].onApproved", "steps[9].timeout"], Errors(wrong).Select(e => e.Path).Order());
    }

    [Fact]
    public void Validate_ForwardGoal_NeedsAPhase() =>
        AssertSingle(Valid() with { Goals = [new GoalSpec { Event = "goal.hit", Goto = "after-goal", Forward = true }] }, "goals[0].forward",
            "A forward goal needs 'phase': it fires while the journey is in an earlier phase than this one.");

    [Fact]
    public void Validate_BadUntil_IsReported() =>
        AssertSingle(Step("pause", s => s with { Duration = null, Until = "next monday" }), "steps[5].until",
            "'next monday' is not an ISO 8601 date-time such as 2026-06-01T09:00:00+02:00.");

    [Fact]
    public void Validate_UndeclaredEvent_IsReportedWhereUsed()
    {
        var template = Step("wait", s => s with { Events = ["b.happened"], On = null, Next = "check" }) with { Exit = new ExitSpec { Events = ["gone"] } };

        var errors = Errors(template);

        Assert.Contains(errors, e => e.Path == "steps[1].events[0]" && e.Message == "The event 'b.happened' is not declared; add it to the template's 'events' list.");
        Assert.Contains(errors, e => e.Path == "exit.events[0]" && e.Message == "The event 'gone' is not declared; add it to the template's 'events' list.");
    }

    [Fact]
    public void Validate_OnNamesAnEventTheStepDoesNotWaitFor_IsReported() =>
        AssertSingle(Step("wait", s => s with { On = new() { ["a.happened"] = "check", ["stop.now"] = "done" } }), "steps[1].on[\"stop.now\"]",
            "'on' names the event 'stop.now', which this step does not wait for; add it to 'events'.");

    [Fact]
    public void Validate_PropertyOfAnotherKind_IsReported() =>
        AssertSingle(Step("hello", s => s with { Duration = "P1D" }), "steps[0].duration", "'duration' does not belong to a 'email' step.");

    [Fact]
    public void Validate_MissingRequiredProperty_IsReported() =>
        AssertSingle(Step("call", s => s with { Title = null }), "steps[4].title", "A step of kind 'task' needs 'title'.");

    private static JourneyTemplate Escalating(EscalateSpec escalate) => Step("call", s => s with { Escalate = escalate });

    [Theory]
    [InlineData("reminder", null, null)]
    [InlineData("reminder", null, "team-lead")]
    [InlineData("reassign", null, "sales-manager")]
    [InlineData("event", "a.happened", null)]
    public void Validate_Escalate_EachActionWithItsFields_IsFine(string action, string? @event, string? to) =>
        Assert.Empty(Errors(Escalating(new EscalateSpec { After = "PT4H", Action = action, Event = @event, To = to })));

    [Theory]
    [InlineData("4 hours", "'4 hours' is not an ISO 8601 duration such as P3D, PT2H or P1Y2M.")]
    [InlineData("-PT1H", "'-PT1H' is negative; only 'offset' may be negative.")]
    public void Validate_EscalateBadAfter_IsReported(string after, string message) =>
        AssertSingle(Escalating(new EscalateSpec { After = after, Action = "reminder" }), "steps[4].escalate.after", message);

    [Fact]
    public void Validate_EscalateWithoutAfter_IsReported() =>
        AssertSingle(Escalating(new EscalateSpec { Action = "reminder" }), "steps[4].escalate.after",
            "'escalate' needs 'after': how long past the due time (business time, an ISO 8601 duration such as PT4H or P1D).");

    [Fact]
    public void Validate_EscalateUnknownAction_IsReported() =>
        AssertSingle(Escalating(new EscalateSpec { After = "PT4H", Action = "shout" }), "steps[4].escalate.action",
            "Unknown escalation action 'shout'; use one of: event, reminder, reassign.");

    [Fact]
    public void Validate_EscalateWithoutAction_IsReported() =>
        AssertSingle(Escalating(new EscalateSpec { After = "PT4H" }), "steps[4].escalate.action",
            "'escalate' needs an 'action': one of event, reminder, reassign.");

    [Fact]
    public void Validate_EscalateEventWithoutEvent_IsReported() =>
        AssertSingle(Escalating(new EscalateSpec { After = "PT4H", Action = "event" }), "steps[4].escalate.event",
            "The 'event' action needs 'event': the event the journey handles when the task is overdue.");

    [Fact]
    public void Validate_EscalateEventNotDeclared_IsReported() =>
        AssertSingle(Escalating(new EscalateSpec { After = "PT4H", Action = "event", Event = "call.overdue" }), "steps[4].escalate.event",
            "The event 'call.overdue' is not declared; add it to the template's 'events' list.");

    [Fact]
    public void Validate_EscalateReassignWithoutTo_IsReported() =>
        AssertSingle(Escalating(new EscalateSpec { After = "PT4H", Action = "reassign", To = " " }), "steps[4].escalate.to",
            "The 'reassign' action needs 'to': who the task is reassigned to (e.g. sales-manager).");

    [Fact]
    public void Validate_EscalateFieldsOfAnotherAction_AreReported()
    {
        var errors = Errors(Escalating(new EscalateSpec { After = "PT4H", Action = "reminder", Event = "a.happened" }))
            .Concat(Errors(Escalating(new EscalateSpec { After = "PT4H", Action = "event", Event = "a.happened", To = "boss" })))
            .Select(e => (e.Path, e.Message));

        Assert.Equal(
        [
            ("steps[4].escalate.event", "'event' belongs to the 'event' action, not to 'reminder'."),
            ("steps[4].escalate.to", "'to' belongs to the 'reassign' and 'reminder' actions, not to 'event'."),
        ], errors);
    }

    [Fact]
    public void Validate_EscalateOnAStepThatIsNoTask_IsReported() =>
        AssertSingle(Step("pause", s => s with { Escalate = new EscalateSpec { After = "PT4H", Action = "reminder" } }), "steps[5].escalate",
            "'escalate' does not belong to a 'wait' step.");

    [Fact]
    public void Validate_WaitWithTwoWays_IsReported() =>
        AssertSingle(Step("pause", s => s with { Until = "2026-06-01T09:00:00+02:00" }), "steps[5]",
            "A 'wait' step takes only one of 'duration', 'until', 'untilData' or 'businessHours: true' (with 'at' for a local time of day).");

    [Fact]
    public void Validate_LocalTimeOfDayAlone_OrWithWholeDays_OrOnADate_IsValid()
    {
        Assert.Empty(Errors(Step("pause", s => s with { Duration = null, At = "10:00" })));
        Assert.Empty(Errors(Step("pause", s => s with { Duration = "P2D", At = "10:00", Calendar = "local" })));
        Assert.Empty(Errors(Step("pause", s => s with { Duration = null, UntilData = "data.serviceDate", Offset = "-P1D", At = "09:00" })));
        Assert.Empty(Errors(Step("wait", s => s with { Calendar = "local" })));
    }

    [Theory]
    [InlineData("25:00", null, null, "steps[5].at", "'25:00' is not a local time of day such as 10:00 (24-hour HH:mm).")]
    [InlineData("10:00", "PT12H", null, "steps[5].duration", "With 'at', the duration counts whole days ('PT12H' has hours, minutes or seconds): e.g. P1D with at 10:00 is 10:00 the next day.")]
    [InlineData("10:00", "P1D", "utc", "steps[5].calendar", "'at' is a local time of day: leave out 'calendar: utc' (or write 'calendar: local').")]
    [InlineData(null, "P1D", "lokal", "steps[5].calendar", "'lokal' is not a calendar: use 'local' (days keep the customer's wall-clock time) or 'utc' (the default).")]
    public void Validate_BadLocalTime_IsReportedAtItsPath(string? at, string? duration, string? calendar, string path, string message) =>
        AssertSingle(Step("pause", s => s with { At = at, Duration = duration, Calendar = calendar }), path, message);

    [Fact]
    public void Validate_AtWithUntil_IsReported() =>
        AssertSingle(Step("pause", s => s with { Duration = null, Until = "2026-06-01T09:00:00+02:00", At = "10:00" }), "steps[5].at",
            "'at' does not combine with 'until' (an exact date-time); use 'untilData' or 'duration' with 'at'.");

    [Fact]
    public void Validate_CalendarOnAWaitForEventWithoutTimeout_IsReported() =>
        AssertSingle(Step("wait", s => s with { Timeout = null, OnTimeout = null, Calendar = "local" }), "steps[1].calendar",
            "'calendar' applies to the 'timeout'; this step has none.");

    [Fact]
    public void Validate_StepWithoutAWayToContinue_IsReported() =>
        AssertSingle(Step("call", s => s with { Next = null }), "steps[4].next",
            "The 'task' step has no way to continue: give it 'next' (or end the journey with an 'end' step).");

    [Fact]
    public void Validate_WaitForEventWithoutOnOrNext_IsReported() =>
        AssertSingle(Step("wait", s => s with { On = null }), "steps[1].next",
            "The step has no way to continue after 'a.happened': give it 'next' or an 'on' entry for it.");

    [Fact]
    public void Validate_UnknownPhase_IsReported() =>
        AssertSingle(Step("hello", s => s with { Phase = "shopping" }), "steps[0].phase",
            "Unknown phase 'shopping'; use one of: orientation, communication, choice, purchase, usage.");

    [Fact]
    public void Validate_UnknownGoalPhase_IsReported() =>
        AssertSingle(Valid() with { Goals = [new GoalSpec { Event = "goal.hit", Phase = "bought", Goto = "after-goal" }] }, "goals[0].phase",
            "Unknown phase 'bought'; use one of: orientation, communication, choice, purchase, usage.");

    [Fact]
    public void Validate_MissingEmailTemplate_IsReported() =>
        AssertSingle(Step("hello", s => s with { Email = "nope" }), "steps[0].email", "There is no e-mail 'nope': publish it with PUT /api/emails/nope, or ship emails/nope.liquid.");

    [Fact]
    public void Validate_EmailTemplateWithoutSubjectLine_IsReported()
    {
        _emails.Templates["hello"] = "<p>Hello</p>";

        AssertSingle(Valid(), "steps[0].email", "The e-mail template 'hello': The first line must be 'subject: ...' with the e-mail's subject.");
    }

    [Fact]
    public void Validate_LiquidErrorInEmailBody_IsReported()
    {
        _emails.Templates["hello"] = "subject: Hi\n<p>{% if customer.firstName %}Hello</p>";

        var error = Assert.Single(Errors(Valid()));
        Assert.Equal("steps[0].email", error.Path);
        Assert.StartsWith("The body of e-mail template 'hello' has a Liquid error:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LiquidErrorInTaskTitle_IsReported()
    {
        var error = Assert.Single(Errors(Step("call", s => s with { Title = "Call {{ customer.firstName " })));
        Assert.Equal("steps[4].title", error.Path);
        Assert.StartsWith("The title has a Liquid error:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownCategory_IsReported() =>
        AssertSingle(Step("hello", s => s with { Category = "newsletter" }), "steps[0].category",
            "Unknown category 'newsletter'; use 'marketing' (needs consent) or 'transactional'.");

    [Fact]
    public void Validate_MalformedSendGridTemplateId_IsReported() =>
        AssertSingle(Step("hello", s => s with { SendGridTemplateId = "welcome" }), "steps[0].sendGridTemplateId",
            "'welcome' is not a SendGrid dynamic template id ('d-' and 32 lowercase hex digits).");

    [Fact]
    public void Validate_UnknownCapped_IsReported() =>
        AssertSingle(Step("hello", s => s with { Capped = "drop" }), "steps[0].capped",
            "Unknown capped behaviour 'drop'; use 'defer' (wait until the frequency cap allows it) or 'skip'.");

    [Fact]
    public void Validate_SendGridTemplateIdAndCapped_AreAcceptedOnEmail() =>
        Assert.Empty(Errors(Step("hello", s => s with { SendGridTemplateId = "d-0123456789abcdef0123456789abcdef", Capped = "skip" })));

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void Validate_SplitWeightOutOfRange_IsReported(int weight) =>
        AssertSingle(Step("split", s => s with { Branches = [s.Branches![0], new SplitBranch { Weight = weight, Next = "pause" }] }), "steps[3].branches[1].weight",
            $"The weight must be 1-1000 (it is {weight}).");

    [Fact]
    public void Validate_RepeatTimesBelowOne_IsReported() =>
        AssertSingle(Step("again", s => s with { Times = 0 }), "steps[6].times", "'times' must be at least 1 (it is 0); leave it out for no bound.");

    [Fact]
    public void Validate_ConditionWithTwoOperators_IsReported() =>
        AssertSingle(Step("check", s => s with { If = new ConditionSpec { Path = "data.x", EqualTo = 1, GreaterThan = 2 } }), "steps[2].if",
            "The condition has several operators (equalTo, greaterThan); use exactly one, and 'all' to combine.");

    [Fact]
    public void Validate_ConditionWithoutOperator_IsReported() =>
        AssertSingle(Step("check", s => s with { If = new ConditionSpec { Path = "data.x" } }), "steps[2].if",
            "The condition needs exactly one operator: equalTo, notEqualTo, exists, greaterThan, greaterOrEqual, lessThan, lessOrEqual, in, contains, all, any or not.");

    [Fact]
    public void Validate_ConditionPathWithUnknownRoot_IsReported() =>
        AssertSingle(Step("check", s => s with { If = new ConditionSpec { All = [new ConditionSpec { Path = "order.total", Exists = true }] } }), "steps[2].if.all[0].path",
            "The path 'order.total' must start with customer., data., event. or journey. and name a property (e.g. data.deliveryDate).");

    [Fact]
    public void Validate_ComparisonWithoutPath_IsReported() =>
        AssertSingle(Step("check", s => s with { If = new ConditionSpec { Not = new ConditionSpec { Exists = true } } }), "steps[2].if.not.path",
            "The 'exists' comparison needs a 'path' (e.g. data.model).");

    [Fact]
    public void Validate_GoalEventThatIsAlsoAnExit_IsReported() =>
        AssertSingle(Valid() with { Goals = [new GoalSpec { Event = "stop.now", Goto = "after-goal" }] }, "goals[0].event",
            "The event 'stop.now' is both an exit event and a goal; it can only be one.");

    [Fact]
    public void Validate_ManyProblems_ReportsThemAll()
    {
        var template = Step("hello", s => s with { Kind = "email", Email = "nope", Category = "spam", Phase = "x" }) with { Id = "", Name = "", Start = "ghost" };

        var errors = Errors(template);

        Assert.Equal(["id", "name", "start", "steps[0].phase", "steps[0].category", "steps[0].email"], errors.Select(e => e.Path));
    }

    [Fact]
    public void LoadAndValidate_ValidationErrors_CarryTheLineOfTheProperty()
    {
        const string yaml = "id: x\nname: X\nstart: a\nsteps:\n  - id: a\n    kind: wait\n    duration: soon\n    next: b\n  - id: b\n    kind: end\n";

        var result = new TemplateValidator(_emails).LoadAndValidate(yaml);

        var error = Assert.Single(result.Errors);
        Assert.Equal("steps[0].duration", error.Path);
        Assert.Equal(7, error.Line);
        Assert.False(result.IsValid);
    }
}
