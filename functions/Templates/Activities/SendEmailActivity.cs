using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Templates.Activities;

/// <summary>
/// <see cref="JourneyNames.SendEmailActivity"/>: checks consent (marketing e-mail needs it; transactional does not), renders the
/// Liquid e-mail with the journey model and the customer's current profile, delivers it through <see cref="IEmailSender"/>
/// and records the touchpoint. Idempotent on the activity's key. Permanent problems (unknown customer, missing or broken
/// template) are recorded as a <c>failed</c> touchpoint and returned, not retried; delivery errors throw and are retried.
/// </summary>
public sealed class SendEmailActivity(
    IJourneyDataStore store, IEmailTemplateSource templates, LiquidRenderer renderer, IEmailSender sender, TimeProvider time)
    : Activity<SendEmailRequest, SendEmailResult>
{
    public override async Task<SendEmailResult> RunAsync(ActivityContext context, SendEmailRequest input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var profile = await store.GetCustomerAsync(input.DealerId, input.CustomerId, cancellationToken);
        var model = input.Model?.DeepClone().AsObject() ?? [];
        var customer = model["customer"] as JsonObject ?? [];
        if (profile is not null)
        {
            foreach (var (key, value) in JsonSerializer.SerializeToNode(profile, JsonData.Options)!.AsObject())
            {
                customer[key] = value?.DeepClone();
            }
        }

        model["customer"] = customer;
        var now = time.GetUtcNow();
        model["now"] = now.ToString("O", CultureInfo.InvariantCulture);
        model["season"] = now.Month is >= 4 and <= 9 ? "summer" : "winter";

        var address = customer["email"]?.GetValue<string>();
        var consent = customer["consent"]?["email"]?.GetValue<bool>() ?? false;
        if (string.IsNullOrWhiteSpace(address))
        {
            return await RecordAsync(context, input, "failed", "no e-mail address for the customer", cancellationToken);
        }

        if (input.Category != "transactional" && !consent)
        {
            return await RecordAsync(context, input, "suppressed", "no e-mail consent", cancellationToken);
        }

        var source = templates.Get(input.Email);
        var text = source is null ? null : EmailTemplateText.TryParse(source, out _);
        if (text is null)
        {
            return await RecordAsync(context, input, "failed", $"e-mail template '{input.Email}' is missing or has no subject line", cancellationToken);
        }

        string subject, body;
        try
        {
            subject = renderer.Render(text.Subject, model, html: false).Trim();
            body = renderer.Render(text.Body, model, html: true);
        }
        catch (FormatException e)
        {
            return await RecordAsync(context, input, "failed", e.Message, cancellationToken);
        }

        await sender.SendAsync(new OutgoingEmail(
            context.IdempotencyKey, input.JourneyId, input.DealerId, input.CustomerId, address, subject, body, input.Email, input.Category), cancellationToken);
        return await RecordAsync(context, input, "sent", null, cancellationToken);
    }

    private async Task<SendEmailResult> RecordAsync(ActivityContext context, SendEmailRequest input, string status, string? detail, CancellationToken cancellationToken)
    {
        await store.AddTouchpointAsync(new Touchpoint
        {
            Id = context.IdempotencyKey,
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
