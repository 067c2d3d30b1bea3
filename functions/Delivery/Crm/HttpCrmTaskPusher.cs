using System.Net.Http.Headers;
using System.Text.Json;
using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Delivery.Crm;

/// <summary>
/// The body POSTed to a dealer's CRM. <see cref="TaskId"/> is stable: the CRM upserts on it (a retry is the same task; a
/// later push of the same task with another <see cref="Assignee"/> is a reassignment by an escalation).
/// </summary>
public sealed record CrmTaskPayload(
    string TaskId, string DealerId, string JourneyId, string CustomerId, string StepId, string Type, string Title,
    string Status, DateTimeOffset CreatedAt, DateTimeOffset DueAt, string? OnCompleteEvent, string? Assignee);

/// <summary>
/// POSTs tasks as JSON to <c>Journeys:Dealers:{dealerId}:Crm:Url</c>, signed with <c>:Crm:Secret</c> (<see cref="CrmSignature"/>).
/// Any 2xx is success; anything else (or no answer) throws <see cref="CrmPushException"/> for the runtime to retry.
/// </summary>
/// <remarks>
/// <para><b>No redirects.</b> The <see cref="HttpClient"/> must not follow redirects (<see cref="CreateHandler"/>; the host
/// registers it so): the signed body and its signature would be sent again to wherever a 3xx points. A 3xx is a failed push.</para>
/// <para><b>No CRM text in errors.</b> The exception message (which becomes the dead letter's <c>lastError</c> and the failure
/// in the journey's history) holds the status code and its standard reason phrase only, never the CRM's answer body: a CRM may
/// echo the pushed task (title, customer id) there.</para>
/// </remarks>
public sealed class HttpCrmTaskPusher(HttpClient http, IReadOnlyDictionary<string, CrmSettings> dealers, TimeProvider time) : ICrmTaskPusher
{
    /// <summary>The handler of the CRM <see cref="HttpClient"/>: redirects are not followed, no cookies are kept.</summary>
    public static HttpMessageHandler CreateHandler() => new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false };

    /// <summary>
    /// What is wrong with the dealers' CRM settings: a URL that is not absolute http(s), <c>http://</c> unless
    /// <paramref name="allowPlainHttp"/> (Development only), or a URL without a secret. Empty when all is well.
    /// </summary>
    public static IReadOnlyList<string> Check(IReadOnlyDictionary<string, CrmSettings> dealers, bool allowPlainHttp)
    {
        ArgumentNullException.ThrowIfNull(dealers);
        var problems = new List<string>();
        foreach (var (dealer, crm) in dealers.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (crm.Url is not { } url)
            {
                continue;
            }

            var where = $"Journeys__Dealers__{dealer}__Crm__Url";
            if (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                problems.Add($"{where} must be an absolute https:// URL.");
            }
            else if (url.Scheme == Uri.UriSchemeHttp && !allowPlainHttp)
            {
                problems.Add($"{where} is plain http:// ('{url.GetLeftPart(UriPartial.Authority)}'); outside Development the CRM push needs https:// (the signed task, with the customer id, would travel unencrypted).");
            }

            if (string.IsNullOrEmpty(crm.Secret))
            {
                problems.Add($"Journeys__Dealers__{dealer}__Crm__Secret is required with a CRM URL (the HMAC key of the signature).");
            }
        }

        return problems;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool IsConfigured(string dealerId) => dealers.GetValueOrDefault(dealerId)?.Url is not null;

    public async Task PushAsync(SalesTask task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var crm = dealers.GetValueOrDefault(task.DealerId);
        if (crm?.Url is null)
        {
            throw new CrmPushException($"Dealer '{task.DealerId}' has no CRM webhook (Journeys:Dealers:{task.DealerId}:Crm:Url).");
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(new CrmTaskPayload(
            task.Id, task.DealerId, task.JourneyId, task.CustomerId, task.StepId, task.Type, task.Title, task.Status, task.CreatedAt, task.DueAt, task.OnCompleteEvent, task.Assignee), Json);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, crm.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(CrmSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(CrmSignature.SignatureHeader, CrmSignature.Sign(crm.Secret ?? "", timestamp, body));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new CrmPushException($"CRM of dealer '{task.DealerId}' not reachable: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CrmPushException($"CRM of dealer '{task.DealerId}' did not answer in time.", e);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status is >= 300 and < 400)
            {
                throw new CrmPushException($"CRM of dealer '{task.DealerId}' answered {status} (a redirect; redirects are not followed: configure the final URL).");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CrmPushException($"CRM of dealer '{task.DealerId}' answered {status}{Reason(status)}.");
            }
        }
    }

    /// <summary>
    /// The standard reason phrase of the status (" Service Unavailable"), not the one the CRM sent (a CRM can put anything
    /// there); empty for a code without one.
    /// </summary>
    private static string Reason(int status)
    {
        var phrase = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
        return phrase.Length == 0 ? "" : " " + phrase;
    }
}
