using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace JourneyOrchestrator.Delivery.Crm;

/// <summary>
/// The CRM webhook signature: <c>X-Journeys-Signature: sha256={hex(HMAC-SHA256(secret, "{timestamp}.{body}"))}</c> with
/// <c>X-Journeys-Timestamp: {unix seconds}</c>; the secret is used as its UTF-8 bytes, hex is lowercase.
/// </summary>
public static class CrmSignature
{
    public const string TimestampHeader = "X-Journeys-Timestamp";
    public const string SignatureHeader = "X-Journeys-Signature";

    /// <summary>The header value for <paramref name="body"/> signed at <paramref name="unixSeconds"/>.</summary>
    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var prefix = Encoding.UTF8.GetBytes(unixSeconds.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }

    /// <summary>Constant-time check of a received signature (for receivers and tests).</summary>
    public static bool Verify(string secret, string timestamp, ReadOnlySpan<byte> body, string signature)
    {
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, seconds, body)), Encoding.ASCII.GetBytes(signature ?? ""));
    }
}
