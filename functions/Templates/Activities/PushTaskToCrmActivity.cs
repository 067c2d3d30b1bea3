using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Activities;

/// <summary>
/// <see cref="JourneyNames.PushTaskToCrmActivity"/>: one attempt to POST the task to the dealer's CRM. Throws on failure so
/// the interpreter's retry policy retries it with back-off; returns <c>skipped</c> when the dealer has no CRM.
/// </summary>
public sealed class PushTaskToCrmActivity(IJourneyDataStore store, ICrmTaskPusher crm) : TaskActivity<CrmPushRequest, CrmPushResult>
{
    public override async Task<CrmPushResult> RunAsync(TaskActivityContext context, CrmPushRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellationToken = CancellationToken.None;
        if (!crm.IsConfigured(input.DealerId))
        {
            return new CrmPushResult(CrmPushStatuses.Skipped);
        }

        var task = await store.GetTaskAsync(input.TaskId, cancellationToken) ?? throw new InvalidOperationException($"Task '{input.TaskId}' does not exist.");
        await crm.PushAsync(task, cancellationToken);
        return new CrmPushResult(CrmPushStatuses.Pushed);
    }
}

/// <summary>
/// <see cref="JourneyNames.DeadLetterCrmPushActivity"/>: keeps a push whose retries are exhausted in the dead-letter list
/// (id <c>crm:{taskId}</c>, so a re-run updates the same row).
/// </summary>
public sealed class DeadLetterCrmPushActivity(IDeadLetterStore letters, TimeProvider time) : TaskActivity<CrmDeadLetterRequest, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, CrmDeadLetterRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellationToken = CancellationToken.None;
        await letters.UpsertDeadLetterAsync(new DeadLetter
        {
            Id = $"crm:{input.TaskId}",
            Channel = "crm",
            DealerId = input.DealerId,
            TaskId = input.TaskId,
            JourneyId = input.JourneyId,
            LastError = input.Error,
            Attempts = input.Attempts,
            FailedAt = time.GetUtcNow(),
        }, cancellationToken);
        return true;
    }
}
