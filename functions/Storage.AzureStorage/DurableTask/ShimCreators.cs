using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>
/// One DTFx <see cref="ObjectCreator{T}"/> per registered SDK orchestrator: every episode gets a new
/// <see cref="ITaskOrchestrator"/> from the registry (resolved from the root provider), wrapped by the SDK's shim.
/// </summary>
internal sealed class ShimOrchestrationCreator : ObjectCreator<TaskOrchestration>
{
    private readonly TaskName _name;
    private readonly Func<IServiceProvider, ITaskOrchestrator> _factory;
    private readonly IServiceProvider _services;
    private readonly DurableTaskShimFactory _shims;

    public ShimOrchestrationCreator(TaskName name, Func<IServiceProvider, ITaskOrchestrator> factory, IServiceProvider services, DurableTaskShimFactory shims)
    {
        _name = name;
        _factory = factory;
        _services = services;
        _shims = shims;
        Name = name.Name;
        Version = string.Empty;
    }

    public override TaskOrchestration Create() => _shims.CreateOrchestration(_name, _factory(_services));
}

/// <summary>
/// One DTFx <see cref="ObjectCreator{T}"/> per registered SDK activity: every call gets a new DI scope and a new
/// <see cref="ITaskActivity"/> resolved in it (the scope ends with the call), wrapped by the SDK's shim.
/// </summary>
internal sealed class ShimActivityCreator : ObjectCreator<TaskActivity>
{
    private readonly TaskName _name;
    private readonly Func<IServiceProvider, ITaskActivity> _factory;
    private readonly IServiceProvider _services;
    private readonly DurableTaskShimFactory _shims;

    public ShimActivityCreator(TaskName name, Func<IServiceProvider, ITaskActivity> factory, IServiceProvider services, DurableTaskShimFactory shims)
    {
        _name = name;
        _factory = factory;
        _services = services;
        _shims = shims;
        Name = name.Name;
        Version = string.Empty;
    }

    public override TaskActivity Create()
    {
        var scope = _services.CreateAsyncScope();
        try
        {
            return _shims.CreateActivity(_name, new ScopedActivity(_factory(scope.ServiceProvider), scope));
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>Runs the activity, then ends its DI scope.</summary>
    private sealed class ScopedActivity(ITaskActivity inner, AsyncServiceScope scope) : ITaskActivity
    {
        public Type InputType => inner.InputType;
        public Type OutputType => inner.OutputType;

        public async Task<object?> RunAsync(TaskActivityContext context, object? input)
        {
            await using (scope.ConfigureAwait(false))
            {
                return await inner.RunAsync(context, input).ConfigureAwait(false);
            }
        }
    }
}
