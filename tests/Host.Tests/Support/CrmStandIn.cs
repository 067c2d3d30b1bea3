using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Host.Tests.Support;

/// <summary>
/// A dealer CRM on 127.0.0.1 (a free port) that refuses every push with 500 and echoes the pushed body in its answer, as a
/// careless CRM would: what the host keeps of a refusal must not be that body.
/// </summary>
public sealed class CrmStandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _pushes;

    private CrmStandIn(WebApplication app) => _app = app;

    public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/crm/tasks");

    public int Pushes => Volatile.Read(ref _pushes);

    public static async Task<CrmStandIn> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var crm = new CrmStandIn(app);
        app.MapPost("/crm/tasks", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref crm._pushes);
            using var reader = new StreamReader(request.Body);
            return Results.Text("could not store task: " + await reader.ReadToEndAsync(), statusCode: 500);
        });
        await app.StartAsync();
        return crm;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
