using System.Text.Json;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Interpreter;

internal sealed partial class JourneyRun
{
    /// <summary>
    /// A migration order (<see cref="JourneyNames.MigrateEvent"/>): when it is for this journey's version and maps the step it
    /// waits at, the journey continues there in the new version as a fresh execution (ContinueAsNew), keeping its data,
    /// phase, goals, tasks' escalations, held and seen events; null otherwise (the journey stays where it is).
    /// </summary>
    private StepOutcome? MigrationFor(JsonElement? payload)
    {
        JourneyMigrationOrder? order;
        try
        {
            order = payload is { ValueKind: JsonValueKind.Object } obj && obj.TryGetProperty("data", out var data)
                ? data.Deserialize<JourneyMigrationOrder>(JsonData.Options)
                : null;
        }
        catch (JsonException)
        {
            order = null;
        }

        if (order is null || order.FromVersion != _template.Version || order.ToVersion == _template.Version
            || !order.Mapping.TryGetValue(_currentStep, out var target))
        {
            return null;
        }

        _ctx.ContinueAsNew(_input with
        {
            TemplateVersion = order.ToVersion,
            StartAt = target,
            Data = _model.Data.DeepClone().AsObject(),
            Customer = _model.Customer.DeepClone().AsObject(),
            Phase = _phase,
            GoalsReached = [.. _goalsReached],
            Escalations = _escalations.Count == 0 ? null : [.. _escalations],
            HeldEvents = _held.Count == 0 ? null : [.. _held],
            SeenEventIds = _seen.Count == 0 ? null : [.. _seen],
            RunId = _runId,
            Budget = _window,
        });
        return StepOutcome.Finish(Result($"migrated:v{order.ToVersion}:{target}"));
    }
}
