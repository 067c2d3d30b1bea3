using JourneyOrchestrator.Core.Authoring;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Core.Runtime;

/// <summary>Orchestrations and activities by name (case-insensitive). Filled by the builder at start-up, read-only afterwards.</summary>
public sealed class JourneyRegistry
{
    private readonly Dictionary<string, Func<IServiceProvider, IOrchestration>> _orchestrations = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, Func<IServiceProvider, IActivity>> _activities = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> OrchestrationNames => _orchestrations.Keys;
    public IReadOnlyCollection<string> ActivityNames => _activities.Keys;

    public void AddOrchestration(string name, Func<IServiceProvider, IOrchestration> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_orchestrations.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"An orchestration named '{name}' is already registered.");
        }
    }

    public void AddActivity(string name, Func<IServiceProvider, IActivity> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_activities.TryAdd(name, factory))
        {
            throw new InvalidOperationException($"An activity named '{name}' is already registered.");
        }
    }

    public bool HasOrchestration(string name) => _orchestrations.ContainsKey(name);

    internal IOrchestration? CreateOrchestration(string name, IServiceProvider services) =>
        _orchestrations.TryGetValue(name, out var factory) ? factory(services) : null;

    internal IActivity? CreateActivity(string name, IServiceProvider services) =>
        _activities.TryGetValue(name, out var factory) ? factory(services) : null;

    internal static Func<IServiceProvider, T> Activate<T, TImplementation>()
        where TImplementation : class, T =>
        services => ActivatorUtilities.CreateInstance<TImplementation>(services);
}
