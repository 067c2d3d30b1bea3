using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>
/// Erases a customer of a dealer (GDPR right to erasure): their journeys (ended and purged from
/// the engine: history, input, state), their delivery data (ledger, suppressions; an erased-address marker keeps the address from being mailed again),
/// their profile, tasks and dev-mailbox messages (touchpoints are kept, anonymised), and writes an audit record without
/// personal data. What counts as personal data, and why each step is where it is: <c>docs/delivery.md</c>, "Erasure".
/// </summary>
/// <remarks>
/// <para><b>Restartable.</b> The audit record is saved first (state <c>started</c>) and after every step; each step is
/// idempotent. The address is needed by the delivery step, so the profile (which holds it) is deleted last. A crash at any
/// point leaves either the profile, a journey still tagged with the customer id, or a <c>started</c> record, so calling
/// again finds the erasure and finishes it (the counts add up across the runs).</para>
/// <para><b>Idempotent.</b> Calling again after it completed (nothing left to erase) answers with the same record.</para>
/// <para><b>Any engine.</b> A journey is terminated (if it runs) and purged through the SDK's client, so its history, input
/// and state are deleted by the engine itself; if the engine does not end it within a bounded wait the call answers 409
/// and, called again, resumes.</para>
/// </remarks>
public sealed partial class CustomerErasureService(
    JourneyLookup lookup,
    IJourneyDataStore data,
    IDeliveryStore delivery,
    IDeadLetterStore deadLetters,
    ErasureHasher hasher,
    TimeProvider time,
    ILogger<CustomerErasureService> logger)
{
    /// <summary>The reason recorded in erased journeys (no personal data).</summary>
    public const string Reason = "personal data erased on request (GDPR art. 17)";

    /// <summary>How long erase waits for the engine to end a terminated journey (real time: DurableTask.AzureStorage takes a poll or two).</summary>
    private static readonly TimeSpan EndWait = TimeSpan.FromSeconds(30);

    public async Task<ErasureRecord> EraseAsync(string dealerId, string customerId, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var customerHash = hasher.CustomerHash(dealerId, customerId);
        var pseudonym = hasher.Pseudonym(dealerId, customerId);
        var profile = await data.GetCustomerAsync(dealerId, customerId, cancellationToken);
        var journeys = await CustomerJourneysAsync(dealerId, customerId, cancellationToken);
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

        // 2. The journeys: each one ended (terminated if it runs) and purged from the engine (history, input, state: the
        //    personal data in it is gone on every engine); its index row keeps the pseudonym and no key, for reporting.
        foreach (var journey in journeys)
        {
            if (await EndAndPurgeAsync(journey.JourneyId, cancellationToken))
            {
                record = record with { Journeys = record.Journeys + 1 };
                await data.SaveErasureAsync(record, cancellationToken);
            }
        }

        await lookup.Index.EraseCustomerAsync(dealerId, customerId, pseudonym, cancellationToken);

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

    /// <summary>
    /// Terminates the journey if it runs, waits (bounded) until the engine has ended it, and purges it. True when this call
    /// purged it; false when there was no instance (purged by an interrupted earlier run). Answers 409 when the engine has
    /// not ended it in time (a busy engine): nothing is lost, erase again resumes.
    /// </summary>
    private async Task<bool> EndAndPurgeAsync(string journeyId, CancellationToken cancellationToken)
    {
        var client = lookup.Client;
        var instance = await client.GetInstanceAsync(journeyId, getInputsAndOutputs: false, cancellationToken);
        if (instance is null)
        {
            return false;
        }

        if (!JourneyLookup.StatusOf(instance.RuntimeStatus).IsFinished())
        {
            try
            {
                await client.TerminateInstanceAsync(journeyId, new Microsoft.DurableTask.Client.TerminateInstanceOptions { Output = Reason }, cancellationToken);
            }
            catch (InvalidOperationException)
            {
                // finished in between
            }

            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(EndWait);
            try
            {
                await client.WaitForInstanceCompletionAsync(journeyId, getInputsAndOutputs: false, wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw ApiProblemException.Conflict(
                    $"Journey '{journeyId}' did not end within {EndWait.TotalSeconds:0} s of being terminated. Nothing is lost; call erase again: it resumes where it stopped.");
            }
        }

        await client.PurgeInstanceAsync(journeyId, cancellation: cancellationToken);
        return true;
    }

    /// <summary>The journeys erased before (tagged with the pseudonym): an interrupted run's, or those of an earlier erase.</summary>
    private Task<IReadOnlyList<JourneyIndexEntry>> ErasedInstancesAsync(string dealerId, string pseudonym, CancellationToken cancellationToken) =>
        CustomerJourneysAsync(dealerId, pseudonym, cancellationToken);

    /// <summary>
    /// Removes the dealer's CRM dead letters of <paramref name="journeys"/> (a dead letter names the task and the journey; the
    /// task, and with it what the CRM was sent, is deleted by the erase). Returns how many.
    /// </summary>
    private async Task<int> RemoveDeadLettersAsync(string dealerId, IReadOnlyList<JourneyIndexEntry> journeys, CancellationToken cancellationToken)
    {
        if (journeys.Count == 0)
        {
            return 0;
        }

        var ids = journeys.Select(j => j.JourneyId).ToHashSet(StringComparer.Ordinal);
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

    private Task<IReadOnlyList<JourneyIndexEntry>> CustomerJourneysAsync(string dealerId, string customerId, CancellationToken cancellationToken) =>
        lookup.Index.ListByCustomerAsync(dealerId, customerId, unfinishedOnly: false, JourneyLookup.MaxJourneysPerCustomer, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Erasure {ErasureId} of a customer of dealer {DealerId} started.")]
        public static partial void Started(ILogger logger, string erasureId, string dealerId);

        [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Erasure {ErasureId} of a customer of dealer {DealerId} completed ({Journeys} journey(s) erased).")]
        public static partial void Completed(ILogger logger, string erasureId, string dealerId, int journeys);
    }
}
