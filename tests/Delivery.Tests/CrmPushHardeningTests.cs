using System.Net;
using JourneyOrchestrator.Delivery.Crm;
using JourneyOrchestrator.Delivery.DependencyInjection;
using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Delivery.Tests;

/// <summary>
/// The CRM push against a real HTTP server on 127.0.0.1: a redirect is a failed push and is never followed (the signed body
/// and signature reach no other URL); a refusal's text (which may echo the task) is never kept; plain http is refused
/// outside Development.
/// </summary>
public sealed class CrmPushHardeningTests : IAsyncLifetime
{
    private WebApplication _server = null!;
    private int _pushes;
    private int _redirectTargetHits;

    private Uri Base => new(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        _server = builder.Build();
        _server.MapPost("/crm/redirect", () =>
        {
            Interlocked.Increment(ref _pushes);
            return Results.Redirect("/elsewhere", permanent: false, preserveMethod: true); // 307: a follower would POST the body again
        });
        _server.MapPost("/elsewhere", () =>
        {
            Interlocked.Increment(ref _redirectTargetHits);
            return Results.Ok();
        });
        _server.MapPost("/crm/echo", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return Results.Text("refused: " + await reader.ReadToEndAsync(), statusCode: 422);
        });
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Push_CrmAnswersARedirect_FailsAndTheRedirectTargetNeverSeesTheSignedBody()
    {
        var pusher = Pusher(new Uri(Base, "/crm/redirect"));

        var error = await Assert.ThrowsAsync<CrmPushException>(() => pusher.PushAsync(Task(), CancellationToken.None));

        Assert.Contains("307", error.Message, StringComparison.Ordinal);
        Assert.Contains("redirects are not followed", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, _pushes);
        Assert.Equal(0, _redirectTargetHits);
    }

    [Fact]
    public async Task Push_CrmEchoesTheBodyInItsRefusal_TheErrorHoldsOnlyTheStatus()
    {
        var pusher = Pusher(new Uri(Base, "/crm/echo"));

        var error = await Assert.ThrowsAsync<CrmPushException>(() => pusher.PushAsync(Task(), CancellationToken.None));

        Assert.Equal("CRM of dealer 'd1' answered 422 Unprocessable Entity.", error.Message);
        Assert.DoesNotContain("Sonnenschein", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_PlainHttpOutsideDevelopment_IsRefusedNamingTheSetting()
    {
        var dealers = new Dictionary<string, CrmSettings>
        {
            ["d1"] = new() { Url = new Uri("http://crm.example.com/tasks"), Secret = "s" },
            ["d2"] = new() { Url = new Uri("https://crm.example.com/tasks"), Secret = "s" },
        };

        var problem = Assert.Single(HttpCrmTaskPusher.Check(dealers, allowPlainHttp: false));

        Assert.Contains("Journeys__Dealers__d1__Crm__Url is plain http://", problem, StringComparison.Ordinal);
        Assert.Empty(HttpCrmTaskPusher.Check(dealers, allowPlainHttp: true));
    }

    /// <summary>The pusher with the CRM client exactly as <c>AddJourneyDelivery</c> registers it.</summary>
    private static HttpCrmTaskPusher Pusher(Uri url)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Journeys:Dealers:d1:Crm:Url"] = url.ToString(),
            ["Journeys:Dealers:d1:Crm:Secret"] = "crm-shared-secret",
            ["Journeys:Delivery:DatabasePath"] = Path.Combine(Path.GetTempPath(), "crm-hardening-" + Guid.NewGuid().ToString("N"), "d.db"),
        }).Build();
        var services = new ServiceCollection().AddLogging().AddJourneyDelivery(configuration).BuildServiceProvider();
        return (HttpCrmTaskPusher)services.GetRequiredService<ICrmTaskPusher>();
    }

    private static SalesTask Task() => new()
    {
        Id = "j-1:e:3", DealerId = "d1", JourneyId = "j-1", CustomerId = "cust-1", StepId = "call", Type = "call",
        Title = "Call Anna Sonnenschein", Status = TaskStatuses.Open, CreatedAt = DateTimeOffset.UnixEpoch, DueAt = DateTimeOffset.UnixEpoch.AddDays(1),
    };
}
