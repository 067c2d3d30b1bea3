using JourneyOrchestrator.FunctionApp.Configuration;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

// The Azure Functions isolated worker: the journey orchestrator, its activities and housekeeping on the Durable extension
// (docs/azure-deployment.md). Settings: the app settings (Journeys__*), read and checked once here.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
var settings = FunctionAppSettings.Resolve(builder.Configuration, builder.Environment);
builder.Services.AddJourneyFunctionApp(builder.Configuration, settings);
await builder.Build().RunAsync();
