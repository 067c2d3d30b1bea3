namespace JourneyOrchestrator.Host.Tests.Support;

/// <summary>One in-memory host shared by the tests of a class (xUnit class fixture); tests must not depend on each other's data.</summary>
public sealed class SharedHost : IAsyncLifetime
{
    public HostFactory Host { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await Host.DisposeAsync();
}
