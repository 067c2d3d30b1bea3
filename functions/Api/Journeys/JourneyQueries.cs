using System.Text.Json;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using CoreFailure = JourneyOrchestrator.Core.History.FailureDetails;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>
/// What the journey routes read, on any engine: one journey (status, history, touchpoints), a filtered list, a customer's
/// journeys. Lists come from the journey index (an index range, never a scan of all journeys) with each journey's state
/// read from the engine by id.
/// </summary>
public sealed class JourneyQueries(JourneyLookup lookup, IJourneyDataStore data)
{
    public async Task<JourneyDetail> GetAsync(string id, bool includeHistory, Caller caller, CancellationToken cancellationToken)
    {
        var journey = await lookup.LoadAsync(id, caller, cancellationToken, withInputs: true);
        var (entry, instance) = (journey.Entry, journey.Instance);
        var status = JourneyLookup.ReadStatus(instance);
        var touchpoints = await data.ListTouchpointsAsync(id, cancellationToken);
        System.Text.Json.Nodes.JsonNode? history = null;
        if (includeHistory)
        {
            var events = DurableTaskHistory.FromDurableTask(await lookup.Client.GetOrchestrationHistoryAsync(id, cancellationToken));
            history = FailureViews.Redact(JsonSerializer.SerializeToNode(events, HistoryJson.Options), caller);
        }

        var finished = journey.Status.IsFinished();
        var failure = instance.FailureDetails is { } f ? new CoreFailure(f.ErrorType, f.ErrorMessage, f.StackTrace) : null;
        return new JourneyDetail
        {
            Id = entry.JourneyId,
            Status = journey.Status,
            TemplateId = entry.TemplateId,
            TemplateVersion = status?.TemplateVersion ?? entry.TemplateVersion,
            DealerId = entry.DealerId,
            CustomerId = entry.CustomerId,
            JourneyKey = JourneyLookup.ReadInput(instance)?.JourneyKey,
            Phase = status?.Phase,
            CurrentSteps = status?.CurrentStep is { } step ? [step] : [],
            WaitingFor = finished ? [] : status?.WaitingFor ?? [],
            NextTimerDue = finished ? null : status?.NextTimerDue,
            GoalsReached = status?.GoalsReached ?? [],
            Iteration = status?.Iteration ?? 0,
            LastError = status?.LastError,
            Touchpoints = touchpoints,
            CustomStatus = JourneyLookup.ParseJson(instance.SerializedCustomStatus),
            Output = JourneyLookup.ParseJson(instance.SerializedOutput),
            Failure = FailureViews.Describe(failure, caller),
            CreatedAt = instance.CreatedAt,
            LastUpdatedAt = instance.LastUpdatedAt,
            CompletedAt = JourneyLookup.CompletedAt(journey),
            History = history,
        };
    }

    public async Task<IReadOnlyList<Touchpoint>> TouchpointsAsync(string id, Caller caller, CancellationToken cancellationToken)
    {
        await lookup.LoadAsync(id, caller, cancellationToken);
        return await data.ListTouchpointsAsync(id, cancellationToken);
    }

    /// <summary>
    /// A page of journeys, newest first. Filters on dealer, template and customer are index ranges; status, version (the version
    /// a journey runs now) and phase filters are applied to each page after the engine's states are read, so a page may hold fewer than <paramref name="pageSize"/>
    /// journeys while a <c>continuationToken</c> still follows (documented in docs/dealer-integration.md).
    /// </summary>
    public async Task<JourneyPage> ListAsync(
        string? status, string? template, string? dealer, string? customer, int? pageSize, string? continuationToken, Caller caller, CancellationToken cancellationToken,
        int? version = null, string? phase = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new FieldErrors();
        HashSet<InstanceStatus>? statuses = null;
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

        if (version is not null && template is null)
        {
            errors.Add("version", "Needs template too: versions are per template.");
        }
        else if (version is < 1)
        {
            errors.Add("version", "Must be 1 or more.");
        }

        if (phase is not null && !Templates.Model.Phases.All.Contains(phase))
        {
            errors.Add("phase", $"'{phase}' is not a phase; use {string.Join(", ", Templates.Model.Phases.All)}.");
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
        if (customer is not null && scoped is null)
        {
            throw ApiProblemException.Invalid("customer", "Needs dealer too: customer ids are per dealer (a dealer key's own dealer is implied).");
        }

        bool? finished = statuses switch
        {
            { Count: > 0 } when statuses.All(s => s.IsFinished()) => true,
            // A journey not yet marked finished may be finished: read, then filtered below.
            { Count: > 0 } when statuses.All(s => !s.IsFinished()) => false,
            _ => null,
        };

        JourneyIndexPage page;
        try
        {
            page = await lookup.Index.QueryAsync(new JourneyIndexQuery
            {
                DealerId = scoped,
                TemplateId = template,
                CustomerId = customer,
                Finished = finished == false ? false : null, // "finished" is set lazily: a finished-only filter cannot trust it
                PageSize = pageSize ?? 50,
                ContinuationToken = continuationToken,
            }, cancellationToken);
        }
        catch (FormatException) when (continuationToken is not null)
        {
            throw ApiProblemException.Invalid("continuationToken", "Is not a token from a previous page.");
        }

        var items = new List<JourneySummary>(page.Entries.Count);
        foreach (var entry in page.Entries)
        {
            if (await lookup.FindAsync(entry, withInputs: true, cancellationToken) is { } journey && (statuses is not { Count: > 0 } || statuses.Contains(journey.Status)))
            {
                var summary = JourneyLookup.Summary(journey);
                if ((version is null || summary.TemplateVersion == version) && (phase is null || summary.Phase == phase))
                {
                    items.Add(summary);
                }
            }
        }

        return new JourneyPage(items, page.ContinuationToken);
    }

    /// <summary>The journeys of one customer (newest first), at most <paramref name="max"/>.</summary>
    public async Task<IReadOnlyList<JourneySummary>> CustomerJourneysAsync(string dealerId, string customerId, int max, CancellationToken cancellationToken)
    {
        var items = new List<JourneySummary>();
        foreach (var entry in await lookup.Index.ListByCustomerAsync(dealerId, customerId, unfinishedOnly: false, Math.Clamp(max, 1, JourneyLookup.MaxJourneysPerCustomer), cancellationToken))
        {
            if (await lookup.FindAsync(entry, withInputs: true, cancellationToken) is { } journey)
            {
                items.Add(JourneyLookup.Summary(journey));
            }
        }

        return items;
    }
}
