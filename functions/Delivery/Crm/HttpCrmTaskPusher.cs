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
public sealed class HttpCrmTaskPusher(HttpClient http, IReadOnlyDictionary<string, CrmSettings> dealers, TimeProvider time) : ICrmTaskPusher
{
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
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                throw new CrmPushException($"CRM of dealer '{task.DealerId}' answered {(int)response.StatusCode}: {(text.Length > 200 ? text[..200] : text)}");
            }
        }
    }
}
