using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using JourneyOrchestrator.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Api.Security;

/// <summary>The configured keys, looked up by a hash of the key so that comparison time does not depend on the key.</summary>
public sealed class ApiKeyStore
{
    private readonly Dictionary<string, ApiKey> _byHash;

    public ApiKeyStore(IEnumerable<ApiKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _byHash = keys.ToDictionary(k => Hash(k.Key), StringComparer.Ordinal);
    }

    public ApiKey? Find(string presented) => _byHash.GetValueOrDefault(Hash(presented));

    /// <summary>A name for a key that does not reveal it (the first 16 hex digits of its SHA-256): the per-key rate limit's partition.</summary>
    public static string KeyId(ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Hash(key.Key)[..16];
    }

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}

/// <summary>
/// Authenticates <c>X-Api-Key</c>. No header: anonymous (401 where a key is needed). Unknown key: 401, and counted against the
/// client's address (<see cref="FailedKeyLockout"/>): a client with too many unknown keys in a window gets 429 with
/// <c>Retry-After</c> for every key it presents until the window ends. 401, 403 and 429 answers are problem details that
/// say what to send. The principal carries <see cref="KeyIdClaim"/> (the per-key rate limit's partition).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys,
    FailedKeyLockout lockout,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>The claim naming the key (<see cref="ApiKeyStore.KeyId"/>), never the key itself.</summary>
    public const string KeyIdClaim = "journeys:key";

    private TimeSpan? _lockedOutFor;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var client = lockout.Options.ClientAddress(Context);
        if (lockout.IsLockedOut(client, out var retryAfter))
        {
            _lockedOutFor = retryAfter;
            return Task.FromResult(AuthenticateResult.Fail("Too many unknown API keys from this client."));
        }

        if (values.Count > 1 || keys.Find(values[0]!) is not { } key)
        {
            lockout.RecordFailure(client);
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        List<Claim> claims =
        [
            new(ClaimTypes.Role, key.Role), new(ClaimTypes.Name, key.Role + (key.DealerId is null ? "" : ":" + key.DealerId)),
            new(KeyIdClaim, ApiKeyStore.KeyId(key)),
        ];
        if (key.DealerId is not null)
        {
            claims.Add(new Claim(Roles.DealerClaim, key.DealerId));
        }

        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_lockedOutFor is { } retryAfter)
        {
            await RateLimitRegistration.WriteTooManyAsync(Context, retryAfter,
                $"Too many unknown API keys from this client ({lockout.Options.FailedKeyLimit} per {lockout.Options.FailedKeyWindow}); every key is refused until the Retry-After seconds have passed.");
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        var presented = Request.Headers.ContainsKey(HeaderName);
        await WriteAsync(StatusCodes.Status401Unauthorized, "Unauthorized",
            presented ? $"The {HeaderName} header does not hold a known API key." : $"Send an API key in the {HeaderName} header.");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        var role = Context.User.FindFirstValue(ClaimTypes.Role);
        await WriteAsync(StatusCodes.Status403Forbidden, "Forbidden", $"An API key with role '{role}' may not use {Request.Method} {Request.Path}.");
    }

    private async Task WriteAsync(int status, string title, string detail) =>
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = ApiExceptionHandler.Create(status, title, detail, []),
        });
}
