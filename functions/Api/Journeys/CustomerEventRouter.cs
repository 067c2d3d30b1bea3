using System.Diagnostics;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Api.Telemetry;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>
/// A dealer's customer event (<c>POST /api/customers/{id}/events</c>, and each message of a bulk drop): upserts the profile
/// if given, raises the event (with its id, so a retry changes nothing) into every unfinished journey of the customer (with
/// the journey key, when given), and starts every template the event enters for which the customer has no unfinished
/// journey with that key. The customer's journeys come from the journey index, by (dealer, customer): the cost of an event
/// does not grow with the number of journeys in the store.
/// </summary>
public sealed partial class CustomerEventRouter(
    JourneyLookup lookup, JourneyStarter starter, IJourneyDataStore data, JourneyIds ids, TimeProvider time, ILogger<CustomerEventRouter> logger)
{
    private const int StartAttempts = 4;

    public async Task<CustomerEventAccepted> RaiseAsync(string customerId, CustomerEventRequest request, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        InputRules.RouteId(customerId, "customerId");
        var errors = new FieldErrors();
        errors.EventName("$.name", request.Name);
        errors.Id("$.eventId", request.EventId, required: false);
        errors.Id("$.dealerId", request.DealerId);
        errors.Id("$.journeyKey", request.JourneyKey, required: false);
        if (request.Customer is not null)
        {
            CustomerProfiles.Check(request.Customer, "$.customer", errors, customerId, request.DealerId);
        }

        errors.ThrowIfAny();
        caller.EnsureAccess(request.DealerId, "customers");
        var dealerId = request.DealerId!;
        var name = request.Name!;
        if (request.Customer is not null)
        {
            await data.UpsertCustomerAsync(CustomerProfiles.From(dealerId, customerId, request.Customer, time.GetUtcNow()), cancellationToken);
        }

        var profile = await data.GetCustomerAsync(dealerId, customerId, cancellationToken)
            ?? throw ApiProblemException.NotFound($"Dealer '{dealerId}' has no customer '{customerId}': PUT /api/customers/{customerId} first, or send the profile as 'customer'.");
        var eventId = request.EventId ?? Guid.NewGuid().ToString("N");
        var payload = new JourneyEventPayload
        {
            EventId = eventId,
            OccurredAt = request.OccurredAt,
            Data = request.Data?.DeepClone().AsObject() ?? [],
            Customer = request.Customer is null ? null : CustomerProfiles.Snapshot(profile),
        };

        var keyHash = request.JourneyKey is null ? null : ids.KeyTag(dealerId, customerId, request.JourneyKey);
        var reached = new List<ReachedJourney>();
        var unfinished = await lookup.UnfinishedOfCustomerAsync(dealerId, customerId, cancellationToken);
        foreach (var journey in unfinished.Where(j => request.JourneyKey is null || j.Entry.KeyHash == keyHash))
        {
            if (journey.Entry.TriggerEventId == eventId)
            {
                reached.Add(Reached(journey.Entry.JourneyId, "duplicate")); // started by this event before: a retry
                continue;
            }

            await lookup.Client.RaiseEventAsync(journey.Entry.JourneyId, name, payload, cancellationToken);
            reached.Add(Reached(journey.Entry.JourneyId, "raised"));
        }

        foreach (var template in await data.ListTemplatesAsync(cancellationToken))
        {
            if (!template.EntryEvents.Contains(name, StringComparer.OrdinalIgnoreCase) ||
                unfinished.Any(j => j.Entry.TemplateId == template.Id && j.Entry.KeyHash == keyHash))
            {
                continue;
            }

            var started = await StartFromEntryAsync(template, profile, request, name, eventId, payload, cancellationToken);
            if (started is not null && reached.All(r => r.Id != started.Id))
            {
                reached.Add(started);
            }
        }

        Log.CustomerEvent(logger, name, eventId, dealerId, reached.Count);
        Activity.Current?.SetTag("journeys.event.name", name).SetTag("journeys.event.id", eventId).SetTag("journeys.reached", reached.Count);
        if (reached.Count == 0)
        {
            ApiTelemetry.Event("customer", "none");
        }

        foreach (var journey in reached)
        {
            ApiTelemetry.Event("customer", journey.Outcome);
        }

        return new CustomerEventAccepted(eventId, [.. reached.Select(r => r.Id)], reached);
    }

    private async Task<ReachedJourney?> StartFromEntryAsync(
        TemplateSummary template, CustomerProfile profile, CustomerEventRequest request, string name, string eventId, JourneyEventPayload payload, CancellationToken cancellationToken)
    {
        // The entry event is the journey's input (its trigger), never an event raised after the start: an engine may drop
        // an event raised in the moments after a start (DurableTask.AzureStorage does), an input cannot be lost.
        var input = new JourneyInput
        {
            TemplateId = template.Id,
            TemplateVersion = template.LatestVersion,
            DealerId = profile.DealerId,
            CustomerId = profile.Id,
            JourneyKey = request.JourneyKey,
            Customer = CustomerProfiles.Snapshot(profile),
            Data = payload.Data?.DeepClone().AsObject() ?? [],
            Trigger = new JsonObject
            {
                ["name"] = name,
                ["eventId"] = eventId,
                ["occurredAt"] = request.OccurredAt?.ToString("O"),
                ["data"] = payload.Data?.DeepClone() ?? new JsonObject(),
            },
        };

        var entryId = ids.ForEntry(profile.DealerId, profile.Id, template.Id, request.JourneyKey);
        var id = entryId;
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var claim = await starter.ClaimAsync(starter.Entry(id, input, eventId), input, cancellationToken);
            switch (claim.Outcome)
            {
                case ClaimOutcome.Started:
                    return Reached(id, "started");
                case ClaimOutcome.HeldByAnother:
                    // Not this customer's journey of this template and key (the API never lets anyone create one at a
                    // derived id, but whatever holds it): never raise into it, start elsewhere.
                    id = ids.Detour(id, eventId);
                    continue;
            }

            if (claim.Entry.TriggerEventId == eventId)
            {
                return Reached(id, "duplicate"); // started by this very event before (a retry)
            }

            if (claim.Journey is { } journey && !journey.Status.IsFinished())
            {
                // Started by another entry event a moment ago: it gets this event like any running journey.
                await lookup.Client.RaiseEventAsync(id, name, payload, cancellationToken);
                return Reached(id, "raised");
            }

            // The customer's earlier journey of this template has finished: this entry event starts a new one.
            id = ids.ForReentry(entryId, eventId);
        }

        return null;
    }

    private static ReachedJourney Reached(string id, string outcome) => new(id, outcome, JourneyLookup.StatusUri(id));

    private static partial class Log
    {
        [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Customer event {EventName} ({EventId}) of dealer {DealerId} reached {Count} journey(s).")]
        public static partial void CustomerEvent(ILogger logger, string eventName, string eventId, string dealerId, int count);
    }
}
