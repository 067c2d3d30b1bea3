using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Delivery.Tests.Support;

/// <summary>One request the fake received, with what it found wrong with it (empty when it is a valid v3 mail send).</summary>
public sealed record ReceivedMail(string? Authorization, JsonObject Body, IReadOnlyList<string> Problems);

/// <summary>
/// A SendGrid-compatible v3 <c>POST /v3/mail/send</c> on 127.0.0.1 (a free port), checking each request as SendGrid documents
/// it: <c>Authorization: Bearer {key}</c>, JSON with <c>personalizations[].to[].email</c>, <c>from.email</c>, either
/// <c>template_id</c> (with <c>dynamic_template_data</c>) or a subject (global or per personalization) and <c>content[]</c>. It answers what the test
/// queued (<see cref="Answer"/>), else 202; an invalid request gets 400 with SendGrid's error shape.
/// </summary>
public sealed class FakeSendGridServer : IAsyncDisposable
{
    public const string ApiKey = "SG.test-key";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(int Status, string? RetryAfter)> _answers = new();
    private readonly ConcurrentQueue<ReceivedMail> _received = new();

    private FakeSendGridServer(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<ReceivedMail> Received => [.. _received];

    /// <summary>
    /// How long the fake holds each answer after it has recorded the request (zero: answers at once). A slow SendGrid keeps
    /// the sender mid-call, so a test can kill a process between "SendGrid got it" and "the ledger says sent".
    /// </summary>
    public TimeSpan AnswerDelay { get; set; }

    public static async Task<FakeSendGridServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeSendGridServer(app);
        app.MapPost("/v3/mail/send", (Delegate)server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = new Uri(address);
        return server;
    }

    /// <summary>Queues the status of the next answer (429 and 5xx with an optional Retry-After in seconds).</summary>
    public void Answer(int status, string? retryAfter = null) => _answers.Enqueue((status, retryAfter));

    private async Task<IResult> HandleAsync(HttpContext http)
    {
        var problems = new List<string>();
        var authorization = http.Request.Headers.Authorization.ToString();
        if (authorization != "Bearer " + ApiKey)
        {
            problems.Add($"Authorization is '{authorization}'");
        }

        JsonObject body;
        try
        {
            body = (await JsonNode.ParseAsync(http.Request.Body) as JsonObject) ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            body = [];
            problems.Add("body is not JSON");
        }

        Check(body, problems);
        _received.Enqueue(new ReceivedMail(authorization, body, problems));
        if (AnswerDelay > TimeSpan.Zero)
        {
            await Task.Delay(AnswerDelay, http.RequestAborted);
        }

        if (problems.Count > 0)
        {
            return Results.Json(new { errors = problems.Select(p => new { message = p, field = (string?)null, help = (string?)null }) }, statusCode: 400);
        }

        var (status, retryAfter) = _answers.TryDequeue(out var answer) ? answer : (202, null);
        if (retryAfter is not null)
        {
            http.Response.Headers.RetryAfter = retryAfter;
        }

        if (status == 202)
        {
            http.Response.Headers["X-Message-Id"] = Guid.NewGuid().ToString("N");
            return Results.StatusCode(202);
        }

        return Results.Json(new { errors = new[] { new { message = $"fake answer {status}", field = (string?)null, help = (string?)null } } }, statusCode: status);
    }

    private static void Check(JsonObject body, List<string> problems)
    {
        if (body["personalizations"] is not JsonArray { Count: > 0 } personalizations
            || personalizations[0]?["to"] is not JsonArray { Count: > 0 } to
            || to[0]?["email"] is not JsonValue)
        {
            problems.Add("personalizations[0].to[0].email is required");
        }

        if (body["from"]?["email"] is not JsonValue)
        {
            problems.Add("from.email is required");
        }

        if (body["template_id"] is JsonValue)
        {
            if (body["personalizations"]?[0]?["dynamic_template_data"] is not JsonObject)
            {
                problems.Add("a dynamic template needs personalizations[0].dynamic_template_data");
            }
        }
        else
        {
            if (body["subject"] is not JsonValue && body["personalizations"]?[0]?["subject"] is not JsonValue)
            {
                problems.Add("subject (global or in every personalization) is required without a template");
            }

            if (body["content"] is not JsonArray { Count: > 0 } content || content[0]?["type"]?.GetValue<string>() is not ("text/html" or "text/plain") || content[0]?["value"] is not JsonValue)
            {
                problems.Add("content[0] with type and value is required without a template");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
