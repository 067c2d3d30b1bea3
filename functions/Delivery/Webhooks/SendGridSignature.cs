using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace JourneyOrchestrator.Delivery.Webhooks;

/// <summary>
/// Verifies SendGrid's signed Event Webhook: an ECDSA P-256 signature (base64 DER) over the timestamp header followed by the
/// raw body, SHA-256, with the public key SendGrid shows (base64 DER SubjectPublicKeyInfo).
/// </summary>
public sealed class SendGridSignature : IDisposable
{
    public const string SignatureHeader = "X-Twilio-Email-Event-Webhook-Signature";
    public const string TimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp";

    private readonly ECDsa _key;

    /// <exception cref="FormatException">The key is not base64 of a DER SubjectPublicKeyInfo.</exception>
    public SendGridSignature(string publicKeyBase64)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKeyBase64);
        _key = ECDsa.Create();
        try
        {
            _key.ImportSubjectPublicKeyInfo(Convert.FromBase64String(publicKeyBase64), out _);
        }
        catch (CryptographicException e)
        {
            _key.Dispose();
            throw new FormatException("The SendGrid webhook public key is not a base64 DER SubjectPublicKeyInfo.", e);
        }
    }

    /// <summary>True when <paramref name="signatureBase64"/> signs <paramref name="timestamp"/> + <paramref name="body"/>.</summary>
    public bool Verify(string timestamp, ReadOnlySpan<byte> body, string signatureBase64)
    {
        ArgumentNullException.ThrowIfNull(timestamp);
        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureBase64);
        }
        catch (FormatException)
        {
            return false;
        }

        var stamp = Encoding.UTF8.GetBytes(timestamp);
        var signed = new byte[stamp.Length + body.Length];
        stamp.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(stamp.Length));
        try
        {
            return _key.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The timestamp header as an instant (Unix seconds); null when it is not one.</summary>
    public static DateTimeOffset? ParseTimestamp(string? timestamp) =>
        long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds < 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public void Dispose() => _key.Dispose();
}
