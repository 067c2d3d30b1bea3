namespace JourneyOrchestrator.Delivery;

/// <summary>E-mail providers (<c>Journeys:Email:Provider</c>).</summary>
public static class EmailProviders
{
    /// <summary>The development mailbox: nothing leaves the process.</summary>
    public const string Dev = "Dev";
    public const string SendGrid = "SendGrid";
}

/// <summary>
/// <c>Journeys:Email</c>: the e-mail channel. Environment variables use <c>__</c> for <c>:</c>, e.g.
/// <c>Journeys__Email__SendGrid__ApiKey</c>. Validated on start.
/// </summary>
public sealed class JourneyEmailOptions
{
    public const string Section = "Journeys:Email";

    /// <summary><see cref="EmailProviders.Dev"/> (default) or <see cref="EmailProviders.SendGrid"/>.</summary>
    public string Provider { get; set; } = EmailProviders.Dev;

    public SendGridOptions SendGrid { get; set; } = new();

    /// <summary>The default sender.</summary>
    public SenderOptions From { get; set; } = new();

    /// <summary>Per dealer id: its sender and cap (each value falls back to the default).</summary>
    public Dictionary<string, DealerEmailOptions> Dealers { get; set; } = new(StringComparer.Ordinal);

    public UnsubscribeOptions Unsubscribe { get; set; } = new();

    public FrequencyCapOptions FrequencyCap { get; set; } = new();

    /// <summary>The sender of <paramref name="dealerId"/>'s e-mail.</summary>
    public SenderOptions SenderFor(string dealerId)
    {
        var dealer = Dealers.GetValueOrDefault(dealerId);
        return new SenderOptions
        {
            Address = string.IsNullOrWhiteSpace(dealer?.FromAddress) ? From.Address : dealer.FromAddress,
            Name = string.IsNullOrWhiteSpace(dealer?.FromName) ? From.Name : dealer.FromName,
        };
    }
}

public sealed class SendGridOptions
{
    public string? ApiKey { get; set; }
    /// <summary>Where the v3 API is; tests point it at a local fake.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.sendgrid.com");
    /// <summary>The Event Webhook's verification key: base64 of the DER SubjectPublicKeyInfo (ECDSA P-256), as SendGrid shows it.</summary>
    public string? WebhookPublicKey { get; set; }
    /// <summary>Signed webhook requests older (or further in the future) than this are refused.</summary>
    public TimeSpan WebhookMaxAge { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Timeout of one call to SendGrid.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

public sealed class SenderOptions
{
    public string Address { get; set; } = "noreply@example.com";
    public string Name { get; set; } = "Your dealer";
}

public sealed class DealerEmailOptions
{
    public string? FromAddress { get; set; }
    public string? FromName { get; set; }
    /// <summary>Overrides <see cref="FrequencyCapOptions.MaxMarketingEmails"/> for this dealer.</summary>
    public int? MaxMarketingEmails { get; set; }
}

public sealed class UnsubscribeOptions
{
    /// <summary>The public base address of this host, e.g. <c>https://journeys.example.com</c>; links are <c>{BaseUrl}/u/{token}</c>.</summary>
    public Uri? BaseUrl { get; set; }
    /// <summary>The HMAC-SHA256 key of the tokens, base64, at least 32 bytes. Required with SendGrid; a random one per process in Dev.</summary>
    public string? SigningKey { get; set; }
    /// <summary>How long a link works.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromDays(60);
}

public sealed class FrequencyCapOptions
{
    /// <summary>At most this many marketing e-mails per customer within <see cref="Window"/>; 0 for no cap.</summary>
    public int MaxMarketingEmails { get; set; }
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(7);
}
