using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace JourneyOrchestrator.Api.Telemetry;

/// <summary>The API's metrics and trace source, one registry for the assembly (names: docs/operations.md).</summary>
public static class ApiTelemetry
{
    /// <summary>The meter's and the activity source's name: <c>AddMeter</c> / <c>AddSource</c> it.</summary>
    public const string Name = "JourneyOrchestrator.Api";

    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    /// <summary>
    /// Dealer events accepted (durable before the answer), one per journey reached, by <c>outcome</c>: <c>raised</c> into a
    /// running journey, <c>started</c> a journey, <c>duplicate</c> (a retry: nothing changed), <c>none</c> (no journey waits
    /// for it); and <c>route</c>: <c>customer</c> (<c>POST /api/customers/{id}/events</c>, and the bulk queue) or
    /// <c>journey</c> (<c>POST /api/journeys/{id}/events/{name}</c>).
    /// </summary>
    public static readonly Counter<long> Events = Meter.CreateCounter<long>(
        "journeys.api.events", "{event}", "Dealer events accepted, by route and outcome.");

    public static void Event(string route, string outcome) =>
        Events.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("outcome", outcome));
}
