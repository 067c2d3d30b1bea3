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

        _ctx.ContinueAsNew(CarriedInput() with { TemplateVersion = order.ToVersion, StartAt = target });
        return StepOutcome.Finish(Result($"migrated:v{order.ToVersion}:{target}"));
    }
}
