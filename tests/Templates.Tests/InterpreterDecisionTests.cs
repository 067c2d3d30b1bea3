using System.Text.Json;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Moq.Protected;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// The interpreter's decisions in the documented Durable Functions (isolated) style: the orchestrator run against a Moq
/// <see cref="TaskOrchestrationContext"/> (CallBase, so the SDK's own overloads and helpers run), asserting which activity it
/// calls with which input, which events and timers it waits for, and which branch it takes. No engine is involved.
/// </summary>
public sealed class InterpreterDecisionTests
{
    private const string InstanceId = "journey-7";
    private static readonly DateTime Monday = new(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc); // 10:00 in Amsterdam: open
    private static readonly Guid RunGuid = new("00000000-0000-0000-0000-0000000000aa");

    private static JourneyTemplate Template() => new()
    {
        Id = "decide",
        Version = 1,
        Name = "Decide",
        Events = ["brochure.downloaded"],
        Exit = new ExitSpec { Events = ["customer.unsubscribed"] },
        Start = "welcome",
        Steps =
        [
            new StepSpec { Id = "welcome", Kind = "email", Email = "brochure-follow-up", Category = "transactional", Next = "wait" },
            new StepSpec
            {
                Id = "wait", Kind = "waitForEvent", Events = ["testdrive.booked", "quote.requested"], Timeout = "P3D",
                On = new Dictionary<string, string> { ["quote.requested"] = "call" }, Next = "done", OnTimeout = "nudge",
            },
            new StepSpec { Id = "call", Kind = "task", Task = "call-back", Title = "Call {{ customer.firstName }}", Next = "again" },
            new StepSpec { Id = "nudge", Kind = "email", Email = "testdrive-invitation", Category = "transactional", Next = "done" },
            new StepSpec { Id = "again", Kind = "repeat", Goto = "wait" },
            new StepSpec { Id = "done", Kind = "end" },
        ],
    };

    private static JourneyInput Input(int iteration = 0, List<string>? seen = null, string? startAt = null) => new()
    {
        TemplateId = "decide",
        TemplateVersion = 1,
        DealerId = "d1",
        CustomerId = "c1",
        Iteration = iteration,
        StartAt = startAt,
        SeenEventIds = seen,
        RunId = iteration == 0 ? null : "run-1",
        Customer = new System.Text.Json.Nodes.JsonObject { ["firstName"] = "Anna" },
    };

    /// <summary>A context whose waits and timers the test completes; every call to it is recorded in order.</summary>
    private sealed class Context
    {
        public Mock<TaskOrchestrationContext> Mock { get; } = new() { CallBase = true };
        public DateTime Now { get; set; } = Monday;
        public List<string> Calls { get; } = [];
        public List<(string Name, object? Input, TaskOptions? Options)> Activities { get; } = [];
        public List<DateTime> Timers { get; } = [];
        public object? ContinuedWith { get; private set; }
        /// <summary>What each wait for a name gets: a payload (JSON) or nothing (the wait never completes).</summary>
        public Dictionary<string, Queue<string>> Events { get; } = new(StringComparer.OrdinalIgnoreCase);
        /// <summary>Per timer, in order: true when it fires at once (advancing <see cref="Now"/> by <see cref="TimerAdvance"/>).</summary>
        public Queue<bool> TimerFires { get; } = new();
        public Queue<TimeSpan> TimerAdvance { get; } = new();

