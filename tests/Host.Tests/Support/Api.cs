using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Host.Tests.Support;

/// <summary>Small helpers to call the API and check its answers.</summary>
public static class Api
{
    public static Uri U(string path) => new(path, UriKind.Relative);

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static StringContent Json(object body) => Json(JsonSerializer.Serialize(body, JsonSerializerOptions.Web));

    public static StringContent Text(string text, string mediaType) => new(text, Encoding.UTF8, mediaType);

    public static async Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        await client.PostAsync(U(path), body as HttpContent ?? Json(body));

    public static async Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, object body) =>
        await client.PutAsync(U(path), body as HttpContent ?? Json(body));

    public static async Task<JsonNode> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected} but got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    public static async Task<JsonNode> OkJsonAsync(this HttpClient client, string path) => await (await client.GetAsync(U(path))).ReadJsonAsync(HttpStatusCode.OK);

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/>, and when given, an error at <paramref name="errorPath"/>.</summary>
    public static async Task<JsonNode> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? errorPath = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"Expected {(int)status} but got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(text)!;
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()), text);
        Assert.False(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), "problem without detail: " + text);
        if (errorPath is not null)
        {
            var paths = problem["errors"]?.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList() ?? [];
            Assert.True(paths.Contains(errorPath), $"No error at '{errorPath}' in: {text}");
            Assert.All(problem["errors"]!.AsArray(), e => Assert.False(string.IsNullOrWhiteSpace(e!["message"]?.GetValue<string>())));
        }

        return problem;
    }

    public static object Customer(string id = "cust-1", string email = "anna@example.com", bool consent = true) => new
    {
        id,
        email,
        firstName = "Anna",
        lastName = "de Vries",
        locale = "nl-NL",
        timeZone = "Europe/Amsterdam",
        consent = new { email = consent },
    };

    public static object CustomerEvent(string name, string? eventId = null, string dealerId = HostFactory.Dealer, string? journeyKey = "deal-1", object? customer = null, object? data = null) => new
    {
        name,
        eventId,
        dealerId,
        journeyKey,
        customer,
        data,
    };

    /// <summary>Raises brochure.downloaded for cust-1 (creating the profile) and returns the journey it started.</summary>
    public static async Task<string> StartByBrochureAsync(this HttpClient dealer, string customerId = "cust-1", string eventId = "evt-brochure", string journeyKey = "deal-1")
    {
        var response = await dealer.PostJsonAsync($"/api/customers/{customerId}/events",
            CustomerEvent("brochure.downloaded", eventId, journeyKey: journeyKey, customer: Customer(customerId), data: new { model = "Hybrid X" }));
        var body = await response.ReadJsonAsync(HttpStatusCode.Accepted);
        return body["journeyIds"]!.AsArray().Single()!.GetValue<string>();
    }

    public static async Task<JsonNode> AdvanceAsync(this HttpClient admin, string by) =>
        await (await admin.PostJsonAsync("/api/dev/clock/advance", new { by })).ReadJsonAsync(HttpStatusCode.OK);

    /// <summary>Lets the host finish everything due now (an advance by zero: the manual clock's driver runs until idle).</summary>
    public static async Task SettleAsync(this HostFactory host) =>
        await host.Client(HostFactory.AdminKey).AdvanceAsync("PT0S");

    public static MediaTypeHeaderValue MediaType(string type) => new(type);
}
