using System.Security.Cryptography;
using System.Text;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>
/// The ids and tags the host derives for journeys, keyed with a server secret so that nobody without it can predict them or
/// test a guess against them, and free of personal data (what they are derived from is hashed, never copied):
/// <list type="bullet">
/// <item>a journey started by an entry event (or by <c>POST /api/journeys</c> with a journey key):
/// <c>j-{template}-{32 hex}</c> of (dealer, customer, template, journey key), so that a retried event never starts a journey
/// twice; when that journey has finished and a new entry event starts the template again, <c>{that id}-{16 hex}</c> of the
/// event id;</item>
/// <item>the <c>journeyKey</c> tag: 32 hex of (dealer, customer, journey key), because dealers use e-mail addresses as keys
/// (the key itself stays in the journey's input, which an erasure redacts).</item>
/// </list>
/// Ids beginning with <see cref="ReservedPrefix"/> are reserved for these: no caller may choose one.
/// </summary>
/// <remarks>
/// The secret is the erasure hash key (<c>Journeys:Erasure:HashKey</c>), so there is one secret to manage; a distinct
/// derivation label (HMAC of the label under that key) makes these hashes unrelated to the erasure hashes. Without a
/// configured key a built-in one is used (Development): the ids are then predictable from the source, which is harmless
/// for isolation (see docs/security.md, "Journey identity": an id is never proof of ownership) but not for privacy.
/// Every input is an API id (no line breaks), so joining the parts with '\n' is unambiguous.
/// </remarks>
public sealed class JourneyIds
{
    /// <summary>The prefix of every id this class derives for entry journeys; no caller may choose an id that starts with it.</summary>
    public const string ReservedPrefix = "j-";

    private const string DerivationLabel = "JourneyOrchestrator journey identity v1";
    private static readonly byte[] BuiltInKey = Encoding.UTF8.GetBytes("JourneyOrchestrator journey ids v1 (configure Journeys:Erasure:HashKey)");
    private readonly byte[] _key;

    /// <param name="secret">The server secret (the erasure hash key, at least 32 bytes), or null for the built-in one.</param>
    /// <exception cref="ArgumentException">The secret is shorter than 32 bytes.</exception>
    public JourneyIds(byte[]? secret)
    {
        if (secret is not null && secret.Length < 32)
        {
            throw new ArgumentException("The journey identity secret must be at least 32 bytes.", nameof(secret));
        }

        _key = HMACSHA256.HashData(secret ?? BuiltInKey, Encoding.UTF8.GetBytes(DerivationLabel));
    }

    /// <summary>Whether <paramref name="id"/> is in the namespace reserved for derived journey ids.</summary>
    public static bool IsReserved(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The journey an entry event of (dealer, customer, template, journey key) starts: <c>j-{template}-{32 hex}</c>.</summary>
    public string ForEntry(string dealerId, string customerId, string templateId, string? journeyKey) =>
        $"{ReservedPrefix}{templateId}-{Hash("entry", dealerId, customerId, templateId, journeyKey ?? "")[..32]}";

    /// <summary>The journey entry event <paramref name="eventId"/> starts once the journey <paramref name="entryId"/> has finished.</summary>
    public string ForReentry(string entryId, string eventId) => $"{entryId}-{Hash("reentry", entryId, eventId)[..16]}";

    /// <summary>
    /// Where to start instead when <paramref name="id"/> is held by a journey of another dealer, customer, template or journey
    /// key (which the API never lets anyone create, but a journey never joins another owner's journey, whatever is stored):
    /// deterministic in (<paramref name="id"/>, <paramref name="salt"/>), so a retry finds the same journey.
    /// </summary>
    public string Detour(string id, string salt) => $"{id}-x{Hash("detour", id, salt)[..16]}";

    /// <summary>The value of the <c>journeyKey</c> tag of a journey of (dealer, customer) with <paramref name="journeyKey"/>: 32 hex.</summary>
    public string KeyTag(string dealerId, string customerId, string journeyKey) => Hash("journey-key", dealerId, customerId, journeyKey)[..32];

    /// <summary>The event id with which completing task <paramref name="taskId"/> is raised into its journey.</summary>
    public static string ForTaskCompletion(string taskId) =>
        $"task-completed-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(taskId)))[..32]}";

    private string Hash(string label, params string[] parts)
    {
        foreach (var part in parts)
        {
            ArgumentNullException.ThrowIfNull(part);
        }

        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(label + "\n" + string.Join('\n', parts))));
    }
}
