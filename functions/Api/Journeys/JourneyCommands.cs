using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Api.Telemetry;
using JourneyOrchestrator.Templates.Data;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>
/// What the journey routes change, on any engine (the SDK's <see cref="DurableTaskClient"/>): start a journey, raise an
/// event into one, terminate, suspend, resume, purge. Every input is checked before anything is stored.
/// </summary>
/// <remarks>
/// <b>Identity.</b> An id is never proof of ownership: every route that names a journey loads it and answers a journey of
/// another dealer exactly like one that does not exist (404, same body). Dealer keys never choose journey ids; ids of
/// journeys started by entry events (or with a journey key) are keyed hashes (<see cref="JourneyIds"/>), and a start never
/// joins a journey whose dealer, customer, template or journey key differ from its own, whatever holds the id.
/// </remarks>
public sealed class JourneyCommands(JourneyLookup lookup, JourneyStarter starter, IJourneyDataStore data, JourneyIds ids, TimeProvider time)
{
    private const int StartAttempts = 4;

    public async Task<JourneyAccepted> StartAsync(StartJourneyRequest request, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new FieldErrors();
        if (request.Template is null)
        {
            errors.Add("$.template", "Required.");
        }
        else if (!InputRules.IsTemplateId(request.Template))
        {
            errors.Add("$.template", "Must be a template id: lowercase letters, digits and '-'.");
        }

        if (request.TemplateVersion is < 1)
        {
            errors.Add("$.templateVersion", "Must be 1 or more (or left out for the latest).");
        }

        errors.Id("$.journeyKey", request.JourneyKey, required: false);
        errors.Id("$.instanceId", request.InstanceId, required: false);
        errors.Id("$.dealerId", request.DealerId);
        CustomerProfiles.Check(request.Customer, "$.customer", errors, routeCustomerId: null, request.DealerId);
        errors.ThrowIfAny();
        caller.EnsureAccess(request.DealerId, "journeys");
        if (request.InstanceId is { } chosen)
        {
            if (!caller.IsAdmin)
            {
                throw ApiProblemException.Unprocessable("Journey ids are not chosen by dealers",
                    "A dealer key may not choose a journey id. Leave instanceId out; send journeyKey to make the start idempotent (one journey per dealer, customer, template and journey key).",
                    [new FieldError("$.instanceId", "Not allowed for a dealer key: leave it out and use journeyKey.")]);
            }

            if (JourneyIds.IsReserved(chosen))
            {
                throw ApiProblemException.Unprocessable("Reserved journey id",
                    $"Journey ids beginning with '{JourneyIds.ReservedPrefix}' are reserved for journeys started by entry events or with a journeyKey.",
                    [new FieldError("$.instanceId", $"Must not begin with '{JourneyIds.ReservedPrefix}'.")]);
            }
        }

        var template = await data.GetTemplateAsync(request.Template!, request.TemplateVersion, cancellationToken)
            ?? throw ApiProblemException.Unprocessable("Unknown template",
                request.TemplateVersion is { } v ? $"Template '{request.Template}' has no published version {v}." : $"No template '{request.Template}' is published.",
                [new FieldError(request.TemplateVersion is null ? "$.template" : "$.templateVersion", "No such published template (version).")]);

        var profile = CustomerProfiles.From(request.DealerId!, request.Customer!.Id!, request.Customer, time.GetUtcNow());
        await data.UpsertCustomerAsync(profile, cancellationToken);
        var input = new JourneyInput
        {
            TemplateId = template.Template.Id,
            TemplateVersion = template.Template.Version,
            DealerId = profile.DealerId,
            CustomerId = profile.Id,
            JourneyKey = request.JourneyKey,
            Customer = CustomerProfiles.Snapshot(profile),
            Data = request.Data?.DeepClone().AsObject() ?? [],
        };

        if (request.InstanceId is { } adminId)
        {
            // Only an admin chooses ids, and an admin may see every journey: naming the conflict reveals nothing.
            var claim = await starter.ClaimAsync(starter.Entry(adminId, input, null), input, cancellationToken);
            return claim.Outcome == ClaimOutcome.HeldByAnother
                ? throw ApiProblemException.Conflict($"A journey with id '{adminId}' already exists for another template, dealer, customer or journey key.")
                : new JourneyAccepted(adminId, JourneyLookup.StatusUri(adminId));
        }

        if (request.JourneyKey is null)
        {
            var id = Guid.NewGuid().ToString("N");
            await starter.ClaimAsync(starter.Entry(id, input, null), input, cancellationToken);
            return new JourneyAccepted(id, JourneyLookup.StatusUri(id));
        }

        // A keyed start: the id an entry event of the same dealer, customer, template and key gets, so a retry (or an
        // entry event) finds the same journey; once it exists, whatever its status, it is the answer.
        var keyed = ids.ForEntry(input.DealerId, input.CustomerId, input.TemplateId, input.JourneyKey);
        for (var attempt = 0; attempt < StartAttempts; attempt++)
        {
            var claim = await starter.ClaimAsync(starter.Entry(keyed, input, null), input, cancellationToken);
            if (claim.Outcome != ClaimOutcome.HeldByAnother)
            {
                return new JourneyAccepted(keyed, JourneyLookup.StatusUri(keyed));
            }

            keyed = ids.Detour(keyed, "start");
        }

        throw new InvalidOperationException($"No journey id for template '{input.TemplateId}' of dealer '{input.DealerId}' was free after {StartAttempts} attempts.");
    }

