using System.Security.Claims;
using JourneyOrchestrator.Api.Http;

namespace JourneyOrchestrator.Api.Security;

/// <summary>Who is calling: the role of the API key and, for a dealer key, its dealer.</summary>
public sealed record Caller(string Role, string? DealerId)
{
    public bool IsAdmin => Role == Roles.Admin;
    public bool IsDealer => Role == Roles.Dealer;

    public static Caller From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return new Caller(user.FindFirstValue(ClaimTypes.Role) ?? "", user.FindFirstValue(Roles.DealerClaim));
    }

    /// <summary>May this caller see or act on <paramref name="dealerId"/>'s data? Admins: always; dealers: their own only.</summary>
    public bool MayAccess(string? dealerId) => IsAdmin || (IsDealer && dealerId is not null && dealerId == DealerId);

    /// <exception cref="ApiProblemException">403: another dealer's data.</exception>
    public void EnsureAccess(string? dealerId, string what)
    {
        if (!MayAccess(dealerId))
        {
            throw ApiProblemException.Forbidden($"This API key belongs to dealer '{DealerId}' and may not access {what} of another dealer.");
        }
    }

    /// <summary>
    /// The dealer a dealer-scoped list is for: a dealer key's own (a different <paramref name="requested"/> is 403); for an
    /// admin, <paramref name="requested"/> (null means every dealer).
    /// </summary>
    public string? ScopeDealer(string? requested, string what)
    {
        if (IsAdmin)
        {
            return requested;
        }

        if (requested is not null && requested != DealerId)
        {
            throw ApiProblemException.Forbidden($"This API key belongs to dealer '{DealerId}' and may not list {what} of dealer '{requested}'.");
        }

        return DealerId;
    }
}
