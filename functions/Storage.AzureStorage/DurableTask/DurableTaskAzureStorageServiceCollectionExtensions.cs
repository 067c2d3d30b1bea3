using JourneyOrchestrator.Core.DependencyInjection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

public static class DurableTaskAzureStorageServiceCollectionExtensions
{
    /// <summary>
    /// Runs SDK orchestrators and activities on the self-hosted cluster engine (DTFx over DurableTask.AzureStorage), in one
    /// line: <c>services.AddDurableTaskAzureStorage(options, tasks => tasks.AddOrchestrator&lt;X&gt;().AddActivity&lt;Y&gt;())</c>.
    /// Adds the <see cref="DurableTaskAzureStorageClient"/> (also as <see cref="DurableTaskClient"/>), the shared
    /// <see cref="DataConverter"/> and, when <see cref="DurableTaskAzureStorageOptions.RunWorker"/>, the hosted
    /// <see cref="DurableTaskAzureStorageWorker"/>. The options are validated here, before the host starts.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static IServiceCollection AddDurableTaskAzureStorage(
        this IServiceCollection services, DurableTaskAzureStorageOptions options, Action<DurableTaskRegistry> registerTasks)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(registerTasks);
        var registry = new DurableTaskRegistry();
        registerTasks(registry);
        return services.AddDurableTaskAzureStorage(options, TaskRegistrations.From(registry));
    }

    /// <summary>
    /// Runs the orchestrators and activities of the embedded engine's registry (<see cref="JourneyOrchestratorBuilder.Registry"/>:
    /// the journey interpreter and its activities once <c>AddJourneyTemplates</c> ran) on the cluster engine:
    /// <c>services.AddJourneyTasks().UseDurableTaskAzureStorage(options)</c>. The registry is read when the worker is first
    /// resolved, so registrations added after this call are included. Start from <c>AddJourneyTasks</c> (the registry alone),
    /// not <c>AddJourneyOrchestrator</c>, whose embedded engine (store, client, workers) would run beside this one.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static JourneyOrchestratorBuilder UseDurableTaskAzureStorage(this JourneyOrchestratorBuilder builder, DurableTaskAzureStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddDurableTaskAzureStorage(options, new Lazy<TaskRegistrations>(() => TaskRegistrations.From(builder.Registry)));
        return builder;
    }

    /// <inheritdoc cref="AddDurableTaskAzureStorage(IServiceCollection, DurableTaskAzureStorageOptions, Action{DurableTaskRegistry})"/>
    public static IServiceCollection AddDurableTaskAzureStorage(this IServiceCollection services, DurableTaskAzureStorageOptions options, TaskRegistrations tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return services.AddDurableTaskAzureStorage(options, new Lazy<TaskRegistrations>(tasks));
    }

    private static IServiceCollection AddDurableTaskAzureStorage(this IServiceCollection services, DurableTaskAzureStorageOptions options, Lazy<TaskRegistrations> tasks)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        services.TryAddSingleton<DataConverter>(JourneyDataConverter.Shared);
        services.AddSingleton(options);
        services.AddSingleton(sp => new DurableTaskAzureStorageClient(options, sp.GetService<ILoggerFactory>()));
        services.AddSingleton<DurableTaskClient>(sp => sp.GetRequiredService<DurableTaskAzureStorageClient>());
        if (options.RunWorker)
        {
            services.AddSingleton(sp => new DurableTaskAzureStorageWorker(options, tasks.Value, sp, sp.GetService<ILoggerFactory>()));
            services.AddHostedService(sp => sp.GetRequiredService<DurableTaskAzureStorageWorker>());
        }

        return services;
    }

    /// <inheritdoc cref="AddDurableTaskAzureStorage(IServiceCollection, DurableTaskAzureStorageOptions, Action{DurableTaskRegistry})"/>
    public static IServiceCollection AddDurableTaskAzureStorage(
        this IServiceCollection services, Action<DurableTaskAzureStorageOptions> configure, Action<DurableTaskRegistry> registerTasks)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new DurableTaskAzureStorageOptions();
        configure(options);
        return services.AddDurableTaskAzureStorage(options, registerTasks);
    }
}
