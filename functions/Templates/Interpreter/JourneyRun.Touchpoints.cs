using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Interpreter;

internal sealed partial class JourneyRun
{
    private async Task SendEmailAsync(StepSpec step)
    {
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
        };
        try
        {
            await _ctx.CallActivityAsync<SendEmailResult>(JourneyNames.SendEmailActivity, request, TouchpointRetry);
        }
        catch (ActivityFailedException e)
        {
            // A touchpoint that failed after its retries is in the history; the journey goes on.
            _lastError = $"{step.Id}: {e.Message}";
        }
    }

    private async Task CreateTaskAsync(StepSpec step)
    {
        var due = step.DueIn is null ? Now : IsoDuration.Parse(step.DueIn).AddTo(Now);
        var request = new CreateTaskRequest
        {
            JourneyId = _ctx.InstanceId,
            DealerId = _input.DealerId,
            CustomerId = _input.CustomerId,
            StepId = step.Id,
            Task = step.Task!,
            Title = step.Title!,
            DueAt = _calendar.NextOpening(_input.DealerId, due),
            OnCompleteEvent = step.OnComplete,
            Model = _model.Snapshot(),
            Cause = _cause,
        };
        try
        {
            await _ctx.CallActivityAsync<CreateTaskResult>(JourneyNames.CreateTaskActivity, request, TouchpointRetry);
        }
        catch (ActivityFailedException e)
        {
            _lastError = $"{step.Id}: {e.Message}";
        }
    }
}
