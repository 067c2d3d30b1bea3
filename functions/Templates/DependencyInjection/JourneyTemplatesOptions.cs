using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Templates.DependencyInjection;

/// <summary>Options of <see cref="JourneyTemplatesServiceCollectionExtensions.AddJourneyTemplates(Core.DependencyInjection.JourneyOrchestratorBuilder, Action{JourneyTemplatesOptions}?)"/>.</summary>
public sealed class JourneyTemplatesOptions
{
    /// <summary>The folder of the e-mail templates (<c>{name}.liquid</c>), e.g. <c>functions/journey-templates/emails</c>. Required.</summary>
    public string EmailTemplateFolder { get; set; } = "";

    public BusinessHoursOptions BusinessHours { get; set; } = new();

    /// <summary>The validator's limits: the minimum wait in a loop of steps (<c>Journeys:Templates:MinimumLoopWait</c>, default one hour).</summary>
    public TemplateValidationOptions Validation { get; set; } = new();

    /// <summary>The Liquid limits of every render (e-mail subjects and bodies, task titles); <c>Journeys:Templates:Liquid:*</c>.</summary>
    public LiquidLimits Liquid { get; set; } = new();

    /// <summary>What one journey may do per hour before it is failed as a runaway (<see cref="JourneyBudget"/>).</summary>
    public JourneyBudget Budget { get; set; } = new();
}
