using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Host.Tests.EndToEnd;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Identity;

/// <summary>
/// Issue 16, finding 2, against the real host process with two dealers' keys: dealer B tries to capture dealer A's customer
/// by pre-creating the journey id A's entry event would get, and to learn which journeys A has from the answers.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed partial class JourneyCaptureTests
{
    private const string DealerA = "dealer-a";
    private const string DealerB = "dealer-b";
    private const string KeyA = "dealer-a-key-0123456789abcdef";
    private const string KeyB = "dealer-b-key-0123456789abcdef";
    private const string AdminKey = "dev-admin-key";
    private static readonly byte[] Secret = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    private static Task<HostProcess> StartAsync() => HostProcess.StartAsync(new Dictionary<string, string>
    {
        ["Journeys__ApiKeys__0__Key"] = KeyA,
        ["Journeys__ApiKeys__0__Role"] = "dealer",
        ["Journeys__ApiKeys__0__DealerId"] = DealerA,
        ["Journeys__ApiKeys__1__Key"] = KeyB,
        ["Journeys__ApiKeys__1__Role"] = "dealer",
        ["Journeys__ApiKeys__1__DealerId"] = DealerB,
        ["Journeys__Erasure__HashKey"] = Convert.ToBase64String(Secret),
    });

    private static object Profile(string email, string firstName, string lastName) =>
        new { email, firstName, lastName, locale = "nl-NL", timeZone = "Europe/Amsterdam", consent = new { email = true } };

    [Fact]
    public async Task CaptureAttack_BPreCreatesTheIdOfAsCustomer_Refused_AsEventStartsAsOwnJourney_BSeesNothing()
    {
        await using var host = await StartAsync();
        var a = host.Client(KeyA);
        var b = host.Client(KeyB);
        var admin = host.Client(AdminKey);

        // B computes the id A's brochure.downloaded for customer 'anna' (key deal-1) would get: with the old plain SHA-256,
        // and, as if the secret had leaked, with the real one. B may choose no journey id at all; the admin not these.
        var oldScheme = "j-new-car-purchase-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{DealerA}\nanna\nnew-car-purchase\ndeal-1")))[..20];
        var expected = new JourneyIds(Secret).ForEntry(DealerA, "anna", "new-car-purchase", "deal-1");
        foreach (var id in new[] { oldScheme, expected })
        {
            var squat = new { template = "new-car-purchase", instanceId = id, dealerId = DealerB, customer = new { id = "anna", email = "mallory@example.com", firstName = "M", lastName = "B", locale = "en-GB", consent = new { email = true } } };
            await (await b.PostJsonAsync("/api/journeys", squat)).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.instanceId");
            await (await admin.PostJsonAsync("/api/journeys", squat)).ProblemAsync(HttpStatusCode.UnprocessableEntity, "$.instanceId");
        }

        // B's best: its own journey for its own customer 'anna' with the same key; it gets an id of its own.
        var bJourney = (await (await b.PostJsonAsync("/api/journeys", new
        {
            template = "new-car-purchase",
            journeyKey = "deal-1",
            dealerId = DealerB,
            customer = new { id = "anna", email = "mallory@example.com", firstName = "M", lastName = "B", locale = "en-GB", consent = new { email = true } },
        })).ReadJsonAsync(HttpStatusCode.Accepted))["id"]!.GetValue<string>();
        Assert.NotEqual(expected, bJourney);

        // A's customer downloads a brochure: it starts A's own journey, at the id only the server can derive.
        var started = await (await a.PostJsonAsync("/api/customers/anna/events", new
        {
            name = "brochure.downloaded",
            eventId = "crm-4711",
            dealerId = DealerA,
            journeyKey = "deal-1",
            customer = Profile("anna.devries@example.com", "Anna", "de Vries"),
            data = new { model = "Hybrid X", note = "secret-note-of-a" },
        })).ReadJsonAsync(HttpStatusCode.Accepted);
        await admin.AdvanceAsync("PT0S");

        Assert.Equal([expected], started["journeyIds"]!.AsArray().Select(j => j!.GetValue<string>()));
        Assert.Equal("started", started["journeys"]![0]!["outcome"]!.GetValue<string>());
        var aJourney = await a.OkJsonAsync($"/api/journeys/{expected}?history=true");
        Assert.Equal((DealerA, "anna"), (aJourney["dealerId"]!.GetValue<string>(), aJourney["customerId"]!.GetValue<string>()));
        Assert.Equal("brochure-follow-up", aJourney["touchpoints"]!.AsArray().Single()!["name"]!.GetValue<string>());

        // B sees nothing of it: 404 on A's id, nothing of A's customer or event in anything B can read.
        await (await b.GetAsync(U($"/api/journeys/{expected}"))).ProblemAsync(HttpStatusCode.NotFound);
        await (await b.GetAsync(U($"/api/journeys/{expected}/touchpoints"))).ProblemAsync(HttpStatusCode.NotFound);
        var seenByB = string.Join('\n',
            (await b.OkJsonAsync("/api/journeys")).ToJsonString(),
            (await b.OkJsonAsync($"/api/journeys/{bJourney}?history=true")).ToJsonString(),
            (await b.OkJsonAsync($"/api/journeys/{bJourney}/touchpoints")).ToJsonString(),
            (await b.OkJsonAsync("/api/customers/anna")).ToJsonString(),
            (await b.OkJsonAsync("/api/tasks")).ToJsonString(),
            (await b.OkJsonAsync("/api/dev/mailbox")).ToJsonString());
        foreach (var secret in new[] { "anna.devries@example.com", "de Vries", "Hybrid X", "secret-note-of-a", "crm-4711", expected })
        {
            Assert.DoesNotContain(secret, seenByB, StringComparison.Ordinal);
        }

        Assert.Single((await b.OkJsonAsync("/api/journeys"))["items"]!.AsArray());
        Assert.Equal("mallory@example.com", (await b.OkJsonAsync("/api/customers/anna"))["profile"]!["email"]!.GetValue<string>());
        Assert.Equal("Running", (await a.OkJsonAsync($"/api/journeys/{expected}"))["status"]!.GetValue<string>());
        Assert.Single((await a.OkJsonAsync("/api/journeys"))["items"]!.AsArray());
    }

    [Fact]
    public async Task ForeignAndUnknownJourneyIds_EveryJourneyRoute_ByteIdenticalProblems_AndNoEffect()
    {
        await using var host = await StartAsync();
        var a = host.Client(KeyA);
        var b = host.Client(KeyB);
        var admin = host.Client(AdminKey);
        var started = await (await a.PostJsonAsync("/api/customers/anna/events", new
        {
            name = "brochure.downloaded",
            eventId = "crm-1",
            dealerId = DealerA,
            journeyKey = "deal-1",
            customer = Profile("anna@example.com", "Anna", "de Vries"),
        })).ReadJsonAsync(HttpStatusCode.Accepted);
        await admin.AdvanceAsync("PT0S");
        var foreign = started["journeyIds"]![0]!.GetValue<string>();
        var unknown = new JourneyIds(Secret).ForEntry(DealerA, "nobody", "new-car-purchase", "deal-1"); // same shape, no journey
        Assert.Equal(foreign.Length, unknown.Length);

        var routes = new (string Method, string Path, HttpContent? Body)[]
        {
            ("GET", "/api/journeys/{id}", null),
            ("GET", "/api/journeys/{id}?history=true", null),
            ("GET", "/api/journeys/{id}/touchpoints", null),
            ("POST", "/api/journeys/{id}/events/testdrive.booked?eventId=e-1", Json("""{"testDriveAt": "2026-01-09T14:00:00Z"}""")),
            ("POST", "/api/journeys/{id}/terminate?reason=mine", null),
            ("POST", "/api/journeys/{id}/suspend", null),
            ("POST", "/api/journeys/{id}/resume", null),
            ("DELETE", "/api/journeys/{id}", null),
        };
        foreach (var (method, path, body) in routes)
        {
            var answers = new List<string>();
            foreach (var id in new[] { foreign, unknown })
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), U(path.Replace("{id}", id, StringComparison.Ordinal)));
                if (body is not null)
                {
                    request.Content = Json(await body.ReadAsStringAsync());
                }

                using var response = await b.SendAsync(request);
                await response.ProblemAsync(HttpStatusCode.NotFound);
                var text = await response.Content.ReadAsStringAsync();
                answers.Add($"{(int)response.StatusCode} {response.Content.Headers.ContentType} {CorrelationId().Replace(TraceId().Replace(text, "\"traceId\":\"*\""), "\"correlationId\":\"*\"").Replace(id, "{id}", StringComparison.Ordinal)}");
            }

            Assert.True(answers[0] == answers[1], $"{method} {path}:\nforeign: {answers[0]}\nunknown: {answers[1]}");
        }

        // Nothing B sent had an effect on A's journey.
        var journey = await a.OkJsonAsync($"/api/journeys/{foreign}?history=true");
        Assert.Equal(("Running", "communication"), (journey["status"]!.GetValue<string>(), journey["phase"]!.GetValue<string>()));
        Assert.DoesNotContain(journey["history"]!.AsArray(), e => e!["type"]!.GetValue<string>() is "ExternalEventReceived" or "JourneySuspended" or "JourneyResumed" or "JourneyTerminated");
    }

    [GeneratedRegex("\"correlationId\":\"[^\"]*\"")]
    private static partial Regex CorrelationId();

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();
}
