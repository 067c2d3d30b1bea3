namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// A dependency <c>GET /health</c> reports on besides the two stores (which it always checks): an e-mail provider, a
/// message bus. Registered by the provider's own wiring when it is configured.
/// </summary>
public interface IHealthProbe
{
    /// <summary>The name in the health report (<c>sendGrid</c>).</summary>
    string Name { get; }

    /// <summary>
    /// True when the host cannot do its work without it (then <c>/health</c> is 503). False for what the host waits out
    /// durably (an e-mail provider: sends retry later): then <c>/health</c> stays 200, <c>Degraded</c>, so a load balancer
    /// keeps taking dealer events.
    /// </summary>
    bool Critical { get; }

    /// <summary>Null when the dependency answers; otherwise what is wrong. Bounded in time; never throws.</summary>
    Task<string?> CheckAsync(CancellationToken cancellationToken);
}
