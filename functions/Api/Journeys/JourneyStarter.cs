using JourneyOrchestrator.Templates.Data;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>What <see cref="JourneyStarter.ClaimAsync"/> found.</summary>
public enum ClaimOutcome
{
    /// <summary>The id was free: this call wrote the index row and started the journey.</summary>
    Started,
    /// <summary>The id is this owner's already (a retry, an entry event of the same key, a concurrent start): see the row and the instance.</summary>
    Exists,
    /// <summary>The id is held by a journey of another dealer, customer, template or journey key: never touch it.</summary>
    HeldByAnother,
}

/// <summary>The result of a claim: the row that holds the id and, unless <see cref="ClaimOutcome.HeldByAnother"/>, its instance.</summary>
public sealed record Claim(ClaimOutcome Outcome, JourneyIndexEntry Entry, LoadedJourney? Journey);

/// <summary>
/// Starts journeys on any engine, crash-safe: the index row is written first (it is the claim on the id), then the engine's
/// instance. A crash between the two leaves a row without an instance; the next claim of that id (a retry derives the same
/// id) finds the row, sees no instance and starts it. The engine start never replaces an existing instance (every status
/// is a dedupe status), so two processes claiming one id at once start it once.
/// </summary>
public sealed partial class JourneyStarter(JourneyLookup lookup, JourneyIds ids, TimeProvider time, ILogger<JourneyStarter> logger, MilestonePublishing? milestones = null)
{
    private static readonly IReadOnlyList<OrchestrationRuntimeStatus> AnyStatus = Enum.GetValues<OrchestrationRuntimeStatus>();

    /// <summary>The index row a start of <paramref name="input"/> under <paramref name="id"/> writes.</summary>
    public JourneyIndexEntry Entry(string id, JourneyInput input, string? triggerEventId)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new JourneyIndexEntry
        {
            JourneyId = id,
            DealerId = input.DealerId,
            CustomerId = input.CustomerId,
            TemplateId = input.TemplateId,
            TemplateVersion = input.TemplateVersion,
            KeyHash = input.JourneyKey is null ? null : ids.KeyTag(input.DealerId, input.CustomerId, input.JourneyKey), // never the key itself
            TriggerEventId = triggerEventId,
            CreatedAt = time.GetUtcNow(),
        };
    }

    /// <summary>Is <paramref name="existing"/> the journey of <paramref name="wanted"/>'s dealer, customer, template and journey key?</summary>
    public static bool SameOwner(JourneyIndexEntry existing, JourneyIndexEntry wanted)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(wanted);
        return existing.DealerId == wanted.DealerId && existing.CustomerId == wanted.CustomerId &&
            existing.TemplateId == wanted.TemplateId && existing.KeyHash == wanted.KeyHash;
    }

    /// <summary>Does the instance's input name <paramref name="wanted"/>'s dealer, customer, template and journey key?</summary>
    private bool SameOwner(LoadedJourney existing, JourneyIndexEntry wanted)
    {
        var input = JourneyLookup.ReadInput(existing.Instance);
        return input is not null && input.DealerId == wanted.DealerId && input.CustomerId == wanted.CustomerId && input.TemplateId == wanted.TemplateId &&
            (input.JourneyKey is null ? null : ids.KeyTag(input.DealerId, input.CustomerId, input.JourneyKey)) == wanted.KeyHash;
    }

    /// <summary>Claims <paramref name="entry"/>'s id for it and makes sure its instance exists (starting it with <paramref name="input"/> if not).</summary>
    public async Task<Claim> ClaimAsync(JourneyIndexEntry entry, JourneyInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var held = await lookup.Index.AddOrGetAsync(entry, cancellationToken);
        if (!SameOwner(held, entry))
        {
            Log.IdHeldByAnother(logger, entry.JourneyId, entry.TemplateId, entry.DealerId);
            return new Claim(ClaimOutcome.HeldByAnother, held, null);
        }

        if (await lookup.FindAsync(held, withInputs: true, cancellationToken) is { } existing)
        {
            // The row is this owner's; the instance must be too. An instance the row did not create (made beside the API,
            // or left by a build from before the index) is never joined, whoever it belongs to.
            if (SameOwner(existing, entry))
            {
                return new Claim(ClaimOutcome.Exists, held, existing);
            }

            // The row (ours, perhaps just written) describes an instance it does not own: drop it, so that no route
            // answers for that instance in this owner's name.
            await lookup.Index.RemoveAsync(entry.JourneyId, cancellationToken);
            Log.IdHeldByAnother(logger, entry.JourneyId, entry.TemplateId, entry.DealerId);
            return new Claim(ClaimOutcome.HeldByAnother, held, null);
        }

        try
        {
            await lookup.Client.ScheduleNewOrchestrationInstanceAsync(
                JourneyNames.Orchestration,
                input with { PublishMilestones = (milestones ?? MilestonePublishing.Off).Enabled },
                new StartOrchestrationOptions(entry.JourneyId) { DedupeStatuses = [.. AnyStatus.Select(s => s.ToString())] },
                cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Started by another process a moment ago (the engines report that differently): then it is there now.
            if (await lookup.FindAsync(held, withInputs: false, cancellationToken) is { } raced)
            {
                return new Claim(ClaimOutcome.Exists, held, raced);
            }

            throw;
        }

        Log.Started(logger, entry.JourneyId, input.TemplateId, input.TemplateVersion, input.DealerId);
        // Also when the row was left by an interrupted start: this call started the instance.
        return new Claim(ClaimOutcome.Started, held, await lookup.FindAsync(held, withInputs: false, cancellationToken));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Started journey {JourneyId} of template {TemplateId} v{Version} for dealer {DealerId}.")]
        public static partial void Started(ILogger logger, string journeyId, string templateId, int version, string dealerId);

        [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "Journey id {JourneyId} is held by a journey of another dealer, customer, template or journey key; template {TemplateId} of dealer {DealerId} starts under another id.")]
        public static partial void IdHeldByAnother(ILogger logger, string journeyId, string templateId, string dealerId);
    }
}
