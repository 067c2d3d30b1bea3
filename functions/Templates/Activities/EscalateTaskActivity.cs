using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Activities;

/// <summary>
/// <see cref="JourneyNames.EscalateTaskActivity"/>: the store's word on whether an overdue task is still open. A task that
/// was completed by now (also one completed exactly at the deadline whose event the journey has not taken yet) is not
/// escalated. Otherwise, for <c>reassign</c>, sets the assignee, and records a <c>task</c> touchpoint with status
/// <c>escalated</c> (id = the interpreter's idempotency key for the call, so a re-run records nothing new). The journey does the rest
/// (the reminder task, the CRM push, the event).
/// </summary>
public sealed class EscalateTaskActivity(IJourneyDataStore store, TimeProvider time) : TaskActivity<EscalateTaskRequest, EscalateTaskResult>
{
    public const string Escalated = "escalated";
    public const string NotOpen = "not-open";
    public const string Missing = "missing";

    public override async Task<EscalateTaskResult> RunAsync(TaskActivityContext context, EscalateTaskRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellationToken = CancellationToken.None;
        var task = await store.GetTaskAsync(input.TaskId, cancellationToken);
        if (task is null)
        {
            return new EscalateTaskResult(false, Missing);
        }

        if (task.Status != TaskStatuses.Open)
        {
            return new EscalateTaskResult(false, NotOpen, task.Type, task.Title);
        }

        if (input.Action == EscalationActions.Reassign)
        {
            task = await store.ReassignTaskAsync(input.TaskId, input.To ?? throw new ArgumentException("A reassign escalation needs 'To'.", nameof(input)), cancellationToken);
            if (task is null || task.Status != TaskStatuses.Open)
            {
                return new EscalateTaskResult(false, task is null ? Missing : NotOpen, task?.Type, task?.Title);
            }
        }

        var detail = input.Action switch
        {
            EscalationActions.Reassign => $"Not completed by {input.DueAt:O}: reassigned to {input.To}.",
            EscalationActions.Reminder => $"Not completed by {input.DueAt:O}: reminder task {task.Type}-reminder{(input.To is null ? "" : $" for {input.To}")}.",
            _ => $"Not completed by {input.DueAt:O}: event {input.Event}.",
        };
        await store.AddTouchpointAsync(new Touchpoint
        {
            Id = input.IdempotencyKey,
            JourneyId = input.JourneyId,
            DealerId = input.DealerId,
            CustomerId = input.CustomerId,
            StepId = input.StepId,
            Channel = "task",
            Name = task.Type,
            Status = Escalated,
            Detail = detail,
            Cause = input.Cause,
            OccurredAt = time.GetUtcNow(),
        }, cancellationToken);
        return new EscalateTaskResult(true, Escalated, task.Type, task.Title);
    }
}