        public Context()
        {
            Mock.SetupGet(c => c.InstanceId).Returns(InstanceId);
            Mock.SetupGet(c => c.CurrentUtcDateTime).Returns(() => Now);
            Mock.Setup(c => c.NewGuid()).Returns(RunGuid);
            Mock.Protected().SetupGet<ILoggerFactory>("LoggerFactory").Returns(NullLoggerFactory.Instance);
            Mock.Setup(c => c.SetCustomStatus(It.IsAny<object?>()));
            Mock.Setup(c => c.ContinueAsNew(It.IsAny<object?>(), It.IsAny<bool>())).Callback<object?, bool>((input, _) => ContinuedWith = input);
            Mock.Setup(c => c.CallActivityAsync<SendEmailResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
                .Returns<TaskName, object?, TaskOptions?>((name, input, options) => Activity(name, input, options, new SendEmailResult(EmailStatuses.Sent)));
            Mock.Setup(c => c.CallActivityAsync<CreateTaskResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
                .Returns<TaskName, object?, TaskOptions?>((name, input, options) => Activity(name, input, options, new CreateTaskResult(((CreateTaskRequest)input!).TaskId, Monday)));
            Mock.Setup(c => c.CallActivityAsync<CrmPushResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
                .Returns<TaskName, object?, TaskOptions?>((name, input, options) => Activity(name, input, options, new CrmPushResult(CrmPushStatuses.Skipped)));
            Mock.Setup(c => c.WaitForExternalEvent<JsonElement?>(It.IsAny<string>(), It.IsAny<CancellationToken>()))
                .Returns<string, CancellationToken>((name, token) =>
                {
                    Calls.Add($"wait {name}");
                    if (Events.TryGetValue(name, out var queue) && queue.TryDequeue(out var payload))
                    {
                        return Task.FromResult<JsonElement?>(JsonDocument.Parse(payload).RootElement.Clone());
                    }

                    var pending = new TaskCompletionSource<JsonElement?>();
                    token.Register(() => pending.TrySetCanceled(token));
                    return pending.Task;
                });
            Mock.Setup(c => c.CreateTimer(It.IsAny<DateTime>(), It.IsAny<CancellationToken>()))
                .Returns<DateTime, CancellationToken>((fireAt, token) =>
                {
                    Calls.Add($"timer {fireAt:O}");
                    Timers.Add(fireAt);
                    if (TimerFires.TryDequeue(out var fires) && fires)
                    {
                        Now += TimerAdvance.TryDequeue(out var by) ? by : fireAt - Now;
                        return Task.CompletedTask;
                    }

                    var pending = new TaskCompletionSource();
                    token.Register(() => pending.TrySetCanceled(token));
                    return pending.Task;
                });
        }

        private Task<T> Activity<T>(TaskName name, object? input, TaskOptions? options, T result)
        {
            Calls.Add($"activity {name.Name}");
            Activities.Add((name.Name, input, options));
            return Task.FromResult(result);
        }

        public void Raise(string name, string eventId, string data = "{}")
        {
            if (!Events.TryGetValue(name, out var queue))
            {
                Events[name] = queue = new Queue<string>();
            }

            queue.Enqueue($$"""{"eventId":"{{eventId}}","data":{{data}}}""");
        }
    }

    private static Task<JourneyResult> RunAsync(Context context, JourneyInput input)
    {
        var catalog = new InMemoryTemplateCatalog();
        catalog.Add(Template());
        return new JourneyInterpreter(catalog, new BusinessCalendar(new BusinessHoursOptions())).RunAsync(context.Mock.Object, input);
    }

    [Fact]
    public async Task Start_SendsTheWelcomeEmail_WithTheDeterministicDeliveryKeyAndTheTouchpointRetry()
    {
        var context = new Context();
        context.Raise("testdrive.booked", "e-1");

        var result = await RunAsync(context, Input());

        var (name, input, options) = context.Activities[0];
        var request = Assert.IsType<SendEmailRequest>(input);
        Assert.Equal(JourneyNames.SendEmailActivity, name);
        Assert.Equal(("welcome", "brochure-follow-up", "transactional", InstanceId), (request.StepId, request.Email, request.Category, request.JourneyId));
        Assert.Equal($"{InstanceId}:{RunGuid:N}:0:welcome:0", request.DeliveryKey);
        Assert.Equal(5, options!.Retry!.Policy!.MaxNumberOfAttempts);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Retry.Policy.FirstRetryInterval);
        Assert.Equal(("end", "done"), (result.Reason, result.LastStep));
    }

    [Fact]
    public async Task Wait_ListensForTheStepEventsThenTheExits_WithOneTimerAtTheTimeout()
    {
        var context = new Context();
        context.Raise("testdrive.booked", "e-1");

        await RunAsync(context, Input());

        var due = Monday.AddDays(3);
        Assert.Equal(
            ["activity journey.send-email", "wait testdrive.booked", $"timer {due:O}"],
            context.Calls);
    }

    [Fact]
    public async Task Wait_NoBufferedEvent_WaitsForEveryName_TheOnMappingPicksTheBranch()
    {
        var context = new Context();
        context.Raise("quote.requested", "e-1");

        await RunAsync(context, Input());

        Assert.Equal(["wait testdrive.booked", "wait quote.requested"], context.Calls.Where(c => c.StartsWith("wait ", StringComparison.Ordinal)).Take(2));
        var (name, input, _) = context.Activities[1];
        var task = Assert.IsType<CreateTaskRequest>(input);
        Assert.Equal(JourneyNames.CreateTaskActivity, name);
        Assert.Equal(("call", "call-back", $"{InstanceId}:{RunGuid:N}:0:0"), (task.StepId, task.Task, task.TaskId)); // the first keyed call (e-mails key by step)
        Assert.Equal(("event", "quote.requested", "e-1"), (task.Cause.Kind, task.Cause.Name, task.Cause.EventId));
        Assert.Equal(JourneyNames.PushTaskToCrmActivity, context.Activities[2].Name);
        Assert.Equal(new CrmPushRequest(task.TaskId, "d1"), context.Activities[2].Input);
    }

    [Fact]
    public async Task Timeout_TakesTheOnTimeoutBranch()
    {
        var context = new Context();
        context.TimerFires.Enqueue(true);

        var result = await RunAsync(context, Input());

        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], context.Activities.Select(a => ((SendEmailRequest)a.Input!).Email));
        Assert.Equal(("timer", "wait"), (((SendEmailRequest)context.Activities[1].Input!).Cause.Kind, ((SendEmailRequest)context.Activities[1].Input!).Cause.Name));
        Assert.Equal("end", result.Reason);
    }

