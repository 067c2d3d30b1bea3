namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// E-mails authored through the API, versioned like templates: publishing a name again makes its next version; versions
/// are never changed or deleted.
/// </summary>
public interface IEmailContentStore
{
    /// <summary>Stores <paramref name="content"/> as the next version of its name (its own version is ignored) and returns that version.</summary>
    Task<int> PublishEmailAsync(EmailContent content, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>A version, or the latest when <paramref name="version"/> is null; null when there is none.</summary>
    Task<EmailContent?> GetEmailAsync(string name, int? version = null, CancellationToken cancellationToken = default);

    /// <summary>The latest version of every e-mail, by name.</summary>
    Task<IReadOnlyList<EmailContent>> ListEmailsAsync(CancellationToken cancellationToken = default);
}
