using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>
/// Orchestrators and activities (the Durable Task SDK's <see cref="ITaskOrchestrator"/> and <see cref="ITaskActivity"/>) by
/// name (case-insensitive). Filled by the builder at start-up, read-only afterwards. Another engine can run the same
/// registrations: <see cref="CreateOrchestrator"/> and <see cref="CreateActivity"/> make the instances the embedded engine uses.
/// </summary>
public sealed class JourneyRegistry
{
    private readonly Dictionary<string, Func<IServiceProvider, ITaskOrchestrator>> _orchestrators = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Func<IServiceProvider, ITaskActivity>> _activities = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> OrchestratorNames => _orchestrators.Keys;
    public IReadOnlyCollection<string> ActivityNames => _activities.Keys;

    public void AddOrchestrator(string name, Func<IServiceProvider, ITaskOrchestrator> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_orchestrators.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"An orchestrator named '{name}' is already registered.");
        }
    }

    public void AddActivity(string name, Func<IServiceProvider, ITaskActivity> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!_activities.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"An activity named '{name}' is already registered.");
        }
    }

    public bool HasOrchestrator(string name) => _orchestrators.ContainsKey(name);

    /// <summary>A new orchestrator instance (one per episode), resolved with <paramref name="services"/>; null when the name is unknown.</summary>
    public ITaskOrchestrator? CreateOrchestrator(string name, IServiceProvider services) =>
        _orchestrators.TryGetValue(name, out var factory) ? factory(services) : null;

    /// <summary>A new activity instance, resolved with <paramref name="services"/> (give it a new scope per call); null when the name is unknown.</summary>
    public ITaskActivity? CreateActivity(string name, IServiceProvider services) =>
        _activities.TryGetValue(name, out var factory) ? factory(services) : null;

    internal static Func<IServiceProvider, T> Activate<T, TImplementation>()
        where TImplementation : class, T =>
        services => ActivatorUtilities.CreateInstance<TImplementation>(services);
}