    /// <summary>
    /// Raises an event into one journey. The event's id travels in its payload; the journey applies an id once (it keeps the
    /// last ids it saw across ContinueAsNew), so a retry is harmless on every engine, including those that deliver twice.
    /// </summary>
    public async Task<EventAccepted> RaiseAsync(string id, string name, JsonNode? payload, string? eventId, Caller caller, CancellationToken cancellationToken)
    {
        var journey = await lookup.LoadAsync(id, caller, cancellationToken);
        if (journey.Status.IsFinished())
        {
            throw JourneyLookup.Finished(journey);
        }

        eventId ??= Guid.NewGuid().ToString("N");
        await lookup.Client.RaiseEventAsync(id, name, WithEventId(payload, eventId), cancellationToken);
        ApiTelemetry.Event("journey", "raised");
        return new EventAccepted(id, name, eventId, Duplicate: false, JourneyLookup.StatusUri(id));
    }

    /// <summary>Raises <paramref name="payload"/> into a journey the caller has already found (the customer-event router, task completion).</summary>
    public Task RaiseAsync(string id, string name, JourneyEventPayload payload, CancellationToken cancellationToken) =>
        lookup.Client.RaiseEventAsync(id, name, payload, cancellationToken);

    public async Task<ControlAccepted> ControlAsync(string id, string action, string? reason, Caller caller, CancellationToken cancellationToken)
    {
        var journey = await lookup.LoadAsync(id, caller, cancellationToken);
        if (journey.Status.IsFinished())
        {
            throw JourneyLookup.Finished(journey);
        }

        var client = lookup.Client;
        var task = action switch
        {
            "terminate" => client.TerminateInstanceAsync(id, new TerminateInstanceOptions { Output = reason }, cancellationToken),
            "suspend" => client.SuspendInstanceAsync(id, reason, cancellationToken),
            "resume" => client.ResumeInstanceAsync(id, reason, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown action."),
        };
        try
        {
            await task;
        }
        catch (InvalidOperationException)
        {
            throw JourneyLookup.Finished(journey); // finished in between
        }

        return new ControlAccepted(id, action, JourneyLookup.StatusUri(id));
    }

    public async Task PurgeAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        var journey = await lookup.LoadAsync(id, caller, cancellationToken);
        if (!journey.Status.IsFinished())
        {
            throw ApiProblemException.Conflict($"Journey '{id}' has not finished; terminate it first, then purge it.");
        }

        await lookup.Client.PurgeInstanceAsync(id, cancellation: cancellationToken);
        await lookup.Index.RemoveAsync(id, cancellationToken); // after the instance: a crash in between leaves a row with no instance, answered 404
    }

    /// <summary>
    /// A one-journey event's payload with its id (which the interpreter reads from it): a body that is a payload already
    /// (<c>data</c> is an object) keeps its fields; any other body is the event's data.
    /// </summary>
    private static JsonObject WithEventId(JsonNode? payload, string eventId)
    {
        if (payload is JsonObject obj && obj["data"] is JsonObject)
        {
            var copy = obj.DeepClone().AsObject();
            copy.Remove("EventId");
            copy["eventId"] = eventId;
            return copy;
        }

        return new JsonObject { ["eventId"] = eventId, ["data"] = payload?.DeepClone() ?? new JsonObject() };
    }
}
