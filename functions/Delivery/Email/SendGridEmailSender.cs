using System.Net;
using System.Net.Http.Headers;
using JourneyOrchestrator.Templates.Emails;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;
using SendGrid;
using SendGrid.Helpers.Mail;

namespace JourneyOrchestrator.Delivery.Email;

/// <summary>
/// Sends through SendGrid's v3 mail send API with the SendGrid library. A step's dynamic template id is sent as
/// <c>template_id</c> with <c>dynamic_template_data</c> = the journey model; otherwise the rendered subject and HTML.
/// <c>custom_args</c> carry journey, step, dealer, customer and the idempotency key (they come back on every webhook event).
/// Marketing e-mail carries <c>List-Unsubscribe</c> and <c>List-Unsubscribe-Post: List-Unsubscribe=One-Click</c> (RFC 8058).
/// </summary>
/// <remarks>
/// One call, no retry here: 202 returns; 429 and 5xx (and no connection) throw <see cref="EmailDeferredException"/> with
/// the <c>Retry-After</c>, which the send-e-mail activity turns into a durable retry with the same delivery key; other 4xx
/// throw <see cref="EmailRejectedException"/>. A timeout is not classified: SendGrid may have accepted the message, so the
/// ledger keeps it pending and it is never resent.
/// </remarks>
public sealed partial class SendGridEmailSender : IEmailSender
{
    private readonly SendGridClient _client;
    private readonly IOptionsMonitor<JourneyEmailOptions> _options;
    private readonly ILogger<SendGridEmailSender> _logger;
    private readonly TimeProvider _time;

    public SendGridEmailSender(HttpClient http, IOptionsMonitor<JourneyEmailOptions> options, TimeProvider time, ILogger<SendGridEmailSender> logger)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        var sendGrid = options.CurrentValue.SendGrid;
        _client = new SendGridClient(http, new SendGridClientOptions
        {
            ApiKey = sendGrid.ApiKey ?? throw new InvalidOperationException("Journeys:Email:SendGrid:ApiKey is required for the SendGrid provider."),
            Host = sendGrid.BaseUrl.AbsoluteUri.TrimEnd('/'),
        });
        _options = options;
        _logger = logger;
        _time = time;
    }

    /// <summary>Custom argument names (they come back as top-level fields of webhook events).</summary>
    public const string JourneyIdArg = "journey_id";
    public const string StepIdArg = "step_id";
    public const string DealerIdArg = "dealer_id";
    public const string CustomerIdArg = "customer_id";
    public const string IdempotencyKeyArg = "idempotency_key";

    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        var message = Build(email, _options.CurrentValue);
        Response response;
        try
        {
            response = await _client.SendEmailAsync(message, cancellationToken);
        }
        catch (HttpRequestException e) when (e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError)
        {
            // Nothing reached SendGrid.
            throw new EmailDeferredException($"SendGrid is unreachable: {e.Message}", retryAfter: null);
        }

        var status = (int)response.StatusCode;
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            Log.Accepted(_logger, email.IdempotencyKey, email.JourneyId);
            return;
        }

        var body = response.Body is null ? "" : await response.Body.ReadAsStringAsync(cancellationToken);
        var detail = $"SendGrid answered {status}: {Summarise(body)}";
        if (response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500)
        {
            var retryAfter = RetryAfter(response.Headers?.RetryAfter);
            Log.Deferred(_logger, email.IdempotencyKey, status, retryAfter);
            throw new EmailDeferredException(detail, retryAfter, status);
        }

        Log.Rejected(_logger, email.IdempotencyKey, status, detail);
        throw new EmailRejectedException(detail, status);
    }

    internal static SendGridMessage Build(OutgoingEmail email, JourneyEmailOptions options)
    {
        var sender = options.SenderFor(email.DealerId);
        var message = new SendGridMessage();
        message.SetFrom(new EmailAddress(sender.Address, sender.Name));
        message.AddTo(new EmailAddress(email.To));
        if (email.SendGridTemplateId is { } templateId)
        {
            message.SetTemplateId(templateId);
            message.SetTemplateData(JObject.Parse((email.TemplateData ?? []).ToJsonString()));
        }
        else
        {
            message.SetSubject(email.Subject);
            if (email.TextBody is { Length: > 0 } text)
            {
                message.AddContent(MimeType.Text, text); // SendGrid wants text/plain before text/html
            }

            message.AddContent(MimeType.Html, email.HtmlBody);
        }

        message.AddCategory(email.Category);
        message.AddCustomArg(JourneyIdArg, email.JourneyId);
        message.AddCustomArg(DealerIdArg, email.DealerId);
        message.AddCustomArg(CustomerIdArg, email.CustomerId);
        message.AddCustomArg(IdempotencyKeyArg, email.IdempotencyKey);
        if (email.StepId is { } step)
        {
            message.AddCustomArg(StepIdArg, step);
        }

        if (email.UnsubscribeUrl is { } unsubscribe)
        {
            message.AddHeader("List-Unsubscribe", $"<{unsubscribe.AbsoluteUri}>");
            message.AddHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        return message;
    }

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } when date > _time.GetUtcNow() => date - _time.GetUtcNow(),
        _ => null,
    };

    private static string Summarise(string body) => body.Length <= 500 ? body : body[..500];

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "SendGrid accepted e-mail {IdempotencyKey} of journey {JourneyId}.")]
        public static partial void Accepted(ILogger logger, string idempotencyKey, string journeyId);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "SendGrid deferred e-mail {IdempotencyKey} with {Status}; retry after {RetryAfter}.")]
        public static partial void Deferred(ILogger logger, string idempotencyKey, int status, TimeSpan? retryAfter);

        [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "SendGrid rejected e-mail {IdempotencyKey} with {Status}: {Detail}")]
        public static partial void Rejected(ILogger logger, string idempotencyKey, int status, string detail);
    }
}
