namespace JourneyOrchestrator.Api.Security;

/// <summary>The roles an API key has, and the authorization policies built from them.</summary>
public static class Roles
{
    /// <summary>A dealer system: bound to one dealer id; sees and acts only on that dealer's journeys, customers and tasks.</summary>
    public const string Dealer = "dealer";
    /// <summary>Marketing ops: publishes and reads templates.</summary>
    public const string Marketing = "marketing";
    /// <summary>Everything, for every dealer.</summary>
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Dealer, Marketing, Admin];

    /// <summary>Policy: journeys, customers, tasks, mailbox (dealer, admin).</summary>
    public const string DealerPolicy = "dealer-or-admin";
    /// <summary>Policy: publish and validate templates (marketing, admin).</summary>
    public const string TemplateWritePolicy = "marketing-or-admin";
    /// <summary>Policy: read templates (any role).</summary>
    public const string AnyRolePolicy = "any-role";
    /// <summary>Policy: the manual clock (admin).</summary>
    public const string AdminPolicy = "admin";

    /// <summary>The claim that carries the dealer id of a dealer key.</summary>
    public const string DealerClaim = "journeys:dealer";
}

/// <summary>A configured API key.</summary>
public sealed record ApiKey(string Key, string Role, string? DealerId);
