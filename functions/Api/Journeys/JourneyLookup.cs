using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>A journey as the API sees it: its index row (owner, template, key) and the engine's instance (status, input, custom status).</summary>
public sealed record LoadedJourney(JourneyIndexEntry Entry, OrchestrationMetadata Instance)
{
    public InstanceStatus Status => JourneyLookup.StatusOf(Instance.RuntimeStatus);
}

/// <summary>
/// Finds journeys for the journey services (<see cref="JourneyCommands"/>, <see cref="JourneyQueries"/>,
/// <see cref="CustomerEventRouter"/>), on any engine: the owner comes from the journey index (<see cref="IJourneyIndex"/>),
/// the state from the SDK's <see cref="DurableTaskClient"/> (the embedded engine, DurableTask.AzureStorage, or Durable
/// Functions). A journey of another dealer, an instance without an index row (nobody started it through this API) and an
/// index row without an instance (a start interrupted between the two writes) all answer as unknown.
/// </summary>
public sealed class JourneyLookup(DurableTaskClient client, IJourneyIndex index)
{
    /// <summary>How many of a customer's journeys one customer event or one customer view reads at most.</summary>
    public const int MaxJourneysPerCustomer = 1000;

    public DurableTaskClient Client => client;
    public IJourneyIndex Index => index;

    public static string StatusUri(string id) => "/api/journeys/" + Uri.EscapeDataString(id);

    /// <summary>The journey if it exists and <paramref name="caller"/> may see it; else the one 404 for unknown and foreign journeys.</summary>
    public async Task<LoadedJourney> LoadAsync(string id, Caller caller, CancellationToken cancellationToken, bool withInputs = false)
    {
        ArgumentNullException.ThrowIfNull(caller);
        InputRules.InstanceId(id, "id");
        var entry = await index.GetAsync(id, cancellationToken);
        if (entry is null || !caller.MayAccess(entry.DealerId))
        {
            throw NoJourney(id);
        }

        return await FindAsync(entry, withInputs, cancellationToken)
            ?? throw (entry.Finished
                ? ApiProblemException.Gone($"Journey '{id}' has ended and its data was purged (erased or past retention); it takes no more events or commands.")
                : NoJourney(id)); // a row whose start was interrupted: the journey never began
    }

    /// <summary>The engine's instance of an index row (null when it has none), marking the row finished when the instance is.</summary>
    public async Task<LoadedJourney?> FindAsync(JourneyIndexEntry entry, bool withInputs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var instance = await client.GetInstanceAsync(entry.JourneyId, withInputs, cancellationToken);
        if (instance is null || instance.Name != JourneyNames.Orchestration)
        {
            return null;
        }

        var journey = new LoadedJourney(entry, instance);
        if (!entry.Finished && journey.Status.IsFinished())
        {
            await index.MarkFinishedAsync(entry.JourneyId, cancellationToken);
            journey = journey with { Entry = entry with { Finished = true } };
        }

        return journey;
    }

    /// <summary>The unfinished journeys of a customer (newest first), each with its instance.</summary>
    public async Task<List<LoadedJourney>> UnfinishedOfCustomerAsync(string dealerId, string customerId, CancellationToken cancellationToken)
    {
        var result = new List<LoadedJourney>();
        foreach (var entry in await index.ListByCustomerAsync(dealerId, customerId, unfinishedOnly: true, MaxJourneysPerCustomer, cancellationToken))
        {
            if (await FindAsync(entry, withInputs: false, cancellationToken) is { } journey && !journey.Status.IsFinished())
            {
                result.Add(journey);
            }
        }

        return result;
    }

    /// <summary>The one answer for an unknown journey and for another dealer's journey.</summary>
    public static ApiProblemException NoJourney(string id) => ApiProblemException.NotFound($"No journey '{id}'.");

    public static ApiProblemException Finished(LoadedJourney journey)
    {
        ArgumentNullException.ThrowIfNull(journey);
        return ApiProblemException.Gone($"Journey '{journey.Entry.JourneyId}' has finished ({journey.Status}); it takes no more events or commands.");
    }

    public static InstanceStatus StatusOf(OrchestrationRuntimeStatus status) => status switch
    {
        OrchestrationRuntimeStatus.Pending => InstanceStatus.Pending,
        OrchestrationRuntimeStatus.Running => InstanceStatus.Running,
        OrchestrationRuntimeStatus.Completed => InstanceStatus.Completed,
        OrchestrationRuntimeStatus.Failed => InstanceStatus.Failed,
        OrchestrationRuntimeStatus.Suspended => InstanceStatus.Suspended,
        _ => InstanceStatus.Terminated, // Terminated, Canceled
    };

    public static JourneySummary Summary(LoadedJourney journey)
    {
        ArgumentNullException.ThrowIfNull(journey);
        var (entry, instance) = (journey.Entry, journey.Instance);
        var status = ReadStatus(instance);
        return new JourneySummary
        {
            Id = entry.JourneyId,
            Status = journey.Status,
            TemplateId = entry.TemplateId,
            TemplateVersion = status?.TemplateVersion ?? entry.TemplateVersion,
            DealerId = entry.DealerId,
            CustomerId = entry.CustomerId,
            JourneyKey = ReadInput(instance)?.JourneyKey, // the index holds only a hash of it
            Phase = status?.Phase,
            CurrentSteps = status?.CurrentStep is { } step ? [step] : [],
            CreatedAt = instance.CreatedAt,
            LastUpdatedAt = instance.LastUpdatedAt,
            CompletedAt = CompletedAt(journey),
            StatusUri = StatusUri(entry.JourneyId),
        };
    }

    public static DateTimeOffset? CompletedAt(LoadedJourney journey)
    {
        ArgumentNullException.ThrowIfNull(journey);
        return journey.Status.IsFinished() ? journey.Instance.LastUpdatedAt : null;
    }

    public static JourneyStatus? ReadStatus(OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            return JsonData.Deserialize<JourneyStatus>(instance.SerializedCustomStatus);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JourneyInput? ReadInput(OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        try
        {
            return JsonData.Deserialize<JourneyInput>(instance.SerializedInput);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JsonNode? ParseJson(string? json)
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
}
