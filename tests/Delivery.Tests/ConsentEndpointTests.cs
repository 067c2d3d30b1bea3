using System.Net;
using JourneyOrchestrator.Delivery.Consent;
using JourneyOrchestrator.Delivery.Tests.Support;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Delivery.Tests;

public sealed class UnsubscribeTokenTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    private UnsubscribeTokens Tokens(byte key = 0) => new(Enumerable.Repeat(key, 32).ToArray(), new Uri("https://j.example.com/"), TimeSpan.FromDays(60), _time);

    [Fact]
    public void Verify_AFreshToken_GivesDealerCustomerAndExpiry()
    {
        var token = Tokens().CreateToken("dealer.1", "cust|ä");

        var claim = Tokens().Verify(token, out var error);

        Assert.Null(error);
        Assert.Equal(new UnsubscribeClaim("dealer.1", "cust|ä", _time.GetUtcNow().AddDays(60)), claim);
    }

    [Fact]
    public void Verify_AfterItsExpiry_IsRefused()
    {
        var token = Tokens().CreateToken("d1", "c1");
        _time.Advance(TimeSpan.FromDays(60));

        Assert.Null(Tokens().Verify(token, out var error));
        Assert.Equal("The unsubscribe link has expired.", error);
    }

    [Theory]
    [InlineData("another key")]
    [InlineData("another customer")]
    [InlineData("later expiry")]
    [InlineData("garbage")]
    public void Verify_ForgedOrMalformed_IsRefused(string forgery)
    {
        var token = Tokens().CreateToken("d1", "c1");
        var parts = token.Split('.');
        var forged = forgery switch
        {
            "another key" => Tokens(7).CreateToken("d1", "c1"),
            "another customer" => string.Join('.', parts[0], Tokens().CreateToken("d1", "c2").Split('.')[1], parts[2], parts[3]),
            "later expiry" => string.Join('.', parts[0], parts[1], (long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture) + 86400).ToString(System.Globalization.CultureInfo.InvariantCulture), parts[3]),
            _ => "not-a-token",
        };

        Assert.Null(Tokens().Verify(forged, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void Create_IsAnAbsoluteLinkUnderTheBaseUrl() =>
        Assert.StartsWith("https://j.example.com/u/", Tokens().Create("d1", "c1")!.AbsoluteUri, StringComparison.Ordinal);
}

public sealed class UnsubscribeEndpointTests : IAsyncLifetime
{
    private DeliveryHost _host = null!;

    public async Task InitializeAsync() => _host = await DeliveryHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Get_ShowsAConfirmationPageWithAPostForm_AndChangesNothing()
    {
        var token = _host.Tokens.CreateToken(DeliveryHost.Dealer, "c1");

        using var response = await _host.Http.GetAsync(new Uri("/u/" + token, UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains($"<form method=\"post\" action=\"/u/{token}\">", html, StringComparison.Ordinal);
        Assert.Empty(_host.Delivery.Suppressions);
    }

    [Fact]
    public async Task OneClickPost_SuppressesAndTellsTheCustomersRunningJourneys_Once()
    {
        await _host.StartJourneyAsync("j-1", "c1");
        await _host.StartJourneyAsync("j-2", "c1");
        await _host.StartJourneyAsync("j-other", "c2");
        var token = _host.Tokens.CreateToken(DeliveryHost.Dealer, "c1");
        using var form = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);

        using var first = await _host.Http.PostAsync(new Uri("/u/" + token, UriKind.Relative), form);
        using var again = await _host.Http.PostAsync(new Uri("/u/" + token, UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var suppression = Assert.Single(_host.Delivery.Suppressions);
        Assert.Equal((DeliveryHost.Dealer, "c1", SuppressionScopes.Marketing, "unsubscribe"), (suppression.DealerId, suppression.CustomerId, suppression.Scope, suppression.Reason));
        Assert.StartsWith("customer.unsubscribed", await _host.OutputAsync("j-1"), StringComparison.Ordinal);
        Assert.StartsWith("customer.unsubscribed", await _host.OutputAsync("j-2"), StringComparison.Ordinal);
        Assert.Null(await _host.OutputAsync("j-other"));
        var history = (await _host.Runtime.Client.GetStatusAsync("j-1", includeHistory: true))!.History!;
        Assert.Single(history, e => e is Core.History.ExternalEventReceived);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("POST")]
    public async Task BadToken_Is400ProblemDetails(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri("/u/forged.token.123.abc", UriKind.Relative));

        using var response = await _host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Empty(_host.Delivery.Suppressions);
    }
}
