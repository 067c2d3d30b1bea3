using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JourneyOrchestrator.Core.DependencyInjection;

/// <summary>Registers orchestrations, activities and the store: <c>services.AddJourneyOrchestrator().UseSqliteStorage(...)</c>.</summary>
public sealed class JourneyOrchestratorBuilder
{
    internal JourneyOrchestratorBuilder(IServiceCollection services, JourneyRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    public IServiceCollection Services { get; }
    public JourneyRegistry Registry { get; }

    public JourneyOrchestratorBuilder AddOrchestration<T>(string name)
        where T : class, IOrchestration
    {
        Registry.AddOrchestration(name, JourneyRegistry.Activate<IOrchestration, T>());
        return this;
    }

    public JourneyOrchestratorBuilder AddOrchestration(string name, Func<OrchestrationContext, Task<object?>> run)
    {
        Registry.AddOrchestration(name, _ => new DelegateOrchestration(run));
        return this;
    }

    /// <summary>Registers an activity class; a new instance is resolved from a new DI scope for every call.</summary>
    public JourneyOrchestratorBuilder AddActivity<T>(string name)
        where T : class, IActivity
    {
        Registry.AddActivity(name, JourneyRegistry.Activate<IActivity, T>());
        return this;
    }

    /// <summary>Uses <paramref name="factory"/> for the store (a singleton).</summary>
    public JourneyOrchestratorBuilder UseStore(Func<IServiceProvider, IJourneyStore> factory)
    {
        Services.RemoveAll<IJourneyStore>();
        Services.AddSingleton(factory);
        return this;
    }
}

public static class JourneyOrchestratorServiceCollectionExtensions
{
    /// <summary>Adds the runtime: client, dispatcher, activity worker and the hosted worker service. A store must be added too.</summary>
    public static JourneyOrchestratorBuilder AddJourneyOrchestrator(this IServiceCollection services, Action<JourneyRuntimeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(JourneyRegistry))?.ImplementationInstance as JourneyRegistry;
        var registry = existing ?? new JourneyRegistry();
        services.TryAddSingleton(registry);
        var options = services.AddOptionsWithValidateOnStart<JourneyRuntimeOptions>().ValidateDataAnnotations();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkSignal>();
        services.TryAddSingleton<JourneyClient>();
        services.TryAddSingleton<OrchestrationDispatcher>();
        services.TryAddSingleton<ActivityWorker>();
        services.TryAddSingleton<JourneyWorkerService>();
        services.AddHostedService(sp => sp.GetRequiredService<JourneyWorkerService>());
        return new JourneyOrchestratorBuilder(services, registry);
    }
}
