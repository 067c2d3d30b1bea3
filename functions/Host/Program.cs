using JourneyOrchestrator.Host.Configuration;

// The JourneyOrchestrator host: dealer, template and management API plus the runtime's workers, on SQLite.
// Configuration: appsettings.json and Journeys__* environment variables (see README.md).
try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddJourneyHost();
    builder.AddJourneyTelemetry();
    var app = builder.Build();
    app.MapJourneyHost();
    await app.RunAsync();
    return 0;
}
catch (HostConfigurationException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    return 2;
}

/// <summary>The entry point, public for <c>WebApplicationFactory&lt;Program&gt;</c>.</summary>
public partial class Program;
