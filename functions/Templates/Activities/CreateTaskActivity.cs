using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Templates.Activities;

/// <summary>
/// <see cref="JourneyNames.CreateTaskActivity"/>: renders the Liquid title and creates an open sales task (id = the activity's
/// idempotency key, so a re-run creates nothing new), and records a <c>task</c> touchpoint with status <c>created</c>.
/// </summary>
public sealed class CreateTaskActivity(IJourneyDataStore store, LiquidRenderer renderer, TimeProvider time) : Activity<CreateTaskRequest, CreateTaskResult>
{
    public override async Task<CreateTaskResult> RunAsync(ActivityContext context, CreateTaskRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        string title;
        try
        {
            title = renderer.Render(input.Title, input.Model, html: false).Trim();
        }
        catch (FormatException)
        {
            title = input.Title; // the validator rejects broken Liquid; show the raw text rather than lose the task
        }

        var now = time.GetUtcNow();
        await store.CreateTaskAsync(new SalesTask
        {
            Id = context.IdempotencyKey,
            DealerId = input.DealerId,
            JourneyId = input.JourneyId,
            CustomerId = input.CustomerId,
            StepId = input.StepId,
            Type = input.Task,
            Title = title,
            Status = TaskStatuses.Open,
            CreatedAt = now,
            DueAt = input.DueAt,
            OnCompleteEvent = input.OnCompleteEvent,
            Assignee = input.Assignee,
        }, cancellationToken);
        await store.AddTouchpointAsync(new Touchpoint
        {
            Id = context.IdempotencyKey,
            JourneyId = input.JourneyId,
            DealerId = input.DealerId,
            CustomerId = input.CustomerId,
            StepId = input.StepId,
            Channel = "task",
            Name = input.Task,
            Status = "created",
            Detail = title,
            Cause = input.Cause,
            OccurredAt = now,
        }, cancellationToken);
        return new CreateTaskResult(context.IdempotencyKey, input.DueAt);
    }
}
