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
    string Category);

/// <summary>
/// Delivers e-mail (the seam for SendGrid). Called at least once per key: implementations must deduplicate on
/// <see cref="OutgoingEmail.IdempotencyKey"/>. Throw for a failure worth retrying.
/// </summary>
public interface IEmailSender
{
    Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken);
}
