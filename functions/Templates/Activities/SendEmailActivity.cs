using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Telemetry;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Templates.Activities;

/// <summary>
/// <see cref="JourneyNames.SendEmailActivity"/>: checks consent (marketing e-mail needs it; transactional does not) and the
/// suppression list, applies the marketing frequency cap, renders the Liquid e-mail with the journey model and the customer's
/// current profile, delivers it through <see cref="IEmailSender"/> and records the touchpoint.
/// </summary>
/// <remarks>
/// <para><b>Never twice.</b> Before the provider is called the message is claimed in the delivery ledger
/// (<see cref="IDeliveryStore.ClaimSendAsync"/>) as <c>pending</c> under its delivery key (stable across crashes and the
/// step's retries). After the provider answers the row becomes <c>sent</c>, <c>retry</c> or <c>failed</c>. A run that finds
/// the row still <c>pending</c> knows an earlier run called the provider and was interrupted before it recorded the answer:
/// SendGrid has no idempotency key, so the message may have gone out; it is marked <c>unknown</c> and <b>not</b> resent
/// (at most once; the touchpoint says so for an operator).</para>
/// <para>Permanent problems (unknown customer, missing template, a 4xx refusal) are recorded as a <c>failed</c> touchpoint
/// and returned, not thrown. A refusal for now (429, 5xx) returns <c>retry</c> with the time to try again (the provider's
/// <c>Retry-After</c> or back-off), which the interpreter waits for on a durable timer.</para>
/// </remarks>
public sealed class SendEmailActivity(
    IJourneyDataStore store,
    IEmailTemplateSource templates,
    LiquidRenderer renderer,
    IEmailSender sender,
    TimeProvider time,
    IDeliveryStore? delivery = null,
    EmailDeliveryOptions? policy = null,
    IUnsubscribeLinks? unsubscribeLinks = null,
    ErasureHasher? erasureHasher = null,
    IEmailContentStore? emails = null)
    : TaskActivity<SendEmailRequest, SendEmailResult>
{
    private readonly ErasureHasher _hasher = erasureHasher ?? new ErasureHasher();
    private readonly IDeliveryStore _delivery = delivery ?? new InMemoryDeliveryStore();
    private readonly EmailDeliveryOptions _policy = policy ?? new EmailDeliveryOptions();

    /// <summary>Back-off before delivery attempt <paramref name="nextAttempt"/> when the provider gave no Retry-After: 30 s doubling, at most 10 min.</summary>
    public static TimeSpan Backoff(int nextAttempt) =>
        TimeSpan.FromSeconds(Math.Min(600, 30 * Math.Pow(2, Math.Max(0, nextAttempt - 2))));

    /// <summary>
    /// The content to render: the version of an e-mail published through the API that the journey's template version pinned
    /// when it was published (the latest when the template is not in the store), in the customer's locale
    /// (exactly, by language, else the e-mail's default); else the shipped <c>{name}.liquid</c>. Null when neither exists.
    /// </summary>
    private async Task<EmailLocaleContent?> ContentAsync(SendEmailRequest input, string? locale, CancellationToken cancellationToken)
    {
        if (emails is not null)
        {
            var template = await store.GetTemplateAsync(input.TemplateId, input.TemplateVersion, cancellationToken);
            // The version its template pinned; the latest when the template is not in the store (a test catalog).
            EmailContent? pinned = template is null ? await emails.GetEmailAsync(input.Email, null, cancellationToken)
                : template.EmailVersions.TryGetValue(input.Email, out var version) ? await emails.GetEmailAsync(input.Email, version, cancellationToken)
                : null;
            if (pinned is not null)
            {
                return pinned.For(locale);
            }
        }

        var source = templates.Get(input.Email);
        return source is not null && EmailTemplateText.TryParse(source, out _) is { } file ? new EmailLocaleContent { Subject = file.Subject, Html = file.Body } : null;
    }

    public override async Task<SendEmailResult> RunAsync(TaskActivityContext context, SendEmailRequest input)
    {
        var result = await SendAsync(input);
        JourneyTelemetry.Email(result.Status);
        return result;
    }

    private async Task<SendEmailResult> SendAsync(SendEmailRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellationToken = CancellationToken.None;
        var key = input.DeliveryKey;
        if (await _delivery.GetSendAsync(key, cancellationToken) is { } earlier && earlier.State != SendStates.Retry)
        {
            return await ResolveEarlierAsync(key, earlier, input, cancellationToken);
        }

        var profile = await store.GetCustomerAsync(input.DealerId, input.CustomerId, cancellationToken);
        var model = input.Model?.DeepClone().AsObject() ?? [];
        var customer = model["customer"] as JsonObject ?? [];
        if (profile is not null)
        {
            foreach (var (name, value) in JsonSerializer.SerializeToNode(profile, JsonData.Options)!.AsObject())
            {
                customer[name] = value?.DeepClone();
            }
        }

        model["customer"] = customer;
        var now = time.GetUtcNow();
        model["now"] = now.ToString("O", CultureInfo.InvariantCulture);
        model["season"] = now.Month is >= 4 and <= 9 ? "summer" : "winter";

        var address = customer["email"]?.GetValue<string>();
        var consent = customer["consent"]?["email"]?.GetValue<bool>() ?? false;
        var marketing = input.Category != "transactional";
        if (string.IsNullOrWhiteSpace(address))
        {
            return await RecordAsync(key, input, EmailStatuses.Failed, "no e-mail address for the customer", cancellationToken);
        }

        if (await IsErasedAsync(input.DealerId, address, profile, cancellationToken))
        {
            return await RecordErasedAsync(key, input, profile, cancellationToken);
        }

        if (marketing && !consent)
        {
            return await RecordAsync(key, input, EmailStatuses.Suppressed, "no e-mail consent", cancellationToken);
        }

        var suppressions = await _delivery.FindSuppressionsAsync(input.DealerId, input.CustomerId, address, cancellationToken);
        if (suppressions.FirstOrDefault(s => s.Scope == SuppressionScopes.All || marketing) is { } suppression)
        {
            return await RecordAsync(key, input, EmailStatuses.Suppressed, $"suppressed: {suppression.Reason}", cancellationToken);
        }

        if (marketing && _policy.CapFor(input.DealerId) is > 0 and var cap)
        {
            var sent = await _delivery.ListSentAtAsync(input.DealerId, input.CustomerId, "marketing", now - _policy.FrequencyWindow + TimeSpan.FromTicks(1), cancellationToken);
            if (sent.Count >= cap)
            {
                var detail = $"frequency cap: {sent.Count} marketing e-mails within {_policy.FrequencyWindow.TotalDays:0.#} days (at most {cap})";
                return input.Capped == "skip"
                    ? await RecordAsync(key, input, EmailStatuses.Capped, detail, cancellationToken)
                    : new SendEmailResult(EmailStatuses.Deferred, detail) { RetryAt = sent[sent.Count - cap] + _policy.FrequencyWindow };
            }
        }

        var unsubscribe = marketing ? unsubscribeLinks?.Create(input.DealerId, input.CustomerId) : null;
        if (unsubscribe is not null)
        {
            model["unsubscribe"] = new JsonObject { ["url"] = unsubscribe.AbsoluteUri };
        }

        var text = await ContentAsync(input, customer["locale"]?.ToString(), cancellationToken);
        if (text is null)
        {
            return await RecordAsync(key, input, EmailStatuses.Failed, $"e-mail template '{input.Email}' is missing or has no subject line", cancellationToken);
        }

        string subject, body;
        string? plain;
        try
        {
            subject = renderer.RenderLine(text.Subject, model); // one line: no CR/LF from names or data in the header
            body = renderer.Render(text.Html, model, html: true);
            plain = text.Text is null ? null : renderer.Render(text.Text, model, html: false);
        }
        catch (FormatException e)
        {
            return await RecordAsync(key, input, EmailStatuses.Failed, e.Message, cancellationToken);
        }

        var claim = await _delivery.ClaimSendAsync(new OutboundSend
        {
            Key = key,
            Channel = "email",
            DealerId = input.DealerId,
            CustomerId = input.CustomerId,
            JourneyId = input.JourneyId,
            StepId = input.StepId,
            Category = marketing ? "marketing" : "transactional",
            State = SendStates.Pending,
            CreatedAt = now,
            UpdatedAt = now,
        }, cancellationToken);
        if (!claim.Claimed)
        {
            return await ResolveEarlierAsync(key, claim.Send, input, cancellationToken);
        }

        // The last look before the provider: an erase that ran while this activity was rendering (its work item was
        // taken before the erase deleted it) has written the marker by now, so the erased address is not mailed.
        if (await IsErasedAsync(input.DealerId, address, profile, cancellationToken))
        {
            await _delivery.UpdateSendAsync(key, SendStates.Failed, ErasedDetail, time.GetUtcNow(), cancellationToken);
            return await RecordErasedAsync(key, input, profile, cancellationToken);
        }

        try
        {
            await sender.SendAsync(new OutgoingEmail(key, input.JourneyId, input.DealerId, input.CustomerId, address, subject, body, input.Email, input.Category)
            {
                TextBody = plain,
                StepId = input.StepId,
                SendGridTemplateId = input.SendGridTemplateId,
                TemplateData = model,
                UnsubscribeUrl = unsubscribe,
            }, cancellationToken);
        }
        catch (EmailRejectedException e)
        {
            await _delivery.UpdateSendAsync(key, SendStates.Failed, e.Message, time.GetUtcNow(), cancellationToken);
            return await RecordAsync(key, input, EmailStatuses.Failed, e.Message, cancellationToken);
        }
        catch (EmailDeferredException e)
        {
            var at = time.GetUtcNow();
            if (input.DeliveryAttempt >= input.MaxDeliveryAttempts)
            {
                var detail = $"gave up after {input.DeliveryAttempt} attempt(s): {e.Message}";
                await _delivery.UpdateSendAsync(key, SendStates.Failed, detail, at, cancellationToken);
                return await RecordAsync(key, input, EmailStatuses.Failed, detail, cancellationToken);
            }

            await _delivery.UpdateSendAsync(key, SendStates.Retry, e.Message, at, cancellationToken);
            var wait = Backoff(input.DeliveryAttempt + 1);
            if (e.RetryAfter is { } retryAfter && retryAfter > wait)
            {
                wait = retryAfter;
            }

            return new SendEmailResult(EmailStatuses.Retry, e.Message) { RetryAt = at + wait };
        }

        // Any other exception leaves the row pending: the provider may have accepted it, so a re-run will not resend.
        await _delivery.UpdateSendAsync(key, SendStates.Sent, null, time.GetUtcNow(), cancellationToken);
        return await RecordAsync(key, input, EmailStatuses.Sent, null, cancellationToken);
    }

    private const string ErasedDetail = "suppressed: the customer's personal data was erased and no consent was given since";

    /// <summary>
    /// True when the dealer erased this address (GDPR) and the customer has not given consent again since: only a profile
    /// stored at or after the erase with <c>consent.email: true</c> lifts it (then marketing and transactional e-mail go again).
    /// </summary>
    private async Task<bool> IsErasedAsync(string dealerId, string address, CustomerProfile? profile, CancellationToken cancellationToken)
    {
        var erasedAt = await _delivery.GetErasedAddressAsync(dealerId, _hasher.AddressHash(dealerId, address), cancellationToken);
        return erasedAt is { } at && !(profile is { Consent.Email: true } && profile.UpdatedAt >= at);
    }

    /// <summary>The touchpoint of a send stopped by an erase; with the profile gone it names the customer by the pseudonym only.</summary>
    private Task<SendEmailResult> RecordErasedAsync(string key, SendEmailRequest input, CustomerProfile? profile, CancellationToken cancellationToken) =>
        RecordAsync(key, profile is null ? input with { CustomerId = _hasher.Pseudonym(input.DealerId, input.CustomerId) } : input,
            EmailStatuses.Suppressed, ErasedDetail, cancellationToken);

    private async Task<SendEmailResult> ResolveEarlierAsync(string key, OutboundSend earlier, SendEmailRequest input, CancellationToken cancellationToken)
    {
        switch (earlier.State)
        {
            case SendStates.Sent:
                return await RecordAsync(key, input, EmailStatuses.Sent, null, cancellationToken);
            case SendStates.Failed:
                return await RecordAsync(key, input, EmailStatuses.Failed, earlier.Detail, cancellationToken);
            default:
                const string detail = "an earlier attempt was interrupted after calling the e-mail provider; it may have been sent, so it is not sent again";
                if (earlier.State != SendStates.Unknown)
                {
                    await _delivery.UpdateSendAsync(key, SendStates.Unknown, detail, time.GetUtcNow(), cancellationToken);
                }

                return await RecordAsync(key, input, EmailStatuses.Unknown, detail, cancellationToken);
        }
    }

    private async Task<SendEmailResult> RecordAsync(string key, SendEmailRequest input, string status, string? detail, CancellationToken cancellationToken)
    {
        await store.AddTouchpointAsync(new Touchpoint
        {
            Id = key,
            JourneyId = input.JourneyId,
            DealerId = input.DealerId,
            CustomerId = input.CustomerId,
            StepId = input.StepId,
            Channel = "email",
            Name = input.Email,
            Status = status,
            Detail = detail,
            Cause = input.Cause,
            OccurredAt = time.GetUtcNow(),
        }, cancellationToken);
        return new SendEmailResult(status, detail);
    }
}
