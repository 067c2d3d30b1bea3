using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// Task escalation: a task step with <c>escalate</c> leaves a <see cref="PendingEscalation"/>; every later wait listens for
/// the task's completion event and wakes at the escalation time (see <see cref="WaitAsync"/>). A completion for the task
/// clears it (the wait's race cancels the escalation timer); at the time the store is asked whether the task is still
/// open, so a task completed at the deadline is not escalated even when its event comes after the timer. When the journey
/// ends, pending escalations end with it.
/// </summary>
internal sealed partial class JourneyRun
{
    /// <summary>Runs an escalation that came due; returns the event to handle (already in the model) for the <c>event</c> action, else null.</summary>
    private async Task<HeldEvent?> EscalateAsync(PendingEscalation pending)
    {
        var step = _steps[pending.StepId];
        var escalate = step.Escalate!;
        _cause = new TouchpointCause("escalation", pending.StepId, At: Now);
        EscalateTaskResult result;
        try
        {
            result = await _ctx.CallActivityAsync<EscalateTaskResult>(JourneyNames.EscalateTaskActivity, new EscalateTaskRequest
            {
                IdempotencyKey = NextKey(),
                JourneyId = _ctx.InstanceId,
                DealerId = _input.DealerId,
                CustomerId = _input.CustomerId,
                StepId = pending.StepId,
                TaskId = pending.TaskId,
                Action = escalate.Action!,
                To = escalate.To,
                Event = escalate.Event,
                DueAt = pending.DueAt,
                Cause = _cause,
            }, TouchpointRetry);
        }
        catch (TaskFailedException e)
        {
            _lastError = $"{pending.StepId}: escalation failed: {e.Message}";
            return null;
        }

        if (!result.Escalated)
        {
            return null; // completed in time after all (its event is still on its way), or gone
        }

        Milestone(
            escalate.Action == EscalationActions.Reassign ? MilestoneKinds.TaskReassigned : MilestoneKinds.TaskEscalated,
            pending.StepId,
            new JsonObject { ["taskId"] = pending.TaskId, ["action"] = escalate.Action, ["to"] = escalate.To });

        switch (escalate.Action)
        {
            case EscalationActions.Reassign:
                await PushTaskToCrmAsync(pending.StepId, pending.TaskId);
                return null;
            case EscalationActions.Reminder:
                await CreateAndPushTaskAsync(pending.StepId, new CreateTaskRequest
                {
                    TaskId = NextKey(),
                    JourneyId = _ctx.InstanceId,
                    DealerId = _input.DealerId,
                    CustomerId = _input.CustomerId,
                    StepId = pending.StepId,
                    Task = $"{step.Task}-reminder",
                    Title = $"Reminder (not done by {pending.DueAt:yyyy-MM-dd HH:mm} UTC): {step.Title}",
                    DueAt = _calendar.NextOpening(_input.DealerId, Now),
                    OnCompleteEvent = step.OnComplete,
                    Assignee = escalate.To,
                    Model = _model.Snapshot(),
                    Cause = _cause,
                });
                return null;
            default:
                // Handled like an event from the dealer's systems arriving now: the model sees it, the current wait may take it,
                // otherwise a later wait for it does.
                var eventId = $"escalation:{pending.TaskId}";
                var payload = JsonSerializer.Serialize(new JsonObject
                {
                    ["occurredAt"] = Now.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    ["data"] = new JsonObject
                    {
                        ["taskId"] = pending.TaskId,
                        ["taskType"] = step.Task,
                        ["dueAt"] = pending.DueAt.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                    },
                });
                var name = escalate.Event!;
                _cause = _model.Absorb(name, eventId, payload, Now);
                return new HeldEvent(name, eventId, payload);
        }
    }

    /// <summary>A completion event for a pending escalation's task clears it (matched on <c>data.taskId</c>).</summary>
    private void ClearEscalation(string name, string? payload)
    {
        if (_escalations.Count == 0 || TaskIdOf(payload) is not { } taskId)
        {
            return;
        }

        _escalations.RemoveAll(e => e.TaskId == taskId && Same(e.CompletionEvent, name));
    }

    private static string? TaskIdOf(string? payload)
    {
        try
        {
            return payload is not null && JsonNode.Parse(payload) is JsonObject obj && obj["data"] is JsonObject data
                && data["taskId"] is JsonValue id && id.GetValueKind() == JsonValueKind.String
                ? id.GetValue<string>()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The first held event one of <paramref name="stepEvents"/> wants, removed from the held list.</summary>
    private HeldEvent? TakeHeld(IReadOnlyList<string> stepEvents)
    {
        var index = _held.FindIndex(h => stepEvents.Any(e => Same(e, h.Name)));
        if (index < 0)
        {
            return null;
        }

        var held = _held[index];
        _held.RemoveAt(index);
        return held;
    }
}
