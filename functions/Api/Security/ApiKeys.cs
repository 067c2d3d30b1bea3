using JourneyOrchestrator.Api.Http;

namespace JourneyOrchestrator.Api.Security;

/// <summary>One configured key: <c>Journeys__ApiKeys__N__Key</c>, <c>__Role</c> (dealer, marketing, admin), <c>__DealerId</c> (dealer keys).</summary>
public sealed class ApiKeySection
{
    public string? Key { get; set; }
    public string? Role { get; set; }
    public string? DealerId { get; set; }
}

/// <summary>The API keys of a host, checked the same way by the embedded host and the Function app.</summary>
public static class ApiKeys
{
    /// <summary>The keys that work in Development (and only there).</summary>
    public static readonly IReadOnlyList<ApiKey> DevelopmentKeys =
    [
        new("dev-admin-key", Roles.Admin, null),
        new("dev-marketing-key", Roles.Marketing, null),
        new("dev-dealer-key", Roles.Dealer, "demo-dealer"),
    ];

    /// <summary>
    /// The configured keys, each checked (role, dealer, length and no public development key outside Development, no
    /// duplicates); in Development the development keys are added. Problems name the setting.
    /// </summary>
    public static List<ApiKey> Resolve(IReadOnlyList<ApiKeySection> configured, bool development, List<string> problems)
    {
        var keys = new List<ApiKey>();
        for (var i = 0; i < configured.Count; i++)
        {
            var entry = configured[i];
            var where = $"Journeys__ApiKeys__{i}";
            var role = entry.Role?.Trim().ToLowerInvariant();
            if (string.IsNullOrWhiteSpace(entry.Key))
            {
                problems.Add($"{where}__Key is empty.");
                continue;
            }

            if (!development && entry.Key.Length < 16)
            {
                problems.Add($"{where}__Key is shorter than 16 characters; use a long random key.");
            }

            if (!development && DevelopmentKeys.Any(k => k.Key == entry.Key))
            {
                problems.Add($"{where}__Key is a public development key; it is refused outside Development.");
            }

            if (role is null || !Roles.All.Contains(role))
            {
                problems.Add($"{where}__Role is '{entry.Role}'; use dealer, marketing or admin.");
                continue;
            }

            if (role == Roles.Dealer && !InputRules.IsId(entry.DealerId))
            {
                problems.Add($"{where}__DealerId is required for a dealer key (letters, digits, '.', '_', ':', '@', '-').");
                continue;
            }

            if (role != Roles.Dealer && !string.IsNullOrEmpty(entry.DealerId))
            {
                problems.Add($"{where}__DealerId is only for dealer keys.");
                continue;
            }

            if (keys.Any(k => k.Key == entry.Key))
            {
                problems.Add($"{where}__Key is configured twice.");
                continue;
            }

            keys.Add(new ApiKey(entry.Key, role, role == Roles.Dealer ? entry.DealerId : null));
        }

        if (development)
        {
            keys.AddRange(DevelopmentKeys.Where(d => keys.All(k => k.Key != d.Key)));
        }
        else if (keys.Count == 0)
        {
            problems.Add("No API keys are configured. Outside Development the host (or Function app) needs at least one: Journeys__ApiKeys__0__Key=<long random key>, Journeys__ApiKeys__0__Role=admin (see README).");
        }

        return keys;
    }
}
