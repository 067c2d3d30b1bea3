using System.Net;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>Drives one customer's journeys over HTTP, as a dealer system and an operator would.</summary>
public sealed class JourneyDriver(HostProcess host, string customerId = "anna", string journeyKey = "deal-1")
{
    private readonly HttpClient _dealer = host.Client("dev-dealer-key");
    private readonly HttpClient _admin = host.Client("dev-admin-key");
    private int _events;

    public string? JourneyId { get; private set; }

    /// <summary>Raises a customer event (with an event id) and returns the ids of the journeys it reached.</summary>
    public async Task<IReadOnlyList<string>> RaiseAsync(string name, object? data = null, bool withProfile = false, string? eventId = null)
    {
        eventId ??= $"{customerId}-evt-{++_events}";
        var profile = withProfile
            ? new { email = "anna@example.com", firstName = "Anna", lastName = "de Vries", locale = "nl-NL", timeZone = "Europe/Amsterdam", consent = new { email = true } }
            : null;
        var response = await _dealer.PostJsonAsync($"/api/customers/{customerId}/events",
            new { name, eventId, dealerId = "demo-dealer", journeyKey, customer = profile, data });
        var body = await response.ReadJsonAsync(HttpStatusCode.Accepted);
        var ids = body["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()).ToList();
        JourneyId ??= ids.FirstOrDefault();
        return ids;
    }

    /// <summary>Moves the manual clock; answers once every timer due on the way has fired and its work is done.</summary>
    public async Task<DateTimeOffset> AdvanceAsync(string by) =>
        (await (await _admin.PostJsonAsync("/api/dev/clock/advance", new { by })).ReadJsonAsync(HttpStatusCode.OK))["now"]!.GetValue<DateTimeOffset>();

    public async Task<DateTimeOffset> AdvanceToAsync(DateTimeOffset to) =>
        (await (await _admin.PostJsonAsync("/api/dev/clock/advance", new { to })).ReadJsonAsync(HttpStatusCode.OK))["now"]!.GetValue<DateTimeOffset>();

    public async Task<JsonNode> JourneyAsync() => await _dealer.OkJsonAsync($"/api/journeys/{JourneyId}");

    public async Task<IReadOnlyList<Touch>> TouchpointsAsync() =>
        [.. (await _dealer.OkJsonAsync($"/api/journeys/{JourneyId}/touchpoints")).AsArray().Select(t => new Touch(
            t!["channel"]!.GetValue<string>(), t["name"]!.GetValue<string>(), t["status"]!.GetValue<string>(),
            t["occurredAt"]!.GetValue<DateTimeOffset>(), t["cause"]!["kind"]!.GetValue<string>(), t["cause"]!["name"]?.GetValue<string>()))];

    /// <summary>Rendered e-mails to the customer, oldest first.</summary>
    public async Task<IReadOnlyList<JsonNode>> MailAsync() =>
        [.. (await _dealer.OkJsonAsync($"/api/dev/mailbox?journeyId={JourneyId}&limit=500"))["items"]!.AsArray().Select(m => m!).Reverse()];

    public async Task<IReadOnlyList<JsonNode>> TasksAsync() =>
        [.. (await _dealer.OkJsonAsync("/api/tasks"))["items"]!.AsArray().Select(t => t!).Where(t => t["journeyId"]!.GetValue<string>() == JourneyId)];

    public async Task<JsonNode> CompleteTaskAsync(string taskId, string outcome) =>
        await (await _dealer.PostJsonAsync($"/api/tasks/{Uri.EscapeDataString(taskId)}/complete", new { outcome })).ReadJsonAsync(HttpStatusCode.OK);

    /// <summary>Polls the API (at most 30 s) until <paramref name="condition"/> holds; events are processed in the background.</summary>
    public async Task<JsonNode> UntilJourneyAsync(Func<JsonNode, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var journey = await JourneyAsync();
            if (condition(journey))
            {
                return journey;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The journey did not reach '{what}' within 30 s: {journey.ToJsonString()}\n{host.Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Polls until the journey has <paramref name="count"/> touchpoints (at most 30 s), and returns them.</summary>
    public async Task<IReadOnlyList<Touch>> UntilTouchpointsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var touchpoints = await TouchpointsAsync();
            if (touchpoints.Count >= count)
            {
                return touchpoints;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Expected {count} touchpoints within 30 s, got: {string.Join(", ", touchpoints)}\n{host.Output}");
            }

            await Task.Delay(50);
        }
    }
}

/// <summary>A touchpoint as the API lists it.</summary>
public sealed record Touch(string Channel, string Name, string Status, DateTimeOffset At, string CauseKind, string? CauseName);
