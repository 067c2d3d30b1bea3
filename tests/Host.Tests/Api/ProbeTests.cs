using JourneyOrchestrator.Host.Tests.Support;

namespace JourneyOrchestrator.Host.Tests.Api;

public sealed class ProbeTests
{
    [Fact]
    public async Task Health_Anonymous_ReportsManualClock()
    {
        using var factory = new HostFactory();
        var text = await factory.Client(null).GetStringAsync(new Uri("/health", UriKind.Relative));
        Assert.Contains("Manual", text, StringComparison.Ordinal);
        Assert.Contains("2026-01-05T09:00:00", text, StringComparison.Ordinal);
    }
}
