using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Telemetry;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Interpreter;

internal sealed partial class JourneyRun
{
    /// <summary>Delivery attempts of one e-mail when the provider refuses for now (429, 5xx), each after a durable timer.</summary>
    public const int MaxEmailDeliveryAttempts = 6;

    /// <summary>CRM pushes: 6 attempts, 1 min doubling to 30 min (about an hour in all), then the dead-letter list.</summary>
    internal static readonly RetryPolicy CrmRetryPolicy = new(6, TimeSpan.FromMinutes(1), 2.0, TimeSpan.FromMinutes(30));

    private static readonly TaskOptions CrmRetry = TaskOptions.FromRetryPolicy(CrmRetryPolicy);

    private async Task SendEmailAsync(StepSpec step)
    {
        Spend(touchpoints: 1);
        // Stable for this occurrence of the step across replays, crashes and retries, so the ledger sends it at most once.
        var deliveryKey = $"{_ctx.InstanceId}:{_runId}:{_input.Iteration}:{step.Id}:{_emailsSent++}";
        var request = new SendEmailRequest
        {
            JourneyId = _ctx.InstanceId,
            DealerId = _input.DealerId,
            CustomerId = _input.CustomerId,
            TemplateId = _template.Id,
            TemplateVersion = _template.Version,
            StepId = step.Id,
            Email = step.Email!,
            Category = step.Category ?? "marketing",
            Model = _model.Snapshot(),
            Cause = _cause,
            DeliveryKey = deliveryKey,
            SendGridTemplateId = step.SendGridTemplateId,
            Capped = step.Capped,
            MaxDeliveryAttempts = MaxEmailDeliveryAttempts,
        };
        if (request.Category == "marketing" && _calendar.NextSendTime(_input.DealerId, Now) is var allowed && allowed > Now)
        {
            // Quiet hours or a holiday: a durable timer until e-mail may go out (the calendar is a pure function of time).
            if (Tracing)
            {
                Trace(TraceKinds.Wait, step.Email, new System.Text.Json.Nodes.JsonObject { ["until"] = allowed, ["why"] = "quiet hours, a holiday or a closed day: marketing e-mail waits" });
            }

            if (!_ctx.IsReplaying)
            {
                JourneyTelemetry.Email("quiet-hours");
            }

            Publish([], allowed);
            await _ctx.CreateTimer(allowed.UtcDateTime, CancellationToken.None);
            _sinceWait = 0;
        }

        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var result = await _ctx.CallActivityAsync<SendEmailResult>(
                    JourneyNames.SendEmailActivity, request with { DeliveryAttempt = attempt }, TouchpointRetry);
                if (result.Status is not (EmailStatuses.Retry or EmailStatuses.Deferred) || result.RetryAt is not { } retryAt)
                {
                    EmailMilestone(step.Id, deliveryKey, result.Status);
                    break;
                }

                // The provider said "later" or the frequency cap is reached: wait durably, then the same key again.
                var at = retryAt > Now ? retryAt : Now.AddSeconds(1);
                if (request.Category == "marketing")
                {
                    at = _calendar.NextSendTime(_input.DealerId, at); // transactional retries ignore quiet hours
                }

                if (Tracing)
                {
                    Trace(TraceKinds.Wait, step.Email, new System.Text.Json.Nodes.JsonObject
                    {
                        ["until"] = at,
                        ["why"] = result.Status == EmailStatuses.Deferred ? "the frequency cap is reached: the e-mail waits" : "the provider said later: the e-mail is tried again",
                    });
                }

                Publish([], at);
                await _ctx.CreateTimer(at.UtcDateTime, CancellationToken.None);
                _sinceWait = 0;
            }
        }
        catch (TaskFailedException e)
        {
            // A touchpoint that failed after its retries is in the history; the journey goes on.
            _lastError = $"{step.Id}: {e.Message}";
            EmailMilestone(step.Id, deliveryKey, EmailStatuses.Failed);
        }
    }

    private void EmailMilestone(string stepId, string deliveryKey, string status) => Milestone(
        status switch
        {
            EmailStatuses.Sent => MilestoneKinds.EmailSent,
            EmailStatuses.Suppressed or EmailStatuses.Capped => MilestoneKinds.EmailSuppressed,
            _ => MilestoneKinds.EmailFailed, // failed, or unknown (claimed, never confirmed: not resent)
        },
        stepId,
        new JsonObject { ["deliveryKey"] = deliveryKey, ["status"] = status });

    private async Task CreateTaskAsync(StepSpec step)
    {
        var request = TaskRequest(step, step.Task!, step.DueIn is null ? _calendar.NextOpening(_input.DealerId, Now) : null) with { OnCompleteEvent = step.OnComplete };
        if (await CreateAndPushTaskAsync(step.Id, request) is { } created && step.Escalate is { } escalate)
        {
            // The journey goes on; the escalation waits beside the following steps' waits (see WaitAsync).
            _escalations.Add(new PendingEscalation(
                step.Id,
                created.TaskId,
                step.OnComplete ?? JourneyNames.TaskCompletedEvent,
                created.DueAt,
                _calendar.DueAt(_input.DealerId, created.DueAt, IsoDuration.Parse(escalate.After!))));
        }
    }

    /// <summary>
    /// The task of <paramref name="step"/> (a task or an approval): due <c>dueIn</c> in business time, else at
    /// <paramref name="dueWithoutDueIn"/>; a new idempotency key, the model and cause as they are now.
    /// </summary>
    private CreateTaskRequest TaskRequest(StepSpec step, string type, DateTimeOffset? dueWithoutDueIn) => new()
    {
        TaskId = NextKey(),
        JourneyId = _ctx.InstanceId,
        DealerId = _input.DealerId,
        CustomerId = _input.CustomerId,
        StepId = step.Id,
        Task = type,
        Title = step.Title!,
        DueAt = step.DueIn is null ? dueWithoutDueIn!.Value : _calendar.DueAt(_input.DealerId, Now, IsoDuration.Parse(step.DueIn)),
        Model = _model.Snapshot(),
        Cause = _cause,
    };

    /// <summary>Creates the task and pushes it to the CRM; null when the task could not be created (the error is in the status).</summary>
    private async Task<CreateTaskResult?> CreateAndPushTaskAsync(string stepId, CreateTaskRequest request)
    {
        Spend(touchpoints: 1);
        CreateTaskResult created;
        try
        {
            created = await _ctx.CallActivityAsync<CreateTaskResult>(JourneyNames.CreateTaskActivity, request, TouchpointRetry);
        }
        catch (TaskFailedException e)
        {
            _lastError = $"{stepId}: {e.Message}";
            return null;
        }

        Milestone(MilestoneKinds.TaskCreated, stepId, new JsonObject { ["taskId"] = created.TaskId, ["task"] = request.Task, ["dueAt"] = created.DueAt });
        await PushTaskToCrmAsync(stepId, created.TaskId);
        return created;
    }

    private async Task PushTaskToCrmAsync(string stepId, string taskId)
    {
        try
        {
            // Durable retries with exponential back-off; the CRM dedupes (upserts) on the task id in the body.
            await _ctx.CallActivityAsync<CrmPushResult>(JourneyNames.PushTaskToCrmActivity, new CrmPushRequest(taskId, _input.DealerId), CrmRetry);
        }
        catch (TaskFailedException e)
        {
            _lastError = $"{stepId}: CRM push failed after {CrmRetryPolicy.MaxNumberOfAttempts} attempts: {e.Message}";
            await _ctx.CallActivityAsync<bool>(
                JourneyNames.DeadLetterCrmPushActivity,
                new CrmDeadLetterRequest(taskId, _input.DealerId, _ctx.InstanceId, e.Message, CrmRetryPolicy.MaxNumberOfAttempts),
                TouchpointRetry);
        }
    }
}
