using JourneyOrchestrator.Host.Tests.Support;

namespace JourneyOrchestrator.Host.Tests.Simulation;

/// <summary>
/// One real host process (<see cref="HostProcess"/>: 127.0.0.1, Development, manual clock, a fresh data folder) shared by
/// the tests of a class (xUnit class fixture; the classes run in the end-to-end collection, one process at a time). Tests
/// must not depend on each other's data.
/// </summary>
public sealed class SimulationHost : IAsyncLifetime
{
    private HostProcess? _host;

    public HostProcess Host => _host ?? throw new InvalidOperationException("The host has not started.");

    public async Task InitializeAsync() => _host = await HostProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
