using JourneyOrchestrator.Templates.Data;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Delivery.Email;

/// <summary>
/// Is SendGrid reachable: any HTTP answer of its base address within <see cref="Timeout"/> counts (no key is sent, nothing
/// is sent). The answer is kept for <see cref="CacheFor"/>, so a probe every second costs one request every 30 s. Not
/// critical: e-mails wait durably and retry, the host keeps accepting events.
/// </summary>
public sealed class SendGridHealthProbe(IHttpClientFactory clients, IOptionsMonitor<JourneyEmailOptions> options, TimeProvider time) : IHealthProbe, IDisposable
{
    /// <summary>The named <see cref="HttpClient"/> of the probe.</summary>
    public const string HttpClientName = "journeys-sendgrid-health";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, string? Problem)? _last;

    public string Name => "sendGrid";

    public void Dispose() => _gate.Dispose();

    public bool Critical => false;

    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        if (_last is { } last && time.GetUtcNow() - last.At < CacheFor)
        {
            return last.Problem;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } again && time.GetUtcNow() - again.At < CacheFor)
            {
                return again.Problem;
            }

            var problem = await ProbeAsync(cancellationToken);
            _last = (time.GetUtcNow(), problem);
            return problem;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<string?> ProbeAsync(CancellationToken cancellationToken)
    {
        var baseUrl = options.CurrentValue.SendGrid.BaseUrl;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl);
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return null; // any answer: reachable (without a key, SendGrid says 401 or 404)
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"{baseUrl.Host} did not answer within {Timeout.TotalSeconds:0} s";
        }
        catch (HttpRequestException e)
        {
            return $"{baseUrl.Host} is unreachable: {e.Message}";
        }
    }
}
