using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// Hardening through the real host process (issue 16, finding 6 and the erasure key of finding 3): start-up refusals (exit
/// code 2), no dev routes outside Development, no exception text in 400s, the lockout after failed keys and the per-key
/// token bucket, the SendGrid webhook's body limit.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class SecurityEndToEndTests
{
    private const string AdminKey = "a-long-production-admin-key-0123456789";
    private const string ErasureKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    private static Dictionary<string, string> Production(bool erasureKey = true)
    {
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Journeys__Clock"] = "System",
            ["Journeys__ApiKeys__0__Key"] = AdminKey,
            ["Journeys__ApiKeys__0__Role"] = "admin",
        };
        if (erasureKey)
        {
            settings["Journeys__Erasure__HashKey"] = ErasureKey;
        }

        return settings;
    }

    [Fact]
    public async Task Start_ProductionWithoutAnErasureKey_ExitsWithCode2NamingTheSetting()
    {
        var (exitCode, output) = await HostProcess.RunToExitAsync(Production(erasureKey: false));

        Assert.Equal(2, exitCode);
        Assert.Contains("Journeys__Erasure__HashKey is not set", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_ProductionWithAPlainHttpCrm_ExitsWithCode2NamingTheSetting()
    {
        var settings = Production();
        settings["Journeys__Dealers__d1__Crm__Url"] = "http://crm.example.com/tasks";
        settings["Journeys__Dealers__d1__Crm__Secret"] = "crm-shared-secret";

        var (exitCode, output) = await HostProcess.RunToExitAsync(settings);

        Assert.Equal(2, exitCode);
        Assert.Contains("Journeys__Dealers__d1__Crm__Url is plain http://", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_DevRoutesDoNotExistAndA400EchoesNoExceptionText()
    {
        await using var host = await HostProcess.StartAsync(Production());
        var admin = host.Client(AdminKey);

        await (await admin.GetAsync(U("/api/dev/mailbox"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await admin.GetAsync(U("/api/dev/clock"))).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(U("/api/journeys"))).StatusCode);

        var problem = await (await admin.GetAsync(U("/api/journeys?pageSize=lots"))).ProblemAsync(HttpStatusCode.BadRequest, "pageSize");
        var text = problem.ToJsonString();
        Assert.DoesNotContain("Failed to bind", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Int32", text, StringComparison.Ordinal);
        Assert.DoesNotContain("lots", text, StringComparison.Ordinal);
        var correlationId = problem["correlationId"]!.GetValue<string>();
        Assert.False(string.IsNullOrEmpty(correlationId));
        await WaitForAsync(() => host.Output.Contains(correlationId, StringComparison.Ordinal), "the correlation id in the log");
        Assert.Contains("Failed to bind", host.Output, StringComparison.Ordinal); // the detail is in the log
    }

    [Fact]
    public async Task WrongKeys_500FromOneClient_LockedOutQuicklyWhileAGoodKeyWorksFromAnotherClient()
    {
        await using var host = await HostProcess.StartAsync();
        using var attacker = host.Client("wrong-key");
        var clock = Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        string? retryAfter = null;
        for (var i = 0; i < 500; i++)
        {
            using var response = await attacker.GetAsync(U("/api/journeys"));
            statuses.Add(response.StatusCode);
            retryAfter ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response.Headers.RetryAfter?.ToString() : null;
        }

        clock.Stop();
        Assert.All(statuses.Take(10), s => Assert.Equal(HttpStatusCode.Unauthorized, s)); // Journeys:RateLimits:FailedKeyLimit (10 a minute)
        Assert.All(statuses.Skip(10), s => Assert.Equal(HttpStatusCode.TooManyRequests, s));
        Assert.True(int.Parse(retryAfter!, System.Globalization.CultureInfo.InvariantCulture) is >= 1 and <= 60, retryAfter);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"500 attempts took {clock.Elapsed}");

        // The locked-out client cannot even use a good key (a right guess would look the same as a wrong one)...
        using var sameClient = host.Client("dev-dealer-key");
        var locked = await sameClient.GetAsync(U("/api/journeys"));
        await locked.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(locked.Headers.RetryAfter);

        // ...while another client (another loopback address) is not affected.
        using var other = ClientFrom(host, IPAddress.Parse("127.0.0.2"), "dev-dealer-key");
        Assert.Equal(HttpStatusCode.OK, (await other.GetAsync(U("/api/journeys"))).StatusCode);
    }

    [Fact]
    public async Task OneKey_OverItsBurst_Gets429WithRetryAfterWhileAnotherKeyIsServed()
    {
        await using var host = await HostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Journeys__RateLimits__PerKeyBurst"] = "5",
            ["Journeys__RateLimits__PerKeyPerSecond"] = "1",
        });
        using var dealer = host.Client("dev-dealer-key");

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20; i++)
        {
            var response = await dealer.GetAsync(U("/api/journeys"));
            statuses.Add(response.StatusCode);
            limited ??= response.StatusCode == HttpStatusCode.TooManyRequests ? response : null;
        }

        Assert.All(statuses.Take(5), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.NotNull(limited);
        await limited.ProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.OK, (await host.Client("dev-admin-key").GetAsync(U("/api/journeys"))).StatusCode);
    }

    [Fact]
    public async Task SendGridWebhook_BodyOver1MiB_Is413FromTheRouteAsDocumented()
    {
        await using var host = await HostProcess.StartAsync(new Dictionary<string, string>
        {
            ["Journeys__Email__SendGrid__WebhookPublicKey"] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
        });
        using var client = host.Client(null);
        var body = "[" + new string(' ', (1024 * 1024) + 10) + "]";
        using var request = new HttpRequestMessage(HttpMethod.Post, U("/api/webhooks/sendgrid")) { Content = Json(body) };
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Signature", "MEUCIQ==");
        request.Headers.Add("X-Twilio-Email-Event-Webhook-Timestamp", HostProcess.Start.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

        var problem = await (await client.SendAsync(request)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("1 MiB", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>A client whose connections come from <paramref name="source"/> (any 127.x address is the loopback on Linux).</summary>
    private static HttpClient ClientFrom(HostProcess host, IPAddress source, string apiKey)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler, disposeHandler: true) { BaseAddress = host.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Not seen within 10 s: {what}.");
            }

            await Task.Delay(50);
        }
    }
}