    [Fact]
    public async Task TimerFiresEarly_WaitsAgainAWholeSecondPastTheDueTime_ThenTakesTheTimeout()
    {
        var context = new Context();
        var due = Monday.AddDays(3);
        context.TimerFires.Enqueue(true);
        context.TimerAdvance.Enqueue(TimeSpan.FromDays(3) - TimeSpan.FromMilliseconds(900)); // DTFx may fire up to ~1 s early
        context.TimerFires.Enqueue(true);

        await RunAsync(context, Input());

        // Not a second timer for the 0.9 s left: DurableTask.AzureStorage would show it at once and it would fire early again.
        Assert.Equal([due, due.AddSeconds(1)], context.Timers);
        Assert.Equal(2, context.Calls.Count(c => c == "wait quote.requested")); // the wait was made again after the early fire
        Assert.Equal("testdrive-invitation", ((SendEmailRequest)context.Activities[1].Input!).Email);
    }

    [Fact]
    public async Task ExitEvent_EndsTheJourney_WithoutTheStepsAfterIt()
    {
        var context = new Context();
        context.Raise("customer.unsubscribed", "e-1");

        var result = await RunAsync(context, Input());

        Assert.Equal("exit:customer.unsubscribed", result.Reason);
        Assert.Single(context.Activities); // the welcome e-mail only
    }

    [Fact]
    public async Task RepeatedEventId_IsIgnored_TheWaitGoesOnToTheNextEvent()
    {
        var context = new Context();
        context.Raise("testdrive.booked", "e-1"); // seen before the repeat: delivered again, ignored
        context.Raise("quote.requested", "e-2");

        var result = await RunAsync(context, Input(iteration: 1, seen: ["e-1"], startAt: "wait"));

        Assert.Equal(JourneyNames.CreateTaskActivity, context.Activities[0].Name); // e-2's branch, not e-1's
        Assert.Equal("continued", result.Reason);
    }

    [Fact]
    public async Task Repeat_ContinuesAsNew_WithTheSeenIdsBoundedAndTheRunIdCarried()
    {
        var context = new Context();
        var seen = Enumerable.Range(0, JourneyRun.SeenEventIdLimit).Select(i => $"old-{i}").ToList();
        context.Raise("quote.requested", "new-1");

        var result = await RunAsync(context, Input(iteration: 1, seen: seen, startAt: "wait"));

        var next = Assert.IsType<JourneyInput>(context.ContinuedWith);
        Assert.Equal("continued", result.Reason);
        Assert.Equal((2, "wait", "run-1"), (next.Iteration, next.StartAt, next.RunId));
        Assert.Equal(JourneyRun.SeenEventIdLimit, next.SeenEventIds!.Count);
        Assert.Equal(("old-1", "new-1"), (next.SeenEventIds[0], next.SeenEventIds[^1]));
        Assert.Equal($"{InstanceId}:run-1:1:0", ((CreateTaskRequest)context.Activities[0].Input!).TaskId);
    }
}
