namespace JourneyOrchestrator.Templates.Emails;

/// <summary>
/// The provider refused the message for good (e.g. SendGrid 400, 401, 403, 413): retrying will not help. The send-e-mail
/// activity records a <c>failed</c> touchpoint with <see cref="Exception.Message"/> as the detail.
/// </summary>
public sealed class EmailRejectedException : Exception
{
    public EmailRejectedException(string message, int? statusCode = null) : base(message) => StatusCode = statusCode;

    public EmailRejectedException() : base("The e-mail provider rejected the message.") { }

    public EmailRejectedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>The provider's HTTP status code, when there was one.</summary>
    public int? StatusCode { get; }
}

/// <summary>
/// The provider did not accept the message but may later (SendGrid 429 or 5xx, or no connection): nothing was sent.
/// <see cref="RetryAfter"/> carries the provider's <c>Retry-After</c> when it gave one.
/// </summary>
public sealed class EmailDeferredException : Exception
{
    public EmailDeferredException(string message, TimeSpan? retryAfter, int? statusCode = null) : base(message)
    {
        RetryAfter = retryAfter;
        StatusCode = statusCode;
    }

    public EmailDeferredException() : base("The e-mail provider asked to try again later.") { }

    public EmailDeferredException(string message, Exception innerException) : base(message, innerException) { }

    public TimeSpan? RetryAfter { get; }
    public int? StatusCode { get; }
}
