using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Delivery.Consent;

/// <summary>What an unsubscribe token says: this customer of this dealer, until then.</summary>
public sealed record UnsubscribeClaim(string DealerId, string CustomerId, DateTimeOffset ExpiresAt);

/// <summary>
/// Signed, expiring one-click unsubscribe tokens: <c>base64url(dealer).base64url(customer).expiryUnixSeconds.base64url(mac)</c>
/// with <c>mac = HMAC-SHA256(key, first three parts)</c>. Verification is constant-time; a token past its expiry, with another
/// key, or changed in any part is refused.
/// </summary>
public sealed class UnsubscribeTokens : IUnsubscribeLinks
{
    private readonly byte[] _key;
    private readonly Uri? _baseUrl;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;

    public UnsubscribeTokens(byte[] key, Uri? baseUrl, TimeSpan lifetime, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length < 32)
        {
            throw new ArgumentException("The unsubscribe signing key must have at least 32 bytes.", nameof(key));
        }

        _key = [.. key];
        _baseUrl = baseUrl;
        _lifetime = lifetime;
        _time = time;
    }

    /// <summary>From <see cref="JourneyEmailOptions.Unsubscribe"/>; a random key when none is configured (links die with the process).</summary>
    public UnsubscribeTokens(IOptions<JourneyEmailOptions> options, TimeProvider time)
        : this(KeyOf(options), options.Value.Unsubscribe.BaseUrl, options.Value.Unsubscribe.TokenLifetime, time)
    {
    }

    public string CreateToken(string dealerId, string customerId)
    {
        var expires = (_time.GetUtcNow() + _lifetime).ToUnixTimeSeconds();
        var payload = $"{Encode(dealerId)}.{Encode(customerId)}.{expires.ToString(CultureInfo.InvariantCulture)}";
        return payload + "." + WebEncoders.Base64UrlEncode(Mac(payload));
    }

    public Uri? Create(string dealerId, string customerId) =>
        _baseUrl is null ? null : new Uri(_baseUrl, "u/" + CreateToken(dealerId, customerId));

    /// <summary>The claim, or null (with why) for a malformed, forged or expired token.</summary>
    public UnsubscribeClaim? Verify(string? token, out string? error)
    {
        var parts = token?.Split('.') ?? [];
        if (parts.Length != 4 || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
        {
            error = "The unsubscribe link is malformed.";
            return null;
        }

        byte[] mac;
        string dealer, customer;
        try
        {
            mac = WebEncoders.Base64UrlDecode(parts[3]);
            dealer = Decode(parts[0]);
            customer = Decode(parts[1]);
        }
        catch (FormatException)
        {
            error = "The unsubscribe link is malformed.";
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(mac, Mac(string.Join('.', parts[..3]))))
        {
            error = "The unsubscribe link is not valid.";
            return null;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expires);
        if (expiresAt <= _time.GetUtcNow())
        {
            error = "The unsubscribe link has expired.";
            return null;
        }

        error = null;
        return new UnsubscribeClaim(dealer, customer, expiresAt);
    }

    private byte[] Mac(string payload) => HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload));

    private static string Encode(string value) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(value));

    private static string Decode(string value) => Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(value));

    private static byte[] KeyOf(IOptions<JourneyEmailOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Value.Unsubscribe.SigningKey is { Length: > 0 } key ? Convert.FromBase64String(key) : RandomNumberGenerator.GetBytes(32);
    }
}
