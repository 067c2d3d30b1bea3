using System.Net;
using System.Text;
using CsCheck;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Limits;

/// <summary>
/// Property tests of every request body parser (CsCheck): whatever bytes a client sends as JSON, YAML or text to a route
/// that reads a body, the answer is never a 5xx, a refusal is problem details, and the host keeps answering.
/// </summary>
public sealed class RequestBodyPropertyTests : IAsyncLifetime
{
    private readonly HostFactory _host = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>JSON-ish text: valid fragments, field names the routes read, numbers at the edges, escapes, deep nesting.</summary>
    private static readonly Gen<string> JsonText =
        Gen.OneOf(
                "{", "}", "[", "]", ":", ",", "\"name\"", "\"eventId\"", "\"dealerId\"", "\"demo-dealer\"", "\"other-dealer\"",
                "\"customer\"", "\"data\"", "\"email\"", "\"consent\"", "\"template\"", "\"scenario\"", "\"templateId\"",
                "\"outcome\"", "\"by\"", "\"to\"", "\"journeyKey\"", "\"occurredAt\"", "\"brochure.downloaded\"", "\"x\"",
                "1e999", "-0", "1.5e-400", "9223372036854775808", "null", "true", "false", "\"\\u0000\"", "\"\\ud800\"",
                "\"" + new string('a', 300) + "\"", "\"2026-01-01T00:00:00Z\"", " ", "\n", "\"P1D\"", "{\"$ref\":1}")
            .Array[0, 60]
            .Select(parts => string.Concat(parts));

    private static readonly Gen<string> YamlText =
        Gen.OneOf("id: x\n", "version: 1\n", "steps:\n", "  - id: a\n", "    kind: email\n", "&a [*a]\n", "*a\n", "- ", ": ",
                "{", "}", "[", "]", "!!binary |\n", "  \t", "'", "\"", "# c\n", "start: a\n", "name: N\n", "---\n", "...\n", "? ")
            .Array[0, 40]
            .Select(parts => string.Concat(parts));

    private static readonly (string Method, string Path, string Key, string MediaType, bool Yaml)[] Routes =
    [
        ("POST", "/api/customers/cust-p/events", HostFactory.DealerKey, "application/json", false),
        ("PUT", "/api/customers/cust-p", HostFactory.DealerKey, "application/json", false),
        ("POST", "/api/journeys", HostFactory.DealerKey, "application/json", false),
        ("POST", "/api/journeys/j-none/events/quote.sent", HostFactory.DealerKey, "application/json", false),
        ("POST", "/api/tasks/t%3A1/complete", HostFactory.DealerKey, "application/json", false),
        ("POST", "/api/simulations", HostFactory.MarketingKey, "application/json", false),
        ("POST", "/api/dev/clock/advance", HostFactory.AdminKey, "application/json", false),
        ("POST", "/api/templates/validate", HostFactory.MarketingKey, "application/yaml", true),
        ("POST", "/api/templates/validate", HostFactory.MarketingKey, "application/json", false),
        ("PUT", "/api/templates/fuzz", HostFactory.MarketingKey, "application/yaml", true),
        ("PUT", "/api/emails/fuzz", HostFactory.MarketingKey, "text/plain", true),
    ];

    [Fact]
    public async Task AnyBody_OnAnyRoute_IsNever5xx_AndARefusalIsProblemDetails()
    {
        var clients = Routes.Select(r => r.Key).Distinct().ToDictionary(k => k, _host.Client);
        var statuses = new Dictionary<int, int>();
        foreach (var route in Routes)
        {
            var bodies = (route.Yaml ? YamlText : JsonText).Array[120, 120].Single();
            foreach (var body in bodies)
            {
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), U(route.Path))
                {
                    Content = new StringContent(body, Encoding.UTF8, route.MediaType),
                };
                using var response = await clients[route.Key].SendAsync(request);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                Assert.True(status < 500, $"{route.Method} {route.Path} answered {status} to {body}: {await response.Content.ReadAsStringAsync()}");
                if (status >= 400)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                }
            }
        }

        // Refusals of several kinds were produced (the generator reaches the parsers and the validation behind them).
        Assert.True(statuses.Keys.Count(s => s >= 400) >= 2, string.Join(", ", statuses.Select(s => $"{s.Key}: {s.Value}")));
        Assert.Equal(HttpStatusCode.OK, (await _host.Client(null).GetAsync(U("/health"))).StatusCode);
    }
}
