using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Telemetry;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Activities;

/// <summary>
/// <see cref="JourneyNames.CreateTaskActivity"/>: renders the Liquid title and creates an open sales task (id = the interpreter's
/// idempotency key for the call, <see cref="CreateTaskRequest.TaskId"/>, so a re-run creates nothing new), and records a <c>task</c> touchpoint with status <c>created</c>.
/// </summary>
/// <remarks>
/// A run whose customer was erased (no profile, and an erasure audit record for the customer) creates nothing: its work item
/// was taken before the erase deleted it, and its result is discarded with the ended journey.
/// </remarks>
public sealed class CreateTaskActivity(IJourneyDataStore store, LiquidRenderer renderer, TimeProvider time, ErasureHasher? erasureHasher = null)
    : TaskActivity<CreateTaskRequest, CreateTaskResult>
{
    private readonly ErasureHasher _hasher = erasureHasher ?? new ErasureHasher();

    public override async Task<CreateTaskResult> RunAsync(TaskActivityContext context, CreateTaskRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellationToken = CancellationToken.None;
        if (await store.GetCustomerAsync(input.DealerId, input.CustomerId, cancellationToken) is null
            && (await store.ListErasuresAsync(input.DealerId, _hasher.CustomerHash(input.DealerId, input.CustomerId), 1, cancellationToken)).Count > 0)
        {
            return new CreateTaskResult(input.TaskId, input.DueAt);
        }

        string title;
        string? renderError = null;
        try
        {
            title = renderer.Render(input.Title, input.Model, html: false).Trim();
        }
        catch (FormatException e)
        {
            title = input.Title; // the validator rejects broken Liquid; show the raw text rather than lose the task
            renderError = e.Message; // e.g. a Liquid limit (LiquidLimits.MaxLineLength): said in the touchpoint
        }

        var now = time.GetUtcNow();
        await store.CreateTaskAsync(new SalesTask
        {
            Id = input.TaskId,
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
            Id = input.TaskId,
            JourneyId = input.JourneyId,
            DealerId = input.DealerId,
            CustomerId = input.CustomerId,
            StepId = input.StepId,
            Channel = "task",
            Name = input.Task,
            Status = "created",
            Detail = renderError is null ? title : $"the title was not rendered: {renderError}",
            Cause = input.Cause,
            OccurredAt = now,
        }, cancellationToken);
        JourneyTelemetry.TasksCreated.Add(1, new KeyValuePair<string, object?>("type", input.Task));
        return new CreateTaskResult(input.TaskId, input.DueAt);
    }
}
