using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.DependencyInjection;

/// <summary>Options of <see cref="JourneyTemplatesServiceCollectionExtensions.AddJourneyTemplates(Core.DependencyInjection.JourneyOrchestratorBuilder, Action{JourneyTemplatesOptions}?)"/>.</summary>
public sealed class JourneyTemplatesOptions
{
    /// <summary>The folder of the e-mail templates (<c>{name}.liquid</c>), e.g. <c>functions/templates/emails</c>. Required.</summary>
    public string EmailTemplateFolder { get; set; } = "";

    public BusinessHoursOptions BusinessHours { get; set; } = new();

    /// <summary>What one journey may do per hour before it is failed as a runaway (<see cref="JourneyBudget"/>).</summary>
    public JourneyBudget Budget { get; set; } = new();
}
