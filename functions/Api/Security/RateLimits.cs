using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using JourneyOrchestrator.Api.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace JourneyOrchestrator.Api.Security;

/// <summary>
/// <c>Journeys:RateLimits</c>: a lockout after failed API keys (per client address) and a token bucket per API key. Both
/// answer 429 with <c>Retry-After</c> and problem details. <c>docs/security.md</c>, "Hardening".
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Journeys:RateLimits";

    /// <summary>Off only for load tests on a trusted network.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Unknown API keys one client address may present per <see cref="FailedKeyWindow"/> before it is locked out.</summary>
    public int FailedKeyLimit { get; set; } = 10;

    /// <summary>The fixed window of <see cref="FailedKeyLimit"/>; a locked-out client waits for the window's end (every key refused with 429 until then).</summary>
    public TimeSpan FailedKeyWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The burst of requests one API key may make (its bucket's size).</summary>
    public int PerKeyBurst { get; set; } = 1000;

    /// <summary>Requests per second one API key may keep up (tokens added to its bucket every second).</summary>
    public int PerKeyPerSecond { get; set; } = 200;

    /// <summary>
    /// A header that holds the client's address, e.g. <c>X-Forwarded-For</c>, used instead of the connection's address: its
    /// <b>last</b> entry (the one the proxy in front of the host added; earlier entries are whatever the client sent), an
    /// address or address:port. Only behind a proxy that appends it (otherwise a client could name any address). Empty, or
    /// the header missing or unreadable: the connection's address.
    /// </summary>
    public string? ClientAddressHeader { get; set; }

    /// <summary>Reads and checks the section.</summary>
    /// <exception cref="HostConfigurationException">A value is out of range.</exception>
    public static RateLimitOptions Resolve(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new RateLimitOptions();
        var problems = new List<string>();
        try
        {
            configuration.GetSection(Section).Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new HostConfigurationException([$"Journeys__RateLimits could not be read: {e.Message}"]);
        }

        if (options.FailedKeyLimit is < 1 or > 100_000)
        {
            problems.Add($"Journeys__RateLimits__FailedKeyLimit is {options.FailedKeyLimit}; use 1-100000.");
        }

        if (options.FailedKeyWindow < TimeSpan.FromSeconds(1) || options.FailedKeyWindow > TimeSpan.FromDays(1))
        {
            problems.Add($"Journeys__RateLimits__FailedKeyWindow is {options.FailedKeyWindow}; use 00:00:01 to 1.00:00:00.");
        }

        if (options.PerKeyBurst is < 1 or > 1_000_000)
        {
            problems.Add($"Journeys__RateLimits__PerKeyBurst is {options.PerKeyBurst}; use 1-1000000.");
        }

        if (options.PerKeyPerSecond is < 1 or > 1_000_000)
        {
            problems.Add($"Journeys__RateLimits__PerKeyPerSecond is {options.PerKeyPerSecond}; use 1-1000000.");
        }

        return problems.Count > 0 ? throw new HostConfigurationException(problems) : options;
    }

    /// <summary>The client's address as the limits see it (see <see cref="ClientAddressHeader"/>).</summary>
    public string ClientAddress(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!string.IsNullOrWhiteSpace(ClientAddressHeader) &&
            context.Request.Headers[ClientAddressHeader].ToString().Split(',', StringSplitOptions.TrimEntries)[^1] is { Length: > 0 } forwarded)
        {
            if (IPAddress.TryParse(forwarded, out var address))
            {
                return address.ToString();
            }

            if (IPEndPoint.TryParse(forwarded, out var endpoint))
            {
                return endpoint.Address.ToString();
            }
        }

        return context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
    }
}

/// <summary>
/// Counts unknown API keys per client address in fixed windows (<see cref="RateLimitOptions.FailedKeyLimit"/> per
/// <see cref="RateLimitOptions.FailedKeyWindow"/>). A client over the limit is locked out until the window ends: every key it
/// presents, known or not, is answered 429, so guessing stays slow whatever the guesses. Other clients are not affected.
/// </summary>
public sealed class FailedKeyLockout : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;

    public FailedKeyLockout(RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        if (options.Enabled)
        {
            _limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.FailedKeyLimit,
                Window = options.FailedKeyWindow,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        }
    }

    public RateLimitOptions Options { get; }

    /// <summary>True (with when to try again) when <paramref name="client"/> used up its failed keys of this window.</summary>
    public bool IsLockedOut(string client, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (_limiter is null)
        {
            return false;
        }

        using var probe = _limiter.AttemptAcquire(client, 0);
        if (probe.IsAcquired)
        {
            return false;
        }

        retryAfter = probe.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : Options.FailedKeyWindow;
        return true;
    }

    /// <summary>Counts one unknown key presented by <paramref name="client"/>.</summary>
    public void RecordFailure(string client) => _limiter?.AttemptAcquire(client, 1).Dispose();

    public void Dispose() => _limiter?.Dispose();
}

/// <summary>Registration of the limits: the lockout (used by <see cref="ApiKeyAuthenticationHandler"/>) and the per-key token bucket.</summary>
public static class RateLimitRegistration
{
    public static IServiceCollection AddJourneyRateLimits(this IServiceCollection services, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton<FailedKeyLockout>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
                options.Enabled && context.User.FindFirstValue(ApiKeyAuthenticationHandler.KeyIdClaim) is { } key
                    ? RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = options.PerKeyBurst,
                        TokensPerPeriod = options.PerKeyPerSecond,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    })
                    : RateLimitPartition.GetNoLimiter(""));
            o.OnRejected = (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                return new ValueTask(WriteTooManyAsync(rejected.HttpContext, retryAfter,
                    $"This API key made more than {options.PerKeyBurst} requests in a burst (or more than {options.PerKeyPerSecond} per second for a while); slow down and retry after the Retry-After seconds."));
            };
        });
        return services;
    }

    /// <summary>429 with <c>Retry-After</c> (whole seconds, at least 1) and problem details.</summary>
    public static Task WriteTooManyAsync(HttpContext context, TimeSpan retryAfter, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = ApiExceptionHandler.Create(StatusCodes.Status429TooManyRequests, "Too many requests", detail, []),
        }).AsTask();
    }
}
