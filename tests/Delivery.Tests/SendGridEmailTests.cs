using System.Text.Json.Nodes;
using JourneyOrchestrator.Delivery.Tests.Support;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Delivery.Tests;

/// <summary>The send-e-mail activity through the real SendGrid library against a local SendGrid-compatible fake.</summary>
public sealed class SendGridEmailTests : IAsyncLifetime
{
    private FakeSendGridServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeSendGridServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task MarketingEmail_IsSentAsSendGridDocumentsIt()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();

        var result = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());

        Assert.Equal(new SendEmailResult(EmailStatuses.Sent), result);
        var mail = Assert.Single(_server.Received);
        Assert.Empty(mail.Problems);
        Assert.Equal("Bearer " + FakeSendGridServer.ApiKey, mail.Authorization);
        var body = mail.Body;
        Assert.Equal("anna@example.com", body["personalizations"]![0]!["to"]![0]!["email"]!.GetValue<string>());
        Assert.Equal("sales@autohaus.example", body["from"]!["email"]!.GetValue<string>());
        Assert.Equal("Autohaus Berg", body["from"]!["name"]!.GetValue<string>());
        Assert.Equal("Ready for the summer holidays, Anna?", (body["subject"] ?? body["personalizations"]![0]!["subject"])!.GetValue<string>());
        Assert.Equal("text/html", body["content"]![0]!["type"]!.GetValue<string>());
        var args = CustomArgs(body);
        Assert.Equal("journey-1", args["journey_id"]!.GetValue<string>());
        Assert.Equal("first-seasonal-check", args["step_id"]!.GetValue<string>());
        Assert.Equal(EmailRig.Key(), args["idempotency_key"]!.GetValue<string>());
        var headers = (body["headers"] ?? body["personalizations"]![0]!["headers"])!;
        var unsubscribe = headers["List-Unsubscribe"]!.GetValue<string>();
        Assert.StartsWith("<https://journeys.example.com/u/", unsubscribe, StringComparison.Ordinal);
        Assert.Equal("List-Unsubscribe=One-Click", headers["List-Unsubscribe-Post"]!.GetValue<string>());
        Assert.NotNull(rig.Links.Verify(unsubscribe[("<https://journeys.example.com/u/".Length)..^1], out _));
        Assert.Equal(EmailStatuses.Sent, Assert.Single(rig.Data.Touchpoints).Status);
    }

    [Fact]
    public async Task TransactionalEmail_HasNoUnsubscribeHeaders()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync(consent: false);

        var result = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request(category: "transactional"));

        Assert.Equal(EmailStatuses.Sent, result.Status);
        var mail = Assert.Single(_server.Received);
        Assert.Empty(mail.Problems);
        Assert.Null(mail.Body["headers"]);
        Assert.Null(mail.Body["personalizations"]![0]!["headers"]);
    }

    [Fact]
    public async Task DynamicTemplate_IsSentWithTemplateIdAndTheModelAsData()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();
        const string templateId = "d-0123456789abcdef0123456789abcdef";

        await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request(templateId: templateId));

        var mail = Assert.Single(_server.Received);
        Assert.Empty(mail.Problems);
        Assert.Equal(templateId, mail.Body["template_id"]!.GetValue<string>());
        var data = mail.Body["personalizations"]![0]!["dynamic_template_data"]!;
        Assert.Equal("Anna", data["customer"]!["firstName"]!.GetValue<string>());
        Assert.Equal("Hybrid X", data["data"]!["model"]!.GetValue<string>());
        Assert.StartsWith("https://journeys.example.com/u/", data["unsubscribe"]!["url"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Null(mail.Body["content"]);
    }

    [Fact]
    public async Task TooManyRequests_ReturnsRetryAtTheRetryAfter_AndTheSameKeyLaterSendsOnce()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();
        _server.Answer(429, retryAfter: "120");
        var request = EmailRig.Request(deliveryKey: "journey-1:exec-1:step:0");

        var first = await rig.Activity().RunAsync(EmailRig.Context, request);
        rig.Time.Advance(TimeSpan.FromMinutes(2));
        var second = await rig.Activity().RunAsync(EmailRig.Context, request with { DeliveryAttempt = 2 });

        Assert.Equal(EmailStatuses.Retry, first.Status);
        Assert.Equal(rig.Time.GetUtcNow(), first.RetryAt);
        Assert.Equal(EmailStatuses.Sent, second.Status);
        Assert.Equal(2, _server.Received.Count);
        var send = (await rig.Delivery.GetSendAsync("journey-1:exec-1:step:0"))!;
        Assert.Equal((SendStates.Sent, 2), (send.State, send.Attempts));
        Assert.Equal(EmailStatuses.Sent, Assert.Single(rig.Data.Touchpoints).Status);
    }

    [Fact]
    public async Task ServerError_WithoutRetryAfter_BacksOff()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();
        _server.Answer(500);

        var result = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());

        Assert.Equal(EmailStatuses.Retry, result.Status);
        Assert.Equal(rig.Time.GetUtcNow() + TimeSpan.FromSeconds(30), result.RetryAt);
        Assert.Empty(rig.Data.Touchpoints);
    }

    [Fact]
    public async Task ServerError_OnTheLastAttempt_FailsTheTouchpoint()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();
        _server.Answer(503);

        var result = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request(attempt: 3, maxAttempts: 3));

        Assert.Equal(EmailStatuses.Failed, result.Status);
        var touchpoint = Assert.Single(rig.Data.Touchpoints);
        Assert.Equal(EmailStatuses.Failed, touchpoint.Status);
        Assert.Contains("gave up after 3 attempt(s): SendGrid answered 503", touchpoint.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadRequest_FailsPermanently_WithTheProvidersDetail_AndIsNotResent()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();
        _server.Answer(400);

        var first = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());
        var again = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());

        Assert.Equal(EmailStatuses.Failed, first.Status);
        Assert.Contains("SendGrid answered 400", first.Detail, StringComparison.Ordinal);
        Assert.Equal(first, again);
        Assert.Single(_server.Received);
        Assert.Equal(EmailStatuses.Failed, Assert.Single(rig.Data.Touchpoints).Status);
    }

    [Fact]
    public async Task Unreachable_IsDeferred_NotSent()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();
        await _server.DisposeAsync(); // nothing listens on the port any more
        _server = await FakeSendGridServer.StartAsync();

        var result = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());

        Assert.Equal(EmailStatuses.Retry, result.Status);
        Assert.Equal(SendStates.Retry, (await rig.Delivery.GetSendAsync(EmailRig.Key()))!.State);
    }

    /// <summary>
    /// Never twice: SendGrid accepted the e-mail, then the process died before it recorded that. The activity runs again
    /// with the same key in a new process (a new store on the same SQLite file): the fake must receive exactly one request.
    /// </summary>
    [Fact]
    public async Task CrashAfterSendGridAccepted_RerunWithTheSameKey_DoesNotSendAgain()
    {
        var folder = Directory.CreateTempSubdirectory("delivery-crash-");
        try
        {
            var path = Path.Combine(folder.FullName, SqliteDeliveryStore.DefaultFileName);
            using var rig = new EmailRig(_server);
            await rig.SeedCustomerAsync();
            await using (var before = new SqliteDeliveryStore(path))
            {
                rig.Delivery = new CrashAfterAcceptStore(before);
                await Assert.ThrowsAsync<IOException>(() => rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request()));
            }

            await using var after = new SqliteDeliveryStore(path);
            rig.Delivery = after;
            var rerun = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());
            var third = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());

            Assert.Single(_server.Received);
            Assert.Equal(EmailStatuses.Unknown, rerun.Status);
            Assert.Equal(rerun, third);
            Assert.Equal(SendStates.Unknown, (await after.GetSendAsync(EmailRig.Key()))!.State);
            var touchpoint = Assert.Single(rig.Data.Touchpoints);
            Assert.Equal(EmailStatuses.Unknown, touchpoint.Status);
            Assert.Contains("not sent again", touchpoint.Detail, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RerunAfterARecordedSend_DoesNotSendAgain()
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();

        var first = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());
        var second = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request());

        Assert.Equal(first, second);
        Assert.Single(_server.Received);
    }

    private static JsonObject CustomArgs(JsonObject body) =>
        (body["custom_args"] as JsonObject) ?? body["personalizations"]![0]!["custom_args"]!.AsObject();
}
