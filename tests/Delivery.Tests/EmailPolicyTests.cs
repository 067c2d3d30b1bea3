using JourneyOrchestrator.Delivery.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Delivery.Tests;

/// <summary>Suppressions and the marketing frequency cap, on the fake clock.</summary>
public sealed class EmailPolicyTests : IAsyncLifetime
{
    private FakeSendGridServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeSendGridServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(SuppressionScopes.Marketing, "marketing", EmailStatuses.Suppressed)]
    [InlineData(SuppressionScopes.Marketing, "transactional", EmailStatuses.Sent)]
    [InlineData(SuppressionScopes.All, "transactional", EmailStatuses.Suppressed)]
    public async Task Suppression_IsHonouredOnEverySend(string scope, string category, string expected)
    {
        using var rig = new EmailRig(_server);
        await rig.SeedCustomerAsync();
        await rig.Delivery.AddSuppressionAsync(new Suppression { DealerId = EmailRig.Dealer, Email = "ANNA@example.com", Scope = scope, Reason = "bounce", CreatedAt = rig.Time.GetUtcNow() });

        var result = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request(category: category));

        Assert.Equal(expected, result.Status);
        Assert.Equal(expected == EmailStatuses.Sent ? 1 : 0, _server.Received.Count);
    }

    [Fact]
    public async Task FrequencyCap_Defer_ReturnsWhenTheOldestSendLeavesTheWindow()
    {
        using var rig = new EmailRig(_server, policy: new EmailDeliveryOptions { MaxMarketingEmailsPerWindow = 2 });
        await rig.SeedCustomerAsync();
        var start = rig.Time.GetUtcNow();
        await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request() with { DeliveryKey = EmailRig.Key(1) });
        rig.Time.Advance(TimeSpan.FromDays(1));
        await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request() with { DeliveryKey = EmailRig.Key(2) });
        rig.Time.Advance(TimeSpan.FromDays(1));

        var third = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request() with { DeliveryKey = EmailRig.Key(3) });
        rig.Time.SetUtcNow(third.RetryAt!.Value);
        var later = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request() with { DeliveryKey = EmailRig.Key(3) });

        Assert.Equal(EmailStatuses.Deferred, third.Status);
        Assert.Equal(start.AddDays(7), third.RetryAt);
        Assert.Equal(EmailStatuses.Sent, later.Status);
        Assert.Equal(3, _server.Received.Count);
    }

    [Fact]
    public async Task FrequencyCap_Skip_RecordsACappedTouchpoint_TransactionalIsNeverCapped()
    {
        using var rig = new EmailRig(_server, policy: new EmailDeliveryOptions { MaxMarketingEmailsPerWindow = 1 });
        await rig.SeedCustomerAsync();
        await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request() with { DeliveryKey = EmailRig.Key(1) });

        var capped = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request(capped: "skip") with { DeliveryKey = EmailRig.Key(2) });
        var transactional = await rig.Activity().RunAsync(EmailRig.Context, EmailRig.Request(category: "transactional") with { DeliveryKey = EmailRig.Key(3) });

        Assert.Equal(EmailStatuses.Capped, capped.Status);
        Assert.Equal(EmailStatuses.Sent, transactional.Status);
        Assert.Contains(rig.Data.Touchpoints, t => t.Status == EmailStatuses.Capped);
        Assert.Equal(2, _server.Received.Count);
    }
}
