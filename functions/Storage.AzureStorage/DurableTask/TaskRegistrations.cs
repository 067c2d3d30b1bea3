using JourneyOrchestrator.Core.Runtime;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>
/// The orchestrators and activities a <see cref="DurableTaskAzureStorageWorker"/> runs: one factory per name, from the SDK's
/// <see cref="DurableTaskRegistry"/> or from the embedded engine's <see cref="JourneyRegistry"/> (the same registrations
/// then run on either engine).
/// </summary>
public sealed class TaskRegistrations
{
    private TaskRegistrations(
        IReadOnlyList<KeyValuePair<TaskName, Func<IServiceProvider, ITaskOrchestrator>>> orchestrators,
        IReadOnlyList<KeyValuePair<TaskName, Func<IServiceProvider, ITaskActivity>>> activities)
    {
        Orchestrators = orchestrators;
        Activities = activities;
    }

    public IReadOnlyList<KeyValuePair<TaskName, Func<IServiceProvider, ITaskOrchestrator>>> Orchestrators { get; }
    public IReadOnlyList<KeyValuePair<TaskName, Func<IServiceProvider, ITaskActivity>>> Activities { get; }

    /// <exception cref="NotSupportedException">A name is registered more than once (several versions).</exception>
    public static TaskRegistrations From(DurableTaskRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return new(Single(registry.GetOrchestrators(), "orchestrator"), Single(registry.GetActivities(), "activity"));
    }

    public static TaskRegistrations From(JourneyRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        return new(
            [.. registry.OrchestratorNames.Select(name => KeyValuePair.Create<TaskName, Func<IServiceProvider, ITaskOrchestrator>>(
                name, services => registry.CreateOrchestrator(name, services)!))],
            [.. registry.ActivityNames.Select(name => KeyValuePair.Create<TaskName, Func<IServiceProvider, ITaskActivity>>(
                name, services => registry.CreateActivity(name, services)!))]);
    }

    /// <summary>One registration per name: the shim runs the unversioned task (DTFx dispatches by name and version "").</summary>
    private static KeyValuePair<TaskName, Func<IServiceProvider, T>>[] Single<T>(IEnumerable<KeyValuePair<TaskName, Func<IServiceProvider, T>>> registrations, string kind)
    {
        var all = registrations.ToArray();
        if (all.GroupBy(r => r.Key.Name, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new NotSupportedException(
                $"The {kind} '{duplicate.Key}' is registered more than once (several versions): the cluster engine runs one implementation per name.");
        }

        return all;
    }
}
