using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// Milestones for subscribers (touchpoint sent, task created / escalated / reassigned, phase changed, goal reached, journey
/// ended), published through <see cref="JourneyNames.PublishMilestoneActivity"/> when the journey was started with
/// <see cref="JourneyInput.PublishMilestones"/>. Each publish runs beside the journey: it is scheduled and not awaited, so a
/// Service Bus outage neither blocks nor fails the journey; its retries are durable (the retry policy's timers). The
/// journey awaits what is still pending before it ends or continues as new (a completed orchestration drops outstanding
/// work), and when more than <see cref="MaxPendingMilestones"/> are outstanding at a step. A milestone that failed all its
/// attempts is logged and dropped.
/// </summary>
internal sealed partial class JourneyRun
{
    /// <summary>Outstanding milestone publishes before the journey waits for them at its next step.</summary>
    public const int MaxPendingMilestones = 32;

    /// <summary>Milestone publishes: 8 attempts, 10 s doubling to 15 min (about an hour in all).</summary>
    internal static readonly RetryPolicy MilestoneRetryPolicy = new(8, TimeSpan.FromSeconds(10), 2.0, TimeSpan.FromMinutes(15));

    private static readonly TaskOptions MilestoneRetry = TaskOptions.FromRetryPolicy(MilestoneRetryPolicy);

    private readonly List<Task> _pendingMilestones = [];
    private int _milestones;

    /// <summary>Schedules one milestone (no-op unless the journey publishes milestones); the id is the same on every replay.</summary>
    private void Milestone(string kind, string? stepId = null, JsonObject? details = null)
    {
        if (!_input.PublishMilestones)
        {
            return;
        }

        var milestone = new JourneyMilestone
        {
            MilestoneId = $"{_ctx.InstanceId}:{_runId}:{_input.Iteration}:m{_milestones++}",
            Kind = kind,
            JourneyId = _ctx.InstanceId,
            DealerId = _input.DealerId,
            TemplateId = _template.Id,
            TemplateVersion = _template.Version,
            StepId = stepId ?? (_currentStep.Length > 0 ? _currentStep : null),
            Phase = _phase,
            OccurredAt = Now,
            Details = details,
        };
        _pendingMilestones.RemoveAll(t => t.IsCompleted);
        _pendingMilestones.Add(PublishAsync(milestone));
    }

    private async Task PublishAsync(JourneyMilestone milestone)
    {
        try
        {
            await _ctx.CallActivityAsync<bool>(JourneyNames.PublishMilestoneActivity, milestone, MilestoneRetry);
        }
        catch (TaskFailedException e)
        {
            MilestoneLog.Dropped(_ctx.CreateReplaySafeLogger<JourneyRun>(), _ctx.InstanceId, milestone.MilestoneId, milestone.Kind, e.Message);
        }
    }

    /// <summary>Waits for outstanding publishes when there are too many (<paramref name="all"/>: before the journey ends).</summary>
    private Task DrainMilestonesAsync(bool all)
    {
        _pendingMilestones.RemoveAll(t => t.IsCompleted);
        return _pendingMilestones.Count > 0 && (all || _pendingMilestones.Count >= MaxPendingMilestones)
            ? Task.WhenAll(_pendingMilestones)
            : Task.CompletedTask;
    }

    /// <summary>The milestone of a journey's end (<see cref="JourneyResult.Reason"/>); none when it continues as new.</summary>
    private void EndMilestone(JourneyResult result)
    {
        if (result.Reason == "continued")
        {
            return;
        }

        var kind = result.Reason.StartsWith("exit:", StringComparison.Ordinal) ? MilestoneKinds.JourneyExited : MilestoneKinds.JourneyCompleted;
        Milestone(kind, details: new JsonObject { ["reason"] = result.Reason, ["goalsReached"] = new JsonArray([.. _goalsReached.Select(g => JsonValue.Create(g))]) });
    }

    private static partial class MilestoneLog
    {
        [LoggerMessage(EventId = 2110, Level = LogLevel.Warning, Message = "Journey {JourneyId} dropped milestone {MilestoneId} ({Kind}) after every attempt: {Error}")]
        public static partial void Dropped(ILogger logger, string journeyId, string milestoneId, string kind, string error);
    }
}
