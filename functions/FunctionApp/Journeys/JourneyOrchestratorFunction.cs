using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.FunctionApp.Journeys;

/// <summary>
/// The journey orchestrator as a Durable Functions orchestration (<see cref="JourneyNames.Orchestration"/>): a thin wrapper
/// that makes the interpreter the embedded and cluster engines run (the <see cref="JourneyRegistry"/> registration of
/// <c>AddJourneyTemplates</c>) and runs it on the Durable extension's context. No logic of its own, so the journey
/// behaves the same on every engine.
/// </summary>
/// <remarks>
/// Replayed by the Durable extension like any orchestrator: the registry's factory builds a new interpreter per episode from
/// singletons (template catalog, business calendar, budget), which are deterministic for a given template version and time.
/// </remarks>
public sealed class JourneyOrchestratorFunction(JourneyRegistry registry)
{
    [Function(JourneyNames.Orchestration)]
    public Task<JourneyResult> RunJourneyAsync([OrchestrationTrigger] TaskOrchestrationContext context, FunctionContext executionContext)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(executionContext);
        var input = context.GetInput<JourneyInput>()
            ?? throw new InvalidOperationException($"The orchestration '{JourneyNames.Orchestration}' ({context.InstanceId}) was started without a JourneyInput.");
        var orchestrator = registry.CreateOrchestrator(JourneyNames.Orchestration, executionContext.InstanceServices)
            ?? throw new InvalidOperationException($"No orchestrator '{JourneyNames.Orchestration}' is registered (AddJourneyTemplates adds it).");
        return RunAsync(orchestrator, context, input);
    }

    private static async Task<JourneyResult> RunAsync(ITaskOrchestrator orchestrator, TaskOrchestrationContext context, JourneyInput input) =>
        (JourneyResult)(await orchestrator.RunAsync(context, input))!;
}
