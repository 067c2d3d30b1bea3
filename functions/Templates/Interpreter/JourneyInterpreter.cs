using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Interpreter;

/// <summary>
/// The orchestrator that runs any published template (<see cref="JourneyNames.Orchestration"/>), written against the Durable
/// Task SDK only, so any engine that runs SDK orchestrators runs it. It walks the template's steps from
/// <see cref="JourneyInput.StartAt"/> (or the template's start); every wait also listens for the template's exit events (which
/// end the journey) and goal events (which jump to the goal's step); a repeat continues as new.
/// </summary>
/// <remarks>
/// Deterministic by construction: the template version is immutable, time comes from the context, the split's randomness
/// and the run id from <see cref="TaskOrchestrationContext.NewGuid"/>, and the business calendar is a pure function of time.
/// Activities get their idempotency keys from the interpreter (per call, in their input). A repeated event id (engines
/// deliver at least once) is ignored: the last <see cref="JourneyRun.SeenEventIdLimit"/> ids are remembered. A journey over
/// its <see cref="JourneyBudget"/> (steps, touchpoints, event bytes per hour) fails with <see cref="JourneyBudgetExceededException"/>.
/// </remarks>
public sealed class JourneyInterpreter(ITemplateCatalog catalog, IBusinessCalendar calendar, JourneyBudget? budget = null, IJourneyTrace? trace = null) : TaskOrchestrator<JourneyInput, JourneyResult>
{
    public override Task<JourneyResult> RunAsync(TaskOrchestrationContext context, JourneyInput input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var template = catalog.Get(input.TemplateId, input.TemplateVersion);
        return new JourneyRun(context, template, input, calendar, budget ?? new JourneyBudget(), trace).RunAsync();
    }
}
