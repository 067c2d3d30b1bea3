using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Emails;

/// <summary>Development sink: "sends" by storing a <see cref="MailboxMessage"/> (id = idempotency key, so a re-run stores nothing new).</summary>
public sealed class DevMailboxEmailSender(IJourneyDataStore store, TimeProvider time) : IEmailSender
{
    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        await store.AddMailAsync(new MailboxMessage
        {
            Id = email.IdempotencyKey,
            JourneyId = email.JourneyId,
            DealerId = email.DealerId,
            CustomerId = email.CustomerId,
            To = email.To,
            Subject = email.Subject,
            Body = email.HtmlBody,
            EmailTemplate = email.EmailTemplate,
            Category = email.Category,
            SentAt = time.GetUtcNow(),
        }, cancellationToken);
    }
}
