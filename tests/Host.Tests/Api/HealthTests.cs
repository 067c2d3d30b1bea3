using JourneyOrchestrator.Testing;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Delivery.Tests.Support;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Api;

/// <summary><c>GET /health</c> per dependency: the two stores always, SendGrid when it is the e-mail provider.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task WithTheDevMailbox_TheStoresAreChecked_AndTheHostIsHealthy()
    {
        await using var host = new HostFactory();
        var health = await host.Client(null).OkJsonAsync("/health");
        Assert.Equal("Healthy", health["status"]!.GetValue<string>());
        Assert.Equal("ok", health["checks"]!["dataStore"]!.GetValue<string>());
        Assert.Equal("ok", health["checks"]!["engine"]!.GetValue<string>());
        Assert.Null(health["checks"]!["sendGrid"]);
    }

    [Fact]
    public async Task SendGridReachable_IsOk_AndUnreachable_IsDegradedNot503_SoTheHostKeepsTakingEvents()
    {
        await using var sendGrid = await FakeSendGridServer.StartAsync();
        await using (var host = new HostFactory(settings: SendGrid(sendGrid.BaseUrl)))
        {
            var health = await host.Client(null).OkJsonAsync("/health");
            Assert.Equal("Healthy", health["status"]!.GetValue<string>());
            Assert.Equal("ok", health["checks"]!["sendGrid"]!.GetValue<string>());
        }

        await using (var host = new HostFactory(settings: SendGrid(new Uri($"http://127.0.0.1:{Loopback.FreePort()}"))))
        {
            var response = await host.Client(null).GetAsync(U("/health"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var health = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
            Assert.Equal("Degraded", health["status"]!.GetValue<string>());
            Assert.Contains("unreachable", health["checks"]!["sendGrid"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.Equal("ok", health["checks"]!["dataStore"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ACriticalDependencyDown_Is503_NamingIt()
    {
        await using var factory = new HostFactory();
        var host = factory.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<IHealthProbe>(new Down()))); // disposed with its parent
        var response = await host.CreateClient().GetAsync(U("/health"));
        var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("bus does not answer: connection refused", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> SendGrid(Uri baseUrl) => new()
    {
        ["Journeys:Email:Provider"] = "SendGrid",
        ["Journeys:Email:SendGrid:ApiKey"] = FakeSendGridServer.ApiKey,
        ["Journeys:Email:SendGrid:BaseUrl"] = baseUrl.ToString().TrimEnd('/'),
        ["Journeys:Email:Unsubscribe:BaseUrl"] = "https://journeys.example.com",
        ["Journeys:Email:Unsubscribe:SigningKey"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray()),
    };

    private sealed class Down : IHealthProbe
    {
        public string Name => "bus";

        public bool Critical => true;

        public Task<string?> CheckAsync(CancellationToken cancellationToken) => Task.FromResult<string?>("connection refused");
    }
}
