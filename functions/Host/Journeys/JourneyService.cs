using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Host.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;

namespace JourneyOrchestrator.Host.Journeys;

/// <summary>
/// What the journey routes do, over the runtime's <see cref="JourneyClient"/> and the data store: start journeys, fan a
/// customer's event out to their journeys (and start the templates it enters), raise, query and manage journeys. Every
/// input is checked before this is called or here, before anything is stored.
/// </summary>
public sealed partial class JourneyService(
    JourneyClient client,
    IJourneyDataStore data,
    TimeProvider time,
    ILogger<JourneyService> logger)
{
    private static readonly InstanceStatus[] Unfinished = [InstanceStatus.Pending, InstanceStatus.Running, InstanceStatus.Suspended];

    public static string StatusUri(string id) => "/api/journeys/" + Uri.EscapeDataString(id);

    // ---- start -------------------------------------------------------------------------------

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
            Customer = Snapshot(profile),
            Data = request.Data?.DeepClone().AsObject() ?? [],
        };
        var id = request.InstanceId ?? Guid.NewGuid().ToString("N");
        try
        {
            await client.StartAsync(JourneyNames.Orchestration, input, Options(id, input), cancellationToken);
            Log.Started(logger, id, input.TemplateId, input.TemplateVersion, input.DealerId);
        }
        catch (InstanceAlreadyExistsException)
        {
            var existing = await client.GetStatusAsync(id, cancellationToken: cancellationToken);
            if (existing is null || !SameJourney(existing.Instance, input))
            {
                throw ApiProblemException.Conflict($"A journey with id '{id}' already exists for another template, dealer or customer.");
            }
        }

        return new JourneyAccepted(id, StatusUri(id));
    }

    // ---- customer events ---------------------------------------------------------------------

    /// <summary>
    /// Upserts the profile if given, raises the event (with its id, so retries are ignored) into every unfinished journey of
    /// the customer (with the journey key, when given), and starts every template the event enters for which the customer has
    /// no unfinished journey with that key.
    /// </summary>
    public async Task<CustomerEventAccepted> RaiseCustomerEventAsync(string customerId, CustomerEventRequest request, Caller caller, CancellationToken cancellationToken)
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
        var now = time.GetUtcNow();
        if (request.Customer is not null)
        {
            await data.UpsertCustomerAsync(CustomerProfiles.From(dealerId, customerId, request.Customer, now), cancellationToken);
        }

        var profile = await data.GetCustomerAsync(dealerId, customerId, cancellationToken)
            ?? throw ApiProblemException.NotFound($"Dealer '{dealerId}' has no customer '{customerId}': PUT /api/customers/{customerId} first, or send the profile as 'customer'.");
        var eventId = request.EventId ?? Guid.NewGuid().ToString("N");
        var eventData = request.Data?.DeepClone().AsObject() ?? [];
        var payload = new JourneyEventPayload
        {
            EventId = eventId,
            OccurredAt = request.OccurredAt,
            Data = eventData,
            Customer = request.Customer is null ? null : Snapshot(profile),
        };

        var reached = new List<ReachedJourney>();
        var unfinished = await QueryAllAsync(new Dictionary<string, string> { [JourneyNames.DealerTag] = dealerId, [JourneyNames.CustomerTag] = customerId }, Unfinished, cancellationToken);
        foreach (var journey in unfinished.Where(j => request.JourneyKey is null || KeyOf(j) == request.JourneyKey))
        {
            if (TriggerEventId(journey) == eventId)
            {
                reached.Add(new ReachedJourney(journey.InstanceId, "duplicate", StatusUri(journey.InstanceId))); // started by this event before: a retry
                continue;
            }

            var result = await client.RaiseEventAsync(journey.InstanceId, name, payload, eventId, cancellationToken);
            if (result is EnqueueResult.Accepted or EnqueueResult.Duplicate)
            {
                reached.Add(new ReachedJourney(journey.InstanceId, result == EnqueueResult.Accepted ? "raised" : "duplicate", StatusUri(journey.InstanceId)));
            }
        }

        foreach (var template in await data.ListTemplatesAsync(cancellationToken))
        {
            if (!template.EntryEvents.Contains(name, StringComparer.OrdinalIgnoreCase) ||
                unfinished.Any(j => TagOf(j, JourneyNames.TemplateTag) == template.Id && KeyOf(j) == request.JourneyKey))
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
        return new CustomerEventAccepted(eventId, [.. reached.Select(r => r.Id)], reached);
    }

    private async Task<ReachedJourney?> StartFromEntryAsync(
        TemplateSummary template, CustomerProfile profile, CustomerEventRequest request, string name, string eventId, JourneyEventPayload payload, CancellationToken cancellationToken)
    {
        var input = new JourneyInput
        {
            TemplateId = template.Id,
            TemplateVersion = template.LatestVersion,
            DealerId = profile.DealerId,
            CustomerId = profile.Id,
            JourneyKey = request.JourneyKey,
            Customer = Snapshot(profile),
            Data = payload.Data?.DeepClone().AsObject() ?? [],
            Trigger = new JsonObject
            {
                ["name"] = name,
                ["eventId"] = eventId,
                ["occurredAt"] = request.OccurredAt?.ToString("O"),
                ["data"] = payload.Data?.DeepClone() ?? new JsonObject(),
            },
        };

        var id = JourneyIds.ForEntry(profile.DealerId, profile.Id, template.Id, request.JourneyKey);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                await client.StartAsync(JourneyNames.Orchestration, input, Options(id, input), cancellationToken);
                Log.Started(logger, id, input.TemplateId, input.TemplateVersion, input.DealerId);
                return new ReachedJourney(id, "started", StatusUri(id));
            }
            catch (InstanceAlreadyExistsException)
            {
                var existing = (await client.GetStatusAsync(id, cancellationToken: cancellationToken))?.Instance;
                if (existing is null)
                {
                    continue; // purged in between: try again
                }

                if (TriggerEventId(existing) == eventId)
                {
                    return new ReachedJourney(id, "duplicate", StatusUri(id)); // started by this very event before (a retry)
                }

                if (!existing.Status.IsFinished())
                {
                    // Started by another entry event a moment ago: it gets this event like any running journey.
                    var raised = await client.RaiseEventAsync(id, name, payload, eventId, cancellationToken);
                    return raised is EnqueueResult.Accepted or EnqueueResult.Duplicate
                        ? new ReachedJourney(id, raised == EnqueueResult.Accepted ? "raised" : "duplicate", StatusUri(id))
                        : null;
                }

                // The customer's earlier journey of this template has finished: this entry event starts a new one.
                id = JourneyIds.ForReentry(JourneyIds.ForEntry(profile.DealerId, profile.Id, template.Id, request.JourneyKey), eventId);
            }
        }

        return null;
    }

    // ---- one journey -------------------------------------------------------------------------

    public async Task<EventAccepted> RaiseAsync(string id, string name, JsonNode? payload, string? eventId, Caller caller, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(id, caller, cancellationToken);
        if (instance.Status.IsFinished())
        {
            throw Finished(instance);
        }

        eventId ??= Guid.NewGuid().ToString("N");
        var result = await client.RaiseEventAsync(id, name, payload, eventId, cancellationToken);
        return result switch
        {
            EnqueueResult.Accepted or EnqueueResult.Duplicate => new EventAccepted(id, name, eventId, result == EnqueueResult.Duplicate, StatusUri(id)),
            EnqueueResult.InstanceFinished => throw Finished(instance),
            _ => throw ApiProblemException.NotFound($"No journey '{id}'."),
        };
    }

    public async Task<JourneyDetail> GetAsync(string id, bool includeHistory, Caller caller, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(id, caller, cancellationToken);
        var status = ReadStatus(instance);
        var touchpoints = await data.ListTouchpointsAsync(id, cancellationToken);
        JsonNode? history = null;
        if (includeHistory)
        {
            var events = await client.GetStatusAsync(id, includeHistory: true, cancellationToken);
            history = JsonSerializer.SerializeToNode(events?.History ?? [], HistoryJson.Options);
        }

        var input = ReadInput(instance);
        return new JourneyDetail
        {
            Id = instance.InstanceId,
            Status = instance.Status,
            TemplateId = status?.TemplateId ?? input?.TemplateId ?? TagOf(instance, JourneyNames.TemplateTag),
            TemplateVersion = status?.TemplateVersion ?? input?.TemplateVersion,
            DealerId = TagOf(instance, JourneyNames.DealerTag),
            CustomerId = TagOf(instance, JourneyNames.CustomerTag),
            JourneyKey = KeyOf(instance),
            Phase = status?.Phase,
            CurrentSteps = status?.CurrentStep is { } step ? [step] : [],
            WaitingFor = instance.Status.IsFinished() ? [] : status?.WaitingFor ?? [],
            NextTimerDue = instance.Status.IsFinished() ? null : status?.NextTimerDue,
            GoalsReached = status?.GoalsReached ?? [],
            Iteration = status?.Iteration ?? 0,
            LastError = status?.LastError,
            Touchpoints = touchpoints,
            CustomStatus = ParseJson(instance.CustomStatus),
            Output = ParseJson(instance.Output),
            Failure = instance.Failure is { } failure ? $"{failure.ErrorType}: {failure.Message}" : null,
            CreatedAt = instance.CreatedAt,
            LastUpdatedAt = instance.LastUpdatedAt,
            CompletedAt = instance.CompletedAt,
            History = history,
        };
    }

    public async Task<IReadOnlyList<Touchpoint>> TouchpointsAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        await LoadAsync(id, caller, cancellationToken);
        return await data.ListTouchpointsAsync(id, cancellationToken);
    }

    public async Task<JourneyPage> ListAsync(
        string? status, string? template, string? dealer, string? customer, int? pageSize, string? continuationToken, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new FieldErrors();
        List<InstanceStatus>? statuses = null;
        if (status is not null)
        {
            statuses = [];
            foreach (var part in status.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (Enum.TryParse<InstanceStatus>(part, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(part, out _))
                {
                    statuses.Add(parsed);
                }
                else
                {
                    errors.Add("status", $"'{part}' is not a status; use Pending, Running, Completed, Failed, Terminated or Suspended (comma-separated).");
                }
            }
        }

        if (template is not null && !InputRules.IsTemplateId(template))
        {
            errors.Add("template", "Must be a template id: lowercase letters, digits and '-'.");
        }

        errors.Id("dealer", dealer, required: false);
        errors.Id("customer", customer, required: false);
        if (pageSize is < 1 or > 1000)
        {
            errors.Add("pageSize", "Must be between 1 and 1000.");
        }

        if (continuationToken is { Length: > 1000 })
        {
            errors.Add("continuationToken", "Is not a token from a previous page.");
        }

        errors.ThrowIfAny();
        var scoped = caller.ScopeDealer(dealer, "journeys");
        var tags = new Dictionary<string, string>();
        if (scoped is not null)
        {
            tags[JourneyNames.DealerTag] = scoped;
        }

        if (template is not null)
        {
            tags[JourneyNames.TemplateTag] = template;
        }

        if (customer is not null)
        {
            tags[JourneyNames.CustomerTag] = customer;
        }

        InstancePage page;
        try
        {
            page = await client.QueryAsync(new InstanceQuery
            {
                Name = JourneyNames.Orchestration,
                Statuses = statuses,
                Tags = tags,
                PageSize = pageSize ?? 50,
                ContinuationToken = continuationToken,
            }, cancellationToken);
        }
        catch (Exception e) when (continuationToken is not null && e is FormatException or ArgumentException or JsonException)
        {
            throw ApiProblemException.Invalid("continuationToken", "Is not a token from a previous page.");
        }

        return new JourneyPage([.. page.Instances.Select(Summary)], page.ContinuationToken);
    }

    /// <summary>The journeys of one customer (newest last), at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<JourneySummary>> CustomerJourneysAsync(string dealerId, string customerId, int max, CancellationToken cancellationToken)
    {
        var page = await client.QueryAsync(new InstanceQuery
        {
            Name = JourneyNames.Orchestration,
            Tags = new Dictionary<string, string> { [JourneyNames.DealerTag] = dealerId, [JourneyNames.CustomerTag] = customerId },
            PageSize = max,
        }, cancellationToken);
        return [.. page.Instances.Select(Summary)];
    }

    public async Task<ControlAccepted> ControlAsync(string id, string action, string? reason, Caller caller, CancellationToken cancellationToken)
    {
        var instance = await LoadAsync(id, caller, cancellationToken);
        if (instance.Status.IsFinished())
        {
            throw Finished(instance);
        }

        var result = action switch
        {
            "terminate" => await client.TerminateAsync(id, reason, cancellationToken),
            "suspend" => await client.SuspendAsync(id, reason, cancellationToken),
            "resume" => await client.ResumeAsync(id, reason, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown action."),
        };
        return result switch
        {
            EnqueueResult.Accepted or EnqueueResult.Duplicate => new ControlAccepted(id, action, StatusUri(id)),
            EnqueueResult.InstanceFinished => throw Finished(instance),
            _ => throw ApiProblemException.NotFound($"No journey '{id}'."),
        };
    }

    public async Task PurgeAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        await LoadAsync(id, caller, cancellationToken);
        switch (await client.PurgeAsync(id, cancellationToken))
        {
            case PurgeResult.Purged:
                return;
            case PurgeResult.NotFinished:
                throw ApiProblemException.Conflict($"Journey '{id}' has not finished; terminate it first, then purge it.");
            default:
                throw ApiProblemException.NotFound($"No journey '{id}'.");
        }
    }

    /// <summary>The journey, if it exists (404) and the caller may see it (403).</summary>
    public async Task<InstanceRecord> LoadAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        InputRules.InstanceId(id, "id");
        var state = await client.GetStatusAsync(id, cancellationToken: cancellationToken);
        if (state is null || state.Instance.Name != JourneyNames.Orchestration)
        {
            throw ApiProblemException.NotFound($"No journey '{id}'.");
        }

        caller.EnsureAccess(TagOf(state.Instance, JourneyNames.DealerTag), "journeys");
        return state.Instance;
    }

    // ---- helpers -----------------------------------------------------------------------------

    private static ApiProblemException Finished(InstanceRecord instance) =>
        ApiProblemException.Gone($"Journey '{instance.InstanceId}' has finished ({instance.Status}); it takes no more events or commands.");

    private static StartOptions Options(string id, JourneyInput input)
    {
        var tags = new Dictionary<string, string>
        {
            [JourneyNames.DealerTag] = input.DealerId,
            [JourneyNames.CustomerTag] = input.CustomerId,
            [JourneyNames.TemplateTag] = input.TemplateId,
        };
        if (input.JourneyKey is not null)
        {
            tags[JourneyNames.JourneyKeyTag] = input.JourneyKey;
        }

        return new StartOptions { InstanceId = id, Tags = tags, Version = input.TemplateVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) };
    }

    private static bool SameJourney(InstanceRecord existing, JourneyInput input) =>
        existing.Name == JourneyNames.Orchestration &&
        TagOf(existing, JourneyNames.DealerTag) == input.DealerId &&
        TagOf(existing, JourneyNames.CustomerTag) == input.CustomerId &&
        TagOf(existing, JourneyNames.TemplateTag) == input.TemplateId;

    private Task<List<InstanceRecord>> QueryAllAsync(Dictionary<string, string> tags, InstanceStatus[] statuses, CancellationToken cancellationToken) =>
        client.QueryAllAsync(new InstanceQuery { Name = JourneyNames.Orchestration, Statuses = statuses, Tags = tags, PageSize = 1000 }, cancellationToken);

    public static JourneySummary Summary(InstanceRecord instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var status = ReadStatus(instance);
        return new JourneySummary
        {
            Id = instance.InstanceId,
            Status = instance.Status,
            TemplateId = status?.TemplateId ?? TagOf(instance, JourneyNames.TemplateTag),
            TemplateVersion = status?.TemplateVersion ?? (int.TryParse(instance.Version, out var v) ? v : null),
            DealerId = TagOf(instance, JourneyNames.DealerTag),
            CustomerId = TagOf(instance, JourneyNames.CustomerTag),
            JourneyKey = KeyOf(instance),
            Phase = status?.Phase,
            CurrentSteps = status?.CurrentStep is { } step ? [step] : [],
            CreatedAt = instance.CreatedAt,
            LastUpdatedAt = instance.LastUpdatedAt,
            CompletedAt = instance.CompletedAt,
            StatusUri = StatusUri(instance.InstanceId),
        };
    }

    private static string? TagOf(InstanceRecord instance, string tag) => instance.Tags.GetValueOrDefault(tag);

    private static string? KeyOf(InstanceRecord instance) => TagOf(instance, JourneyNames.JourneyKeyTag);

    private static JourneyStatus? ReadStatus(InstanceRecord instance)
    {
        try
        {
            return JsonData.Deserialize<JourneyStatus>(instance.CustomStatus);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JourneyInput? ReadInput(InstanceRecord instance)
    {
        try
        {
            return JsonData.Deserialize<JourneyInput>(instance.Input);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The id of the entry event that started the journey, if one did.</summary>
    private static string? TriggerEventId(InstanceRecord instance)
    {
        try
        {
            return instance.Input is null ? null : JsonNode.Parse(instance.Input)?["trigger"]?["eventId"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static JsonNode? ParseJson(string? json)
    {
        if (json is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    private static JsonObject Snapshot(CustomerProfile profile) => JsonSerializer.SerializeToNode(profile, JsonData.Options)!.AsObject();

    private static partial class Log
    {
        [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Started journey {JourneyId} of template {TemplateId} v{Version} for dealer {DealerId}.")]
        public static partial void Started(ILogger logger, string journeyId, string templateId, int version, string dealerId);

        [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Customer event {EventName} ({EventId}) of dealer {DealerId} reached {Count} journey(s).")]
        public static partial void CustomerEvent(ILogger logger, string eventName, string eventId, string dealerId, int count);
    }
}
