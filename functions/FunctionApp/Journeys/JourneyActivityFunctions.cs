using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Templates.Data;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.FunctionApp.Journeys;

/// <summary>
/// The journey's activities as Durable Functions activities, one function per <see cref="JourneyNames"/> activity name: each
/// resolves the activity class the embedded and cluster engines run (the <see cref="JourneyRegistry"/> registration, made in
/// the invocation's own DI scope) and runs it. The names are the ones the interpreter calls, so the same orchestrator finds
/// them on every engine; the methods are named apart from the activity classes (the DURABLE analyzers stop with AD0001
/// when a <c>TaskActivity</c> class is named like an <c>[ActivityTrigger]</c> function).
/// </summary>
public sealed class JourneyActivityFunctions(JourneyRegistry registry)
{
    [Function(JourneyNames.SendEmailActivity)]
    public Task<SendEmailResult> SendEmailAsync([ActivityTrigger] SendEmailRequest input, string instanceId, FunctionContext executionContext) =>
        RunAsync<SendEmailRequest, SendEmailResult>(JourneyNames.SendEmailActivity, input, instanceId, executionContext);

    [Function(JourneyNames.CreateTaskActivity)]
    public Task<CreateTaskResult> CreateTaskAsync([ActivityTrigger] CreateTaskRequest input, string instanceId, FunctionContext executionContext) =>
        RunAsync<CreateTaskRequest, CreateTaskResult>(JourneyNames.CreateTaskActivity, input, instanceId, executionContext);

    [Function(JourneyNames.PushTaskToCrmActivity)]
    public Task<CrmPushResult> PushTaskToCrmAsync([ActivityTrigger] CrmPushRequest input, string instanceId, FunctionContext executionContext) =>
        RunAsync<CrmPushRequest, CrmPushResult>(JourneyNames.PushTaskToCrmActivity, input, instanceId, executionContext);

    [Function(JourneyNames.DeadLetterCrmPushActivity)]
    public Task<bool> DeadLetterCrmPushAsync([ActivityTrigger] CrmDeadLetterRequest input, string instanceId, FunctionContext executionContext) =>
        RunAsync<CrmDeadLetterRequest, bool>(JourneyNames.DeadLetterCrmPushActivity, input, instanceId, executionContext);

    [Function(JourneyNames.EscalateTaskActivity)]
    public Task<EscalateTaskResult> EscalateTaskAsync([ActivityTrigger] EscalateTaskRequest input, string instanceId, FunctionContext executionContext) =>
        RunAsync<EscalateTaskRequest, EscalateTaskResult>(JourneyNames.EscalateTaskActivity, input, instanceId, executionContext);

    [Function(JourneyNames.PublishMilestoneActivity)]
    public Task<bool> PublishMilestoneAsync([ActivityTrigger] JourneyMilestone input, string instanceId, FunctionContext executionContext) =>
        RunAsync<JourneyMilestone, bool>(JourneyNames.PublishMilestoneActivity, input, instanceId, executionContext);

    private async Task<TOutput> RunAsync<TInput, TOutput>(string name, TInput input, string instanceId, FunctionContext executionContext)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(executionContext);
        var activity = registry.CreateActivity(name, executionContext.InstanceServices)
            ?? throw new InvalidOperationException($"No activity '{name}' is registered (AddJourneyTemplates adds it).");
        var result = await activity.RunAsync(new FunctionActivityContext(name, instanceId), input);
        return (TOutput)result!;
    }

    /// <summary>The SDK's activity context for one invocation: the activity's name and its orchestration's instance id.</summary>
    private sealed class FunctionActivityContext(TaskName name, string instanceId) : TaskActivityContext
    {
        public override TaskName Name { get; } = name;
        public override string InstanceId { get; } = instanceId;
    }
}
