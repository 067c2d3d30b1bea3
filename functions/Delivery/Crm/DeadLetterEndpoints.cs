using System.Security.Claims;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace JourneyOrchestrator.Delivery.Crm;

/// <summary>Who is calling, as far as the dead-letter routes care: an admin (every dealer) or one dealer.</summary>
public interface IDealerScope
{
    /// <summary>Null when the caller is neither an admin nor a dealer.</summary>
    DealerCaller? Resolve(HttpContext context);
}

/// <summary>An admin (<c>IsAdmin</c>, no <c>DealerId</c>) or a dealer key's dealer.</summary>
public sealed record DealerCaller(bool IsAdmin, string? DealerId)
{
    public bool MayAccess(string dealerId) => IsAdmin || DealerId == dealerId;
}

/// <summary>
/// Reads the host's API-key claims: role in <see cref="ClaimTypes.Role"/> (<c>admin</c> or <c>dealer</c>), dealer in
/// <c>journeys:dealer</c> (the same claims as the host's <c>Caller.From</c>).
/// </summary>
public sealed class ClaimsDealerScope : IDealerScope
{
    public const string AdminRole = "admin";
    public const string DealerRole = "dealer";
    public const string DealerClaim = "journeys:dealer";

    public DealerCaller? Resolve(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var role = context.User.FindFirstValue(ClaimTypes.Role);
        var dealer = context.User.FindFirstValue(DealerClaim);
        return role switch
        {
            AdminRole => new DealerCaller(true, null),
            DealerRole when !string.IsNullOrEmpty(dealer) => new DealerCaller(false, dealer),
            _ => null,
        };
    }
}

/// <summary>
/// <c>GET /api/deadletters</c> (admin: all, or <c>?dealerId=</c>; dealer: its own) and <c>POST /api/deadletters/{id}/replay</c>
/// (pushes the task again now; 200 and removed on success, 502 with the error otherwise). The host adds authentication and
/// its policy: <c>app.MapDeadLetterEndpoints().RequireAuthorization(...)</c>.
/// </summary>
public static class DeadLetterEndpoints
{
    public static RouteGroupBuilder MapDeadLetterEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/api/deadletters").WithTags("Dead letters");
        group.MapGet("/", ListAsync).WithName("ListDeadLetters").WithSummary("CRM pushes that exhausted their retries");
        group.MapPost("/{id}/replay", ReplayAsync).WithName("ReplayDeadLetter").WithSummary("Push the task to the CRM again now; removed on success");
        return group;
    }

    internal static async Task<Results<Ok<IReadOnlyList<DeadLetter>>, ProblemHttpResult>> ListAsync(
        HttpContext context, IDealerScope scope, IDeadLetterStore letters, string? dealerId, CancellationToken cancellationToken)
    {
        var caller = scope.Resolve(context);
        if (caller is null || (!caller.IsAdmin && dealerId is not null && dealerId != caller.DealerId))
        {
            return Forbidden();
        }

        return TypedResults.Ok(await letters.ListDeadLettersAsync(caller.IsAdmin ? dealerId : caller.DealerId, cancellationToken));
    }

    internal static async Task<Results<Ok<ReplayOutcome>, ProblemHttpResult>> ReplayAsync(
        string id, HttpContext context, IDealerScope scope, IDeadLetterStore letters, IJourneyDataStore data, ICrmTaskPusher crm, TimeProvider time, CancellationToken cancellationToken)
    {
        var caller = scope.Resolve(context);
        if (caller is null)
        {
            return Forbidden();
        }

        var letter = await letters.GetDeadLetterAsync(id, cancellationToken);
        if (letter is null || !caller.MayAccess(letter.DealerId))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"No dead letter '{id}'.");
        }

        var task = await data.GetTaskAsync(letter.TaskId, cancellationToken);
        if (task is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Task gone", detail: $"Task '{letter.TaskId}' no longer exists; delete is not automatic.");
        }

        try
        {
            await crm.PushAsync(task, cancellationToken);
        }
        catch (CrmPushException e)
        {
            await letters.UpsertDeadLetterAsync(letter with { Attempts = letter.Attempts + 1, LastError = e.Message, FailedAt = time.GetUtcNow() }, cancellationToken);
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "CRM refused", detail: e.Message);
        }

        await letters.RemoveDeadLetterAsync(id, cancellationToken);
        return TypedResults.Ok(new ReplayOutcome(id, letter.TaskId, "pushed"));
    }

    private static ProblemHttpResult Forbidden() =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: "Dead letters need an admin or dealer key; a dealer sees only its own.");
}

public sealed record ReplayOutcome(string Id, string TaskId, string Status);
