using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Runtime;
using JourneyOrchestrator.Core.Storage;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace JourneyOrchestrator.Core.DependencyInjection;

/// <summary>Registers orchestrators, activities (the Durable Task SDK's) and the store: <c>services.AddJourneyOrchestrator().UseSqliteStorage(...)</c>.</summary>
public sealed class JourneyOrchestratorBuilder
{
    internal JourneyOrchestratorBuilder(IServiceCollection services, JourneyRegistry registry)
    {
        Services = services;
        Registry = registry;
    }

    public IServiceCollection Services { get; }
    public JourneyRegistry Registry { get; }

    /// <summary>Registers an orchestrator class (the Durable Task SDK's); a new instance is made from DI for every episode.</summary>
    public JourneyOrchestratorBuilder AddOrchestrator<T>(string name)
        where T : class, ITaskOrchestrator
    {
        Registry.AddOrchestrator(name, JourneyRegistry.Activate<ITaskOrchestrator, T>());
        return this;
    }

    /// <summary>Registers a function-based orchestrator (the SDK's <see cref="FuncTaskOrchestrator"/>).</summary>
    public JourneyOrchestratorBuilder AddOrchestrator<TInput, TOutput>(string name, Func<TaskOrchestrationContext, TInput, Task<TOutput>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var orchestrator = FuncTaskOrchestrator.Create(run);
        Registry.AddOrchestrator(name, _ => orchestrator);
        return this;
    }

    /// <summary>Registers an activity class (the SDK's); a new instance is resolved from a new DI scope for every call.</summary>
    public JourneyOrchestratorBuilder AddActivity<T>(string name)
        where T : class, ITaskActivity
    {
        Registry.AddActivity(name, JourneyRegistry.Activate<ITaskActivity, T>());
        return this;
    }

    /// <summary>Registers a function-based activity (the SDK's <see cref="FuncTaskActivity"/>).</summary>
    public JourneyOrchestratorBuilder AddActivity<TInput, TOutput>(string name, Func<TaskActivityContext, TInput, Task<TOutput>> run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var activity = FuncTaskActivity.Create(run);
        Registry.AddActivity(name, _ => activity);
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
    /// <summary>
    /// Only the registry of orchestrators and activities (and <see cref="TimeProvider.System"/> unless one is registered),
    /// without the embedded engine: for a host whose engine is another's, such as the Azure Functions app (where the Durable
    /// extension runs the functions that resolve these registrations by name) or
    /// <c>services.AddJourneyTasks().UseDurableTaskAzureStorage(options)</c>, which brings its own <c>DurableTaskClient</c>. <c>AddJourneyTemplates</c> works on the builder
    /// returned; <see cref="JourneyOrchestratorBuilder.UseStore"/> has no effect there.
    /// </summary>
    public static JourneyOrchestratorBuilder AddJourneyTasks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var existing = services.FirstOrDefault(d => d.ServiceType == typeof(JourneyRegistry))?.ImplementationInstance as JourneyRegistry;
        var registry = existing ?? new JourneyRegistry();
        services.TryAddSingleton(registry);
        services.TryAddSingleton(TimeProvider.System);
        return new JourneyOrchestratorBuilder(services, registry);
    }

    /// <summary>
    /// Adds the runtime: client (<see cref="JourneyClient"/>, and the SDK's <see cref="Microsoft.DurableTask.Client.DurableTaskClient"/>
    /// over it), dispatcher, activity worker and the hosted worker service. A store must be added too.
    /// </summary>
    public static JourneyOrchestratorBuilder AddJourneyOrchestrator(this IServiceCollection services, Action<JourneyRuntimeOptions>? configure = null)
    {
        var builder = services.AddJourneyTasks();
        var options = services.AddOptionsWithValidateOnStart<JourneyRuntimeOptions>().ValidateDataAnnotations();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<WorkSignal>();
        services.TryAddSingleton<JourneyClient>();
        services.TryAddSingleton<EmbeddedDurableTaskClient>();
        services.TryAddSingleton<Microsoft.DurableTask.Client.DurableTaskClient>(sp => sp.GetRequiredService<EmbeddedDurableTaskClient>());
        services.TryAddSingleton<OrchestrationDispatcher>();
        services.TryAddSingleton<ActivityWorker>();
        services.TryAddSingleton<JourneyWorkerService>();
        services.AddHostedService(sp => sp.GetRequiredService<JourneyWorkerService>());
        return builder;
    }
}
