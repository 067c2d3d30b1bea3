using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>States of an <see cref="ErasureRecord"/>.</summary>
public static class ErasureStates
{
    /// <summary>Begun; calling erase again for the customer resumes it.</summary>
    public const string Started = "started";
    public const string Completed = "completed";
}

/// <summary>
/// The audit record of one customer erasure (GDPR right to erasure). It holds <b>no personal data</b>: the customer is only
/// named by <see cref="CustomerHash"/> (a keyed hash, see <see cref="ErasureHasher"/>), so a later request about the same
/// customer id can be matched to it without the record revealing who it was.
/// </summary>
public sealed record ErasureRecord
{
    public required string Id { get; init; }
    public required string DealerId { get; init; }
    /// <summary><see cref="ErasureHasher.CustomerHash"/> of the erased customer id.</summary>
    public required string CustomerHash { get; init; }
    /// <summary><see cref="ErasureStates"/>.</summary>
    public required string State { get; init; }
    /// <summary>Who asked: the API key's role (e.g. <c>admin</c>); never a person's name or the key.</summary>
    public required string Actor { get; init; }
    public required DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }
    /// <summary>Whether a profile was deleted.</summary>
    public bool Profile { get; init; }
    /// <summary>Journeys erased and ended.</summary>
    public int Journeys { get; init; }
    public int Tasks { get; init; }
    /// <summary>Touchpoints anonymised (customer id replaced by the pseudonym, detail removed).</summary>
    public int Touchpoints { get; init; }
    public int MailboxMessages { get; init; }
    /// <summary>Delivery ledger rows deleted.</summary>
    public int DeliveryRows { get; init; }
    /// <summary>Suppressions deleted (replaced by the erased-address marker).</summary>
    public int Suppressions { get; init; }
    /// <summary>CRM dead letters of the customer's journeys deleted.</summary>
    public int DeadLetters { get; init; }
}

/// <summary>What <see cref="IJourneyDataStore.EraseCustomerAsync"/> deleted or anonymised.</summary>
public sealed record CustomerErasure(bool Profile, int Tasks, int Touchpoints, int MailboxMessages);

/// <summary>
/// Keyed hashes (HMAC-SHA256) for erasure: the audit record's customer hash, the pseudonym that replaces the customer id in
/// what is kept (journey tags, touchpoints), and the erased-address marker that keeps an erased address from being mailed
/// again. With a secret key (<c>Journeys:Erasure:HashKey</c>) nobody without the key can test a guessed address or id
/// against them; without one the built-in key only salts them (documented in <c>docs/delivery.md</c>).
/// </summary>
public sealed class ErasureHasher
{
    private static readonly byte[] BuiltInKey = Encoding.UTF8.GetBytes("JourneyOrchestrator erasure hash v1 (configure Journeys:Erasure:HashKey)");
    private readonly byte[] _key;

    /// <param name="key">At least 32 bytes; null for the built-in key.</param>
    /// <exception cref="ArgumentException">The key is shorter than 32 bytes.</exception>
    public ErasureHasher(byte[]? key = null)
    {
        if (key is not null && key.Length < 32)
        {
            throw new ArgumentException("The erasure hash key must be at least 32 bytes.", nameof(key));
        }

        _key = key ?? BuiltInKey;
    }

    /// <summary>True when a configured key is in use (not the built-in one).</summary>
    public bool HasSecretKey => !ReferenceEquals(_key, BuiltInKey);

    /// <summary>64 hex characters naming (dealer, customer id).</summary>
    public string CustomerHash(string dealerId, string customerId) => Hash("customer", dealerId, customerId);

    /// <summary>64 hex characters naming (dealer, address); the address is trimmed and compared case-insensitively.</summary>
    public string AddressHash(string dealerId, string email)
    {
        ArgumentNullException.ThrowIfNull(email);
        return Hash("address", dealerId, email.Trim().ToLowerInvariant());
    }

    /// <summary>What replaces the customer id where a record is kept: <c>erased-{first 16 hex of the customer hash}</c>.</summary>
    public string Pseudonym(string dealerId, string customerId) => "erased-" + CustomerHash(dealerId, customerId)[..16];

    private string Hash(string kind, string dealerId, string value)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(value);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(kind + "\n" + dealerId + "\n" + value)));
    }
}

