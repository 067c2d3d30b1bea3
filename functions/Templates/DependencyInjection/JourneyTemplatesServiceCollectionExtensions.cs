using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Templates.Activities;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Validation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JourneyOrchestrator.Templates.DependencyInjection;

/// <summary>
/// Registers the interpreter (<see cref="JourneyNames.Orchestration"/>), the send-e-mail, create-task, CRM-push and escalate-task activities, the e-mail
/// template source, the Liquid renderer, the business calendar, the validator and the dev-mailbox e-mail sender (replace
/// <see cref="IEmailSender"/> to send for real), an in-memory <see cref="IDeliveryStore"/> and no frequency cap (<c>AddJourneyDelivery</c>
/// replaces these with SendGrid, SQLite and the configured policy). The host must also register <see cref="IJourneyDataStore"/> and
/// <see cref="ITemplateCatalog"/>.
/// </summary>
public static class JourneyTemplatesServiceCollectionExtensions
{
    public static JourneyOrchestratorBuilder AddJourneyTemplates(this JourneyOrchestratorBuilder builder, Action<JourneyTemplatesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new JourneyTemplatesOptions();
        configure?.Invoke(options);
        if (string.IsNullOrWhiteSpace(options.EmailTemplateFolder))
        {
            throw new ArgumentException("JourneyTemplatesOptions.EmailTemplateFolder is required (the folder of the .liquid e-mail templates).", nameof(configure));
        }

        var services = builder.Services;
        services.TryAddSingleton(options);
        services.TryAddSingleton(options.Budget.Validated());
        services.TryAddSingleton<IEmailTemplateSource>(new FileEmailTemplateSource(options.EmailTemplateFolder));
        services.TryAddSingleton<IBusinessCalendar>(new BusinessCalendar(options.BusinessHours));
        services.TryAddSingleton(new LiquidRenderer(options.Liquid));
        services.TryAddSingleton<IEmailSender, DevMailboxEmailSender>();
        services.TryAddSingleton<IDeliveryStore, InMemoryDeliveryStore>();
        services.TryAddSingleton(new EmailDeliveryOptions());
        services.TryAddSingleton<ICrmTaskPusher, NoCrmTaskPusher>();
        services.TryAddSingleton<IDeadLetterStore, InMemoryDeadLetterStore>();
        services.TryAddSingleton(new ErasureHasher());
        services.TryAddSingleton(sp => new TemplateValidator(sp.GetRequiredService<IEmailTemplateSource>(), options.Validation with { Liquid = options.Liquid }));
        return builder.AddJourneyProgram();
    }

    /// <summary>Only the journey program: the interpreter and its activities, by name (the services they need are the caller's).</summary>
    public static JourneyOrchestratorBuilder AddJourneyProgram(this JourneyOrchestratorBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddOrchestrator<JourneyInterpreter>(JourneyNames.Orchestration);
        builder.AddActivity<SendEmailActivity>(JourneyNames.SendEmailActivity);
        builder.AddActivity<CreateTaskActivity>(JourneyNames.CreateTaskActivity);
        builder.AddActivity<PushTaskToCrmActivity>(JourneyNames.PushTaskToCrmActivity);
        builder.AddActivity<DeadLetterCrmPushActivity>(JourneyNames.DeadLetterCrmPushActivity);
        builder.AddActivity<EscalateTaskActivity>(JourneyNames.EscalateTaskActivity);
        builder.AddActivity<PublishMilestoneActivity>(JourneyNames.PublishMilestoneActivity);
        return builder;
    }

    /// <summary>The same as <see cref="AddJourneyTemplates(JourneyOrchestratorBuilder, Action{JourneyTemplatesOptions}?)"/>, for call sites that hold the service collection.</summary>
    public static JourneyOrchestratorBuilder AddJourneyTemplates(this IServiceCollection services, JourneyOrchestratorBuilder builder, Action<JourneyTemplatesOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(builder);
        return builder.AddJourneyTemplates(configure);
    }
}
