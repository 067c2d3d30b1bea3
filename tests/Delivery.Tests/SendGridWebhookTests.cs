using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Delivery.Tests.Support;
using JourneyOrchestrator.Delivery.Webhooks;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Delivery.Tests;

/// <summary>The signed SendGrid Event Webhook, with a P-256 key pair generated here.</summary>
public sealed class SendGridWebhookTests : IAsyncLifetime
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private DeliveryHost _host = null!;

    public async Task InitializeAsync() => _host = await DeliveryHost.StartAsync(Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo()));

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _key.Dispose();
    }

    private static JsonObject Event(string type, string id, string journey = "j-1", string customer = "c1") => new()
    {
        ["email"] = "Anna@Example.com",
        ["timestamp"] = 1_767_600_000,
        ["event"] = type,
        ["sg_event_id"] = id,
        ["sg_message_id"] = "msg-1",
        ["journey_id"] = journey,
        ["dealer_id"] = DeliveryHost.Dealer,
        ["customer_id"] = customer,
        ["step_id"] = "brochure-follow-up",
        ["idempotency_key"] = "j-1:exec:brochure-follow-up:0",
    };

    private async Task<HttpResponseMessage> PostAsync(string body, ECDsa? signer = null, DateTimeOffset? at = null, bool sign = true, string? tamperedBody = null)
    {
        var timestamp = (at ?? _host.Runtime.Time.GetUtcNow()).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/webhooks/sendgrid", UriKind.Relative))
        {
            Content = new StringContent(tamperedBody ?? body, Encoding.UTF8, "application/json"),
        };
        if (sign)
        {
            var signature = (signer ?? _key).SignData(Encoding.UTF8.GetBytes(timestamp + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            request.Headers.Add(SendGridSignature.SignatureHeader, Convert.ToBase64String(signature));
            request.Headers.Add(SendGridSignature.TimestampHeader, timestamp);
        }

        return await _host.Http.SendAsync(request);
    }

    [Fact]
    public async Task SignedOpen_IsRaisedIntoTheJourneyNamedInCustomArgs()
    {
        await _host.StartJourneyAsync("j-1", "c1");

        using var response = await PostAsync(new JsonArray(Event("open", "ev-1")).ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var output = await _host.OutputAsync("j-1");
        Assert.StartsWith("email.opened ", output, StringComparison.Ordinal);
        Assert.Contains("\"stepId\":\"brochure-follow-up\"", output, StringComparison.Ordinal);
        Assert.DoesNotContain("anna@example.com", output!, StringComparison.OrdinalIgnoreCase); // no address in the journey's history
    }

    [Fact]
    public async Task RepeatedEventId_IsProcessedOnce()
    {
        await _host.StartJourneyAsync("j-1", "c1");
        var body = new JsonArray(Event("click", "ev-2")).ToJsonString();

        using var first = await PostAsync(body);
        using var second = await PostAsync(body);

        var outcome = JsonNode.Parse(await second.Content.ReadAsStringAsync())!;
        Assert.Equal(1, outcome["duplicates"]!.GetValue<int>());
        Assert.StartsWith("email.clicked ", await _host.OutputAsync("j-1"), StringComparison.Ordinal);
        var history = (await _host.Runtime.Client.GetStatusAsync("j-1", includeHistory: true))!.History!;
        Assert.Single(history, e => e is Core.History.ExternalEventReceived);
    }

    [Theory]
    [InlineData("bounce")]
    [InlineData("spamreport")]
    [InlineData("unsubscribe")]
    public async Task NegativeEvents_ForAnErasedAddress_StoreNoSuppression(string type)
    {
        await _host.StartJourneyAsync("j-1", "c1");
        await _host.Delivery.EraseCustomerAsync(DeliveryHost.Dealer, "c1", "anna@example.com",
            new Templates.Data.ErasureHasher().AddressHash(DeliveryHost.Dealer, "anna@example.com"), _host.Runtime.Time.GetUtcNow());

        using var response = await PostAsync(new JsonArray(Event(type, "ev-erased-" + type)).ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_host.Delivery.Suppressions); // the marker blocks the address; nothing stores it (or the customer id) again
    }

    [Theory]
    [InlineData("bounce", SuppressionScopes.All)]
    [InlineData("dropped", SuppressionScopes.All)]
    [InlineData("spamreport", SuppressionScopes.Marketing)]
    [InlineData("unsubscribe", SuppressionScopes.Marketing)]
    [InlineData("group_unsubscribe", SuppressionScopes.Marketing)]
    public async Task NegativeEvents_AddASuppression(string type, string scope)
    {
        await _host.StartJourneyAsync("j-1", "c1");

        using var response = await PostAsync(new JsonArray(Event(type, "ev-" + type)).ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var suppression = Assert.Single(_host.Delivery.Suppressions);
        Assert.Equal((scope, type, "c1"), (suppression.Scope, suppression.Reason, suppression.CustomerId));
        Assert.StartsWith(SendGridEventProcessor.EventNames[type] + " ", await _host.OutputAsync("j-1"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unsigned_Is401()
    {
        using var response = await PostAsync(new JsonArray(Event("open", "ev-3")).ToJsonString(), sign: false);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task SignedWithAnotherKey_Is403()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        using var response = await PostAsync(new JsonArray(Event("open", "ev-4")).ToJsonString(), signer: other);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TamperedBody_Is403_AndNothingHappens()
    {
        await _host.StartJourneyAsync("j-1", "c1");
        var body = new JsonArray(Event("open", "ev-5")).ToJsonString();

        using var response = await PostAsync(body, tamperedBody: body.Replace("\"open\"", "\"bounce\"", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Empty(_host.Delivery.Suppressions);
        Assert.Null(await _host.OutputAsync("j-1"));
    }

    [Fact]
    public async Task TooOld_Is403()
    {
        using var response = await PostAsync(new JsonArray(Event("open", "ev-6")).ToJsonString(), at: _host.Runtime.Time.GetUtcNow().AddMinutes(-11));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task EventForAnUnknownJourney_IsAcceptedAndSkipped()
    {
        using var response = await PostAsync(new JsonArray(Event("delivered", "ev-7", journey: "nope")).ToJsonString());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, JsonNode.Parse(await response.Content.ReadAsStringAsync())!["ignored"]!.GetValue<int>());
    }
}
