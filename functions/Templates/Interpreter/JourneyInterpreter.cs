using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// The orchestration that runs any published template (<see cref="JourneyNames.Orchestration"/>). It walks the template's
/// steps from <see cref="JourneyInput.StartAt"/> (or the template's start); every wait also listens for the template's exit
/// events (which end the journey) and goal events (which jump to the goal's step); a repeat continues as new.
/// </summary>
/// <remarks>
/// Deterministic by construction: the template version is immutable, time comes from the context, the split's randomness
/// from <see cref="OrchestrationContext.NewGuid"/>, and the business calendar is a pure function of time.
/// </remarks>
public sealed class JourneyInterpreter(ITemplateCatalog catalog, IBusinessCalendar calendar) : Orchestration<JourneyInput, JourneyResult>
{
    public override Task<JourneyResult> RunAsync(OrchestrationContext context, JourneyInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var template = catalog.Get(input.TemplateId, input.TemplateVersion);
        return new JourneyRun(context, template, input, calendar).RunAsync();
    }
}
