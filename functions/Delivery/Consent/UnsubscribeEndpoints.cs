using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace JourneyOrchestrator.Delivery.Consent;

/// <summary>
/// The one-click unsubscribe routes (RFC 8058): <c>GET /u/{token}</c> shows a confirmation page with a form,
/// <c>POST /u/{token}</c> unsubscribes (mail clients post <c>List-Unsubscribe=One-Click</c> there). Anonymous by design: the
/// signed token is the authorisation. A malformed, forged or expired token answers 400 problem details.
/// </summary>
public static class UnsubscribeEndpoints
{
    public static IEndpointRouteBuilder MapUnsubscribeEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/u").WithTags("Consent").AllowAnonymous();
        group.MapGet("/{token}", Confirm).WithName("UnsubscribeConfirm").WithSummary("Confirmation page of a one-click unsubscribe link");
        group.MapPost("/{token}", Unsubscribe).WithName("Unsubscribe").WithSummary("Unsubscribes from the dealer's marketing e-mail (RFC 8058 one-click)").DisableAntiforgery();
        return endpoints;
    }

    internal static Results<ContentHttpResult, ProblemHttpResult> Confirm(string token, UnsubscribeTokens tokens)
    {
        if (tokens.Verify(token, out var error) is null)
        {
            return BadToken(error!);
        }

        var action = WebUtility.HtmlEncode("/u/" + token);
        return TypedResults.Content(Page("Unsubscribe", $"""
            <p>Do you no longer want to receive marketing e-mail from this dealer? Service and delivery messages about your car will still reach you.</p>
            <form method="post" action="{action}">
              <input type="hidden" name="List-Unsubscribe" value="One-Click">
              <button type="submit">Unsubscribe</button>
            </form>
            """), "text/html; charset=utf-8");
    }

    internal static async Task<Results<ContentHttpResult, ProblemHttpResult>> Unsubscribe(
        string token, UnsubscribeTokens tokens, ConsentService consent, CancellationToken cancellationToken)
    {
        if (tokens.Verify(token, out var error) is not { } claim)
        {
            return BadToken(error!);
        }

        await consent.UnsubscribeAsync(claim.DealerId, claim.CustomerId, "unsubscribe", "link:" + token, null, cancellationToken);
        return TypedResults.Content(Page("Unsubscribed", "<p>You are unsubscribed. You will receive no more marketing e-mail from this dealer.</p>"), "text/html; charset=utf-8");
    }

    private static ProblemHttpResult BadToken(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid unsubscribe link");

    private static string Page(string title, string body) => $"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
        <body><h1>{title}</h1>
        {body}
        </body></html>
        """;
}
