namespace JourneyOrchestrator.Templates.Emails;

/// <summary>A rendered e-mail ready to deliver. <c>IdempotencyKey</c> is the sending activity's key: a channel must deliver a key at most once.</summary>
public sealed record OutgoingEmail(
    string IdempotencyKey,
    string JourneyId,
    string DealerId,
    string CustomerId,
    string To,
    string Subject,
    string HtmlBody,
    string EmailTemplate,
    string Category)
{
    /// <summary>A plain-text body beside the HTML one (an API-authored e-mail's <c>text</c>), when there is one.</summary>
    public string? TextBody { get; init; }

    /// <summary>The step that sends it (for the provider's custom arguments).</summary>
    public string? StepId { get; init; }

    /// <summary>A SendGrid dynamic template id; a provider that knows it sends the template with <see cref="TemplateData"/> instead of the rendered content.</summary>
    public string? SendGridTemplateId { get; init; }

    /// <summary>The journey model the content was rendered with (for dynamic templates).</summary>
    public System.Text.Json.Nodes.JsonObject? TemplateData { get; init; }

    /// <summary>The one-click unsubscribe link of a marketing e-mail (RFC 8058): sent as <c>List-Unsubscribe</c> with <c>List-Unsubscribe-Post</c>.</summary>
    public Uri? UnsubscribeUrl { get; init; }
}

/// <summary>
/// Delivers e-mail (the seam for SendGrid). The send-e-mail activity calls it at most once per key (it keeps a ledger,
/// <see cref="Delivery.IDeliveryStore"/>); implementations may deduplicate on <see cref="OutgoingEmail.IdempotencyKey"/> too.
/// Throw <see cref="EmailRejectedException"/> for a permanent refusal, <see cref="EmailDeferredException"/> when nothing was
/// accepted and a later attempt may succeed; any other exception is taken as "may have been sent".
/// </summary>
public interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}
