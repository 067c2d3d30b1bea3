using JourneyOrchestrator.Api.Telemetry;
using JourneyOrchestrator.Core.Telemetry;
using JourneyOrchestrator.Templates.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace JourneyOrchestrator.Host.Configuration;

/// <summary>
/// OpenTelemetry: when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (the standard OTLP variables apply: protocol, headers,
/// <c>OTEL_SERVICE_NAME</c>), the host exports the engine's, the journeys' and the API's metrics and traces, ASP.NET Core's
/// and HttpClient's (SendGrid, CRM pushes), and the .NET runtime's metrics, over OTLP. Without it nothing is collected
/// (the meters can still be read with <c>dotnet-counters monitor -n JourneyOrchestrator.Host --counters
/// JourneyOrchestrator.Engine,JourneyOrchestrator.Journeys,JourneyOrchestrator.Api</c>). See docs/operations.md.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>The meters and sources the host exports.</summary>
    public static readonly string[] Meters = [EngineTelemetry.Name, JourneyTelemetry.Name, ApiTelemetry.Name];

    public static WebApplicationBuilder AddJourneyTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "journey-orchestrator"))
            .WithMetrics(metrics => metrics
                .AddMeter(Meters)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation())
            .WithTracing(tracing => tracing
                .AddSource(EngineTelemetry.Name, ApiTelemetry.Name)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !context.Request.Path.StartsWithSegments("/health"))
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();
        return builder;
    }
}
