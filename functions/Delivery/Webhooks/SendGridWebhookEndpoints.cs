using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Delivery.Webhooks;

/// <summary>
/// <c>POST /api/webhooks/sendgrid</c>: SendGrid's signed Event Webhook. Anonymous by design; the ECDSA signature is the
/// authorisation. Missing signature headers or no configured key: 401. A wrong signature or a timestamp outside
/// <see cref="SendGridOptions.WebhookMaxAge"/>: 403. A body that is not a JSON array: 400. Otherwise 200 with counts.
/// </summary>
public static class SendGridWebhookEndpoints
{
    /// <summary>
    /// Largest accepted body: 1 MiB (SendGrid batches events; a batch stays well below this). The host's server-wide cap
    /// (Kestrel's <c>MaxRequestBodySize</c>) is 1 MiB + 1 KiB, so this route's own check is what answers.
    /// </summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public static IEndpointRouteBuilder MapSendGridWebhookEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPost("/api/webhooks/sendgrid", ReceiveAsync)
            .WithTags("Webhooks").WithName("SendGridEventWebhook")
            .WithSummary("SendGrid Event Webhook (signed): engagement events into journeys, bounces and complaints into suppressions")
            .AllowAnonymous().DisableAntiforgery();
        return endpoints;
    }

    internal static async Task<Results<Ok<WebhookOutcome>, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request, IOptionsMonitor<JourneyEmailOptions> options, SendGridEventProcessor processor, TimeProvider time, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue.SendGrid;
        var signature = request.Headers[SendGridSignature.SignatureHeader].ToString();
        var timestamp = request.Headers[SendGridSignature.TimestampHeader].ToString();
        if (string.IsNullOrEmpty(settings.WebhookPublicKey))
        {
            return Problem(StatusCodes.Status401Unauthorized, "Webhook not configured", "Journeys:Email:SendGrid:WebhookPublicKey is not set; unsigned events are refused.");
        }

        if (signature.Length == 0 || timestamp.Length == 0)
        {
            return Problem(StatusCodes.Status401Unauthorized, "Unsigned webhook", $"The {SendGridSignature.SignatureHeader} and {SendGridSignature.TimestampHeader} headers are required.");
        }

        if (SendGridSignature.ParseTimestamp(timestamp) is not { } at || (time.GetUtcNow() - at).Duration() > settings.WebhookMaxAge)
        {
            return Problem(StatusCodes.Status403Forbidden, "Stale webhook", "The webhook timestamp is missing, malformed or too far from now.");
        }

        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body is larger than 1 MiB ({MaxBodyBytes} bytes).");
        }

        using (var verifier = new SendGridSignature(settings.WebhookPublicKey))
        {
            if (!verifier.Verify(timestamp, body, signature))
            {
                return Problem(StatusCodes.Status403Forbidden, "Invalid signature", "The webhook signature does not match the configured public key.");
            }
        }

        try
        {
            return TypedResults.Ok(await processor.ProcessAsync(body, cancellationToken));
        }
        catch (JsonException e)
        {
            // Where, not the parser's own text (no exception text in answers).
            var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            return Problem(StatusCodes.Status400BadRequest, "Malformed events", $"The body is not a JSON array of SendGrid events{where}.");
        }
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) => TypedResults.Problem(detail, statusCode: status, title: title);
}
