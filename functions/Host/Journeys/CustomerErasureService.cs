using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Host.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Host.Journeys;

/// <summary>
/// Erases a customer of a dealer (GDPR right to erasure): their journeys (history payloads, instance fields, inbox, outbox;
/// ended), their delivery data (ledger, suppressions; an erased-address marker keeps the address from being mailed again),
/// their profile, tasks and dev-mailbox messages (touchpoints are kept, anonymised), and writes an audit record without
/// personal data. What counts as personal data, and why each step is where it is: <c>docs/delivery.md</c>, "Erasure".
/// </summary>
/// <remarks>
/// <para><b>Restartable.</b> The audit record is saved first (state <c>started</c>) and after every step; each step is
/// idempotent. The address is needed by the delivery step, so the profile (which holds it) is deleted last. A crash at any
/// point leaves either the profile, a journey still tagged with the customer id, or a <c>started</c> record, so calling
/// again finds the erasure and finishes it (the counts add up across the runs).</para>
/// <para><b>Idempotent.</b> Calling again after it completed (nothing left to erase) answers with the same record.</para>
/// <para><b>No race with a running episode.</b> A journey whose instance a worker holds (an episode is running) is tried
/// again for a short while; if it stays locked the call answers 409 and, called again, resumes.</para>
/// </remarks>
public sealed partial class CustomerErasureService(
    JourneyClient client,
    IJourneyDataStore data,
    IDeliveryStore delivery,
    IDeadLetterStore deadLetters,
    ErasureHasher hasher,
    TimeProvider time,
    ILogger<CustomerErasureService> logger)
{
    /// <summary>The reason recorded in erased journeys (no personal data).</summary>
    public const string Reason = "personal data erased on request (GDPR art. 17)";

    /// <summary>What replaces an erased journey's <c>journeyKey</c> tag (dealers use e-mail addresses and deal numbers as keys).</summary>
    public const string ErasedKey = "erased";

    private const int LockedAttempts = 20;
    private static readonly TimeSpan LockedPause = TimeSpan.FromMilliseconds(100);

    public async Task<ErasureRecord> EraseAsync(string dealerId, string customerId, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var customerHash = hasher.CustomerHash(dealerId, customerId);
        var pseudonym = hasher.Pseudonym(dealerId, customerId);
        var profile = await data.GetCustomerAsync(dealerId, customerId, cancellationToken);
        var journeys = await TaggedInstancesAsync(dealerId, customerId, cancellationToken);
        var found = await data.ListErasuresAsync(dealerId, customerHash, 1, cancellationToken);
        var latest = found.Count > 0 ? found[0] : null;
        if (profile is null && journeys.Count == 0)
        {
            if (latest is null)
            {
                throw ApiProblemException.NotFound($"Dealer '{dealerId}' has no customer '{customerId}' (and none was erased).");
            }

            if (latest.State == ErasureStates.Completed)
            {
                // Erased already: sweep what an activity that was running during the erase may have written since, and
                // answer as the first time.
                await RemoveDeadLettersAsync(dealerId, await ErasedInstancesAsync(dealerId, pseudonym, cancellationToken), cancellationToken);
                await delivery.EraseCustomerAsync(dealerId, customerId, null, null, time.GetUtcNow(), cancellationToken);
                await data.EraseCustomerAsync(dealerId, customerId, null, pseudonym, cancellationToken);
                return latest;
            }
        }

        var record = latest is { State: ErasureStates.Started } ? latest : new ErasureRecord
        {
            Id = "erasure-" + Guid.NewGuid().ToString("N"),
            DealerId = dealerId,
            CustomerHash = customerHash,
            State = ErasureStates.Started,
            Actor = caller.Role,
            RequestedAt = time.GetUtcNow(),
        };
        await data.SaveErasureAsync(record, cancellationToken);
        Log.Started(logger, record.Id, dealerId);

        // 1. Delivery first: the erased-address marker stops every send to the address from here on (an activity that is
        //    running now checks it again just before it calls the provider), and it needs the address, which the profile holds.
        //    The CRM dead letters of the customer's journeys (also those erased by an interrupted earlier run) go with it.
        var deadLetters = await RemoveDeadLettersAsync(dealerId, [.. journeys, .. await ErasedInstancesAsync(dealerId, pseudonym, cancellationToken)], cancellationToken);
        var address = profile?.Email;
        var sends = await delivery.EraseCustomerAsync(
            dealerId, customerId, address, address is null ? null : hasher.AddressHash(dealerId, address), time.GetUtcNow(), cancellationToken);
        record = record with
        {
            DeliveryRows = record.DeliveryRows + sends.Sends,
            Suppressions = record.Suppressions + sends.Suppressions,
            DeadLetters = record.DeadLetters + deadLetters,
        };
        await data.SaveErasureAsync(record, cancellationToken);

        // 2. The journeys: each one in one store transaction; its customer tag becomes the pseudonym, its journey key (a
        //    dealer's key may be an e-mail address) "erased".
        var tags = new Dictionary<string, string> { [JourneyNames.CustomerTag] = pseudonym, [JourneyNames.JourneyKeyTag] = ErasedKey };
        foreach (var journey in journeys)
        {
            var result = await EraseJourneyAsync(journey.InstanceId, tags, cancellationToken);
            if (result.Outcome == EraseOutcome.Erased)
            {
                record = record with
                {
                    Journeys = record.Journeys + 1,
                    HistoryEvents = record.HistoryEvents + result.HistoryEventsRewritten,
                    PendingWork = record.PendingWork + result.MessagesDeleted + result.ActivitiesDeleted,
                };
                await data.SaveErasureAsync(record, cancellationToken);
            }
        }

        // 3. The product data, the profile last of all (one transaction).
        var erased = await data.EraseCustomerAsync(dealerId, customerId, address, pseudonym, cancellationToken);
        record = record with
        {
            Profile = record.Profile || erased.Profile,
            Tasks = record.Tasks + erased.Tasks,
            Touchpoints = record.Touchpoints + erased.Touchpoints,
            MailboxMessages = record.MailboxMessages + erased.MailboxMessages,
            State = ErasureStates.Completed,
            CompletedAt = time.GetUtcNow(),
        };
        await data.SaveErasureAsync(record, cancellationToken);
        Log.Completed(logger, record.Id, dealerId, record.Journeys);
        return record;
    }

    /// <summary>The audit records, newest first.</summary>
    public Task<IReadOnlyList<ErasureRecord>> ListAsync(string? dealerId, int limit, CancellationToken cancellationToken) =>
        data.ListErasuresAsync(dealerId, null, limit, cancellationToken);

    private async Task<EraseResult> EraseJourneyAsync(string instanceId, Dictionary<string, string> tags, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var result = await client.EraseAsync(instanceId, JourneyRedaction.Redact, Reason, tags, cancellationToken);
            if (result.Outcome != EraseOutcome.Locked)
            {
                return result;
            }

            if (attempt == LockedAttempts)
            {
                throw ApiProblemException.Conflict(
                    $"Journey '{instanceId}' is being processed by a worker right now. Nothing of it was erased yet; call erase again: it resumes where it stopped.");
            }

            // A real pause (not the runtime clock): an episode holds its lock for milliseconds.
            await Task.Delay(LockedPause, cancellationToken);
        }
    }

    /// <summary>The journeys erased before (tagged with the pseudonym): an interrupted run's, or those of an earlier erase.</summary>
    private Task<List<InstanceRecord>> ErasedInstancesAsync(string dealerId, string pseudonym, CancellationToken cancellationToken) =>
        TaggedInstancesAsync(dealerId, pseudonym, cancellationToken);

    /// <summary>
    /// Removes the dealer's CRM dead letters of <paramref name="journeys"/> (a dead letter names the task and the journey; the
    /// task, and with it what the CRM was sent, is deleted by the erase). Returns how many.
    /// </summary>
    private async Task<int> RemoveDeadLettersAsync(string dealerId, List<InstanceRecord> journeys, CancellationToken cancellationToken)
    {
        if (journeys.Count == 0)
        {
            return 0;
        }

        var ids = journeys.Select(j => j.InstanceId).ToHashSet(StringComparer.Ordinal);
        var removed = 0;
        foreach (var letter in await deadLetters.ListDeadLettersAsync(dealerId, cancellationToken))
        {
            if (ids.Contains(letter.JourneyId) && await deadLetters.RemoveDeadLetterAsync(letter.Id, cancellationToken))
            {
                removed++;
            }
        }

        return removed;
    }

    private Task<List<InstanceRecord>> TaggedInstancesAsync(string dealerId, string customerId, CancellationToken cancellationToken) =>
        client.QueryAllAsync(new InstanceQuery
        {
            Tags = new Dictionary<string, string> { [JourneyNames.DealerTag] = dealerId, [JourneyNames.CustomerTag] = customerId },
            PageSize = 1000,
        }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Erasure {ErasureId} of a customer of dealer {DealerId} started.")]
        public static partial void Started(ILogger logger, string erasureId, string dealerId);

        [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Erasure {ErasureId} of a customer of dealer {DealerId} completed ({Journeys} journey(s) erased).")]
        public static partial void Completed(ILogger logger, string erasureId, string dealerId, int journeys);
    }
}
