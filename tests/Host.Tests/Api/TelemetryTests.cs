using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Host.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary>
/// The metrics operators graph (docs/operations.md), read with a <see cref="MeterListener"/> while a journey runs: dealer
/// events accepted, episodes committed and their duration, timers, e-mails by status, tasks created. Other tests run in
/// the same process, so each check is "at least what this journey did".
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    private readonly HostFactory _host = new();
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _measurements = new();

    public TelemetryTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (TelemetryExtensions.Meters.Contains(instrument.Meter.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Count(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, _, tags, _) => Count(instrument, 1, tags));
        _listener.Start();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task AJourney_IsCountedInEveryMetric()
    {
        var dealer = _host.Client(HostFactory.DealerKey);
        var admin = _host.Client(HostFactory.AdminKey);
        await dealer.StartByBrochureAsync(customerId: "metrics-1", eventId: "metrics-evt-1");
        await _host.SettleAsync();
        await admin.AdvanceAsync("P3D"); // the invitation e-mail (a timer) and the call task

        Assert.True(Seen("journeys.api.events", "route=customer", "outcome=started") >= 1, Dump());
        Assert.True(Seen("journeys.engine.episodes", "outcome=committed") >= 3, Dump());
        Assert.True(Seen("journeys.engine.episode.duration") >= 3, Dump());
        Assert.True(Seen("journeys.engine.timer.lateness") >= 2, Dump());
        Assert.True(Seen("journeys.engine.activities", "activity=journey.send-email", "outcome=completed") >= 2, Dump());
        Assert.True(Seen("journeys.emails", "status=sent") >= 2, Dump());
        Assert.True(Seen("journeys.tasks.created", "type=call-testdrive-invite") >= 1, Dump());

        // A repeated event changes nothing, and is counted as a duplicate.
        await dealer.StartByBrochureAsync(customerId: "metrics-1", eventId: "metrics-evt-1");
        Assert.True(Seen("journeys.api.events", "route=customer", "outcome=duplicate") >= 1, Dump());
    }

    [Fact]
    public async Task WithAnOtlpEndpoint_TheHostExportsMetricsAndTraces_AndStillAnswers()
    {
        await using var host = new HostFactory(settings: new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        Assert.Equal(System.Net.HttpStatusCode.OK, (await host.Client(null).GetAsync(U("/health"))).StatusCode);
        Assert.NotNull(host.Services.GetService<MeterProvider>());
        Assert.NotNull(host.Services.GetService<TracerProvider>());
        Assert.Null(_host.Services.GetService<MeterProvider>()); // without an endpoint nothing is collected
    }

    private void Count(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = instrument.Name;
        _measurements.AddOrUpdate(key, value, (_, v) => v + value);
        foreach (var tag in tags)
        {
            key += $"|{tag.Key}={tag.Value}";
        }

        if (tags.Length > 0)
        {
            _measurements.AddOrUpdate(key, value, (_, v) => v + value);
        }
    }

    /// <summary>The sum of <paramref name="name"/>'s measurements whose tags include every one of <paramref name="tags"/>.</summary>
    private long Seen(string name, params string[] tags) =>
        tags.Length == 0
            ? _measurements.GetValueOrDefault(name)
            : _measurements.Where(m => m.Key.StartsWith(name + "|", StringComparison.Ordinal) && tags.All(t => m.Key.Split('|').Contains(t))).Sum(m => m.Value);

    private string Dump() => string.Join("\n", _measurements.OrderBy(m => m.Key).Select(m => $"{m.Key}: {m.Value}"));
}
