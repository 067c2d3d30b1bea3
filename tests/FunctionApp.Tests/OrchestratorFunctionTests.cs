using System.Reflection;
using JourneyOrchestrator.FunctionApp.Journeys;
using JourneyOrchestrator.FunctionApp.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Moq.Protected;

namespace JourneyOrchestrator.FunctionApp.Tests;

/// <summary>
/// The orchestrator trigger in the documented isolated style: a Moq <see cref="TaskOrchestrationContext"/> (CallBase, so the
/// SDK's own overloads run) and a <see cref="FunctionContext"/> over the app's DI. It must run the interpreter the other
/// engines run, with the template read through the app's catalog from the data store.
/// </summary>
public sealed class OrchestratorFunctionTests
{
    private static JourneyTemplate Template() => new()
    {
        Id = "welcome",
        Version = 1,
        Name = "Welcome",
        Events = ["brochure.downloaded"],
        Start = "mail",
        Steps =
        [
            new StepSpec { Id = "mail", Kind = "email", Email = "brochure-follow-up", Category = "transactional", Next = "call" },
            new StepSpec { Id = "call", Kind = "task", Task = "call-back", Title = "Call {{ customer.firstName }}", Next = "done" },
            new StepSpec { Id = "done", Kind = "end" },
        ],
    };

    private static JourneyInput Input() => new()
    {
        TemplateId = "welcome",
        TemplateVersion = 1,
        DealerId = "d1",
        CustomerId = "c1",
        Customer = new System.Text.Json.Nodes.JsonObject { ["firstName"] = "Anna" },
    };

    [Fact]
    public async Task RunJourney_SmallTemplate_CallsTheTemplatesActivitiesInOrderAndEnds()
    {
        using var app = new AppServices();
        await app.Data.PublishTemplateAsync(Template(), "{}", "application/json", AppServices.Now);
        var calls = new List<(string Name, object? Input)>();
        var context = Context(Input(), calls);

        var result = await new JourneyOrchestratorFunction(app.Registry).RunJourneyAsync(context.Object, app.Invocation());

        Assert.Equal(["journey.send-email", "journey.create-task", "journey.push-task-to-crm"], calls.Select(c => c.Name));
        var email = Assert.IsType<SendEmailRequest>(calls[0].Input);
        Assert.Equal(("brochure-follow-up", "mail", "d1", "c1", "journey-7"), (email.Email, email.StepId, email.DealerId, email.CustomerId, email.JourneyId));
        var task = Assert.IsType<CreateTaskRequest>(calls[1].Input);
        Assert.Equal(("call-back", "call"), (task.Task, task.StepId));
        Assert.Equal("end", result.Reason);
        Assert.Equal("done", result.LastStep);
    }

    [Fact]
    public async Task RunJourney_TemplateNotPublished_FailsNamingTheTemplate()
    {
        using var app = new AppServices();
        var context = Context(Input(), []);

        var e = await Assert.ThrowsAsync<KeyNotFoundException>(() => new JourneyOrchestratorFunction(app.Registry).RunJourneyAsync(context.Object, app.Invocation()));

        Assert.Contains("'welcome' version 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunJourney_NoInput_FailsNamingTheInstance()
    {
        using var app = new AppServices();
        var context = Context(null, []);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => new JourneyOrchestratorFunction(app.Registry).RunJourneyAsync(context.Object, app.Invocation()));

        Assert.Contains("journey-7", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Functions_EveryRegisteredTask_HasATriggerOfItsNameAndKind()
    {
        using var app = new AppServices();
        var functions = typeof(JourneyOrchestratorFunction).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods())
            .Select(m => (Name: m.GetCustomAttribute<FunctionAttribute>()?.Name, Method: m))
            .Where(f => f.Name is not null)
            .ToDictionary(f => f.Name!, f => f.Method, StringComparer.Ordinal);

        foreach (var name in app.Registry.OrchestratorNames)
        {
            Assert.True(functions.TryGetValue(name, out var method), $"no function '{name}'");
            Assert.Contains(method.GetParameters(), p => p.GetCustomAttribute<OrchestrationTriggerAttribute>() is not null);
        }

        foreach (var name in app.Registry.ActivityNames)
        {
            Assert.True(functions.TryGetValue(name, out var method), $"no function '{name}'");
            Assert.Contains(method.GetParameters(), p => p.GetCustomAttribute<ActivityTriggerAttribute>() is not null);
        }

        // + the purge timer, the HTTP API and the bulk event queue
        Assert.Equal(app.Registry.OrchestratorNames.Count + app.Registry.ActivityNames.Count + 3, functions.Count);
    }

    [Fact]
    public async Task WorkerSerializer_IsTheJourneyProgramsJson_SoPayloadsReadAsOnTheOtherEngines()
    {
        using var app = new AppServices();
        var serializer = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<WorkerOptions>>().Value.Serializer!;

        var json = serializer.Serialize(Input()).ToString();
        var back = (JourneyInput?)await serializer.DeserializeAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)), typeof(JourneyInput), CancellationToken.None);

        Assert.Equal(JourneyOrchestrator.Core.Authoring.JsonData.Serialize(Input()), json);
        Assert.Contains("\"templateId\":\"welcome\"", json, StringComparison.Ordinal);
        Assert.Equal(("welcome", "Anna"), (back!.TemplateId, back.Customer!["firstName"]!.GetValue<string>()));
    }

    /// <summary>A context whose activities complete at once (recorded in order) with results the activity would give.</summary>
    private static Mock<TaskOrchestrationContext> Context(JourneyInput? input, List<(string Name, object? Input)> calls)
    {
        var now = AppServices.Now.UtcDateTime;
        var context = new Mock<TaskOrchestrationContext> { CallBase = true };
        context.SetupGet(c => c.InstanceId).Returns("journey-7");
        context.SetupGet(c => c.CurrentUtcDateTime).Returns(now);
        context.Setup(c => c.NewGuid()).Returns(new Guid("00000000-0000-0000-0000-0000000000aa"));
        context.Setup(c => c.GetInput<JourneyInput>()).Returns(input);
        context.Protected().SetupGet<ILoggerFactory>("LoggerFactory").Returns(NullLoggerFactory.Instance);
        context.Setup(c => c.SetCustomStatus(It.IsAny<object?>()));
        context.Setup(c => c.CallActivityAsync<SendEmailResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((name, request, _) => Record(calls, name, request, new SendEmailResult(EmailStatuses.Sent)));
        context.Setup(c => c.CallActivityAsync<CreateTaskResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((name, request, _) => Record(calls, name, request, new CreateTaskResult(((CreateTaskRequest)request!).TaskId, now)));
        context.Setup(c => c.CallActivityAsync<CrmPushResult>(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<TaskOptions?>()))
            .Returns<TaskName, object?, TaskOptions?>((name, request, _) => Record(calls, name, request, new CrmPushResult(CrmPushStatuses.Skipped)));
        return context;
    }

    private static Task<T> Record<T>(List<(string Name, object? Input)> calls, TaskName name, object? request, T result)
    {
        calls.Add((name.Name, request));
        return Task.FromResult(result);
    }
}
