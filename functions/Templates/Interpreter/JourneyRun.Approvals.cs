using JourneyOrchestrator.Templates.Conditions;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Interpreter;

internal sealed partial class JourneyRun
{
    /// <summary>
    /// An <c>approval</c>: a task for the approver (pushed to the CRM like any task), then a wait for its decision
    /// (<see cref="JourneyNames.ApprovalDecidedEvent"/> with this task's id, raised by the tasks API's approve and reject) or the
    /// timeout. A decision for another approval task (one that timed out before and was decided late) is passed over. Exit and
    /// goal events interrupt the wait as any other.
    /// </summary>
    private async Task<StepOutcome> ApprovalStepAsync(StepSpec step)
    {
        var timeoutAt = Add(Now, IsoDuration.Parse(step.Timeout!), step);
        var request = TaskRequest(step, step.Task ?? ApprovalTaskType, timeoutAt) with
        {
            OnCompleteEvent = JourneyNames.ApprovalDecidedEvent,
            Assignee = step.Approver!.Trim(),
        };
        if (await CreateAndPushTaskAsync(step.Id, request) is not { } created)
        {
            return StepOutcome.To(step.OnTimeout!); // nobody could be asked: the fallback (the error is in the status)
        }

        while (true)
        {
            var woke = await WaitAsync([JourneyNames.ApprovalDecidedEvent], timeoutAt);
            if (woke.Interrupt is { } interrupt)
            {
                return interrupt;
            }

            if (woke.Event is null)
            {
                return StepOutcome.To(step.OnTimeout!);
            }

            if (ModelPath.Resolve(_model.Root, "event.data.taskId")?.ToString() != created.TaskId)
            {
                continue; // the decision of another approval
            }

            return StepOutcome.To(ModelPath.Resolve(_model.Root, "event.data.outcome")?.ToString() == ApprovalOutcomes.Approved ? step.OnApproved! : step.OnRejected!);
        }
    }

    /// <summary>The task type of an approval step that names none.</summary>
    public const string ApprovalTaskType = "approval";
}
