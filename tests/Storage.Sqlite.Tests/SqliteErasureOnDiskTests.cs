using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Testing;

namespace JourneyOrchestrator.Storage.Sqlite.Tests;

/// <summary>
/// Erasure leaves nothing in the files: after an erase (for the runtime store: the purge erasure ends with), the raw bytes of every file of the store's folder (the database,
/// <c>-wal</c>, <c>-shm</c>) hold none of the customer's personal data, one test per place (runtime: input, history, custom
/// status, inbox, outbox, tags; data: profile, tasks, touchpoints, mailbox; delivery: ledger, suppressions, dead letters).
/// Each test first checks that the data is on disk before the erase, so it can fail.
/// </summary>
public sealed class SqliteErasureOnDiskTests : IDisposable
{
    private const string Email = "anna.sonnenschein@example.com";
    private const string LastName = "Sonnenschein";
    private const string EventData = "Wants the red Hybrid X by Easter";
    private const string CustomerId = "cust-sonnenschein-7781";
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task RuntimeStore_PurgeOfAnErasedJourney_NoFileHoldsTheInputHistoryInboxOutboxOrKeyTag()
    {
        await using var store = new SqliteJourneyStore(_directory.Options());
        await store.InitializeAsync();
        var personal = $$"""{"email":"{{Email}}","lastName":"{{LastName}}","note":"{{EventData}}"}""";
        var instance = new InstanceRecord
        {
            InstanceId = "j-erasable-1",
            ExecutionId = "exec-1",
            Name = "journey",
            Version = "1",
            Status = InstanceStatus.Pending,
            Input = personal,
            CreatedAt = T0,
            LastUpdatedAt = T0,
            Tags = new Dictionary<string, string> { ["dealer"] = "d-1", ["customer"] = CustomerId, ["journeyKey"] = Email },
        };
        await store.CreateInstanceAsync(instance, new InboxMessage
        {
            InstanceId = instance.InstanceId, ExecutionId = instance.ExecutionId, VisibleAt = T0,
            Event = new JourneyStarted { Timestamp = T0, Name = instance.Name, Version = instance.Version, ExecutionId = instance.ExecutionId, Input = personal },
        }, replaceIfFinished: false);
        var item = Assert.Single(await store.LockNextOrchestrationsAsync(10, T0, TimeSpan.FromMinutes(1)));
        await store.CommitOrchestrationAsync(item, new OrchestrationCommit
        {
            Instance = item.Instance! with { Status = InstanceStatus.Running, CustomStatus = personal, LastUpdatedAt = T0 },
            NewHistory =
            [
                new EpisodeStarted { Timestamp = T0 }, .. item.Messages.Select(m => m.Event),
                new ExternalEventReceived { Timestamp = T0, Name = "quote.sent", EventId = "e-1", Payload = personal },
                new ActivityScheduled { Timestamp = T0, Sequence = 0, Name = "journey.send-email", Input = personal },
                new ActivityFailed { Timestamp = T0, ScheduledSequence = 0, Failure = new FailureDetails("SmtpException", $"mailbox {Email} full", $"at /home/{LastName}/Send()") },
            ],
            ConsumedMessageIds = [.. item.Messages.Select(m => m.Id)],
            NewActivities = [new ActivityWorkItem { InstanceId = instance.InstanceId, ExecutionId = instance.ExecutionId, Sequence = 1, Name = "journey.send-email", Input = personal, VisibleAt = T0 }],
        });
        await store.EnqueueAsync(new InboxMessage
        {
            InstanceId = instance.InstanceId, VisibleAt = T0, DeduplicationId = "e-2",
            Event = new ExternalEventReceived { Timestamp = T0, Name = "testdrive.booked", EventId = "e-2", Payload = personal },
        });
        Assert.NotEmpty(DiskBytes.Find(_directory.Path, Email, LastName, EventData));

        // Erasure ends the journey (terminate) and purges it: the engine's own delete is what removes the personal data.
        var again = Assert.Single(await store.LockNextOrchestrationsAsync(10, T0, TimeSpan.FromMinutes(1)));
        await store.CommitOrchestrationAsync(again, new OrchestrationCommit
        {
            Instance = again.Instance! with { Status = InstanceStatus.Terminated, LastUpdatedAt = T0, CompletedAt = T0 },
            NewHistory = [new JourneyTerminated { Timestamp = T0, Reason = "personal data erased on request" }],
            ConsumedMessageIds = [.. again.Messages.Select(m => m.Id)],
        });
        var result = await store.PurgeInstanceAsync(instance.InstanceId);

        Assert.Equal(PurgeResult.Purged, result);
        AssertNothingOnDisk(Email, LastName, EventData, CustomerId);
        Assert.Equal(0, new FileInfo(_directory.DatabasePath + "-wal").Length);
    }

    [Fact]
    public async Task DataStore_Erase_NoFileHoldsTheProfileTasksTouchpointsOrMail()
    {
        await using var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName) });
        await store.InitializeAsync();
        await store.UpsertCustomerAsync(new CustomerProfile
        {
            Id = CustomerId, DealerId = "d-1", Email = Email, FirstName = "Anna", LastName = LastName, Consent = new ConsentSettings { Email = true }, UpdatedAt = T0,
        });
        // Changed once: the old version of the row is free space in a page (what secure_delete overwrites).
        await store.UpsertCustomerAsync(new CustomerProfile
        {
            Id = CustomerId, DealerId = "d-1", Email = Email, FirstName = "Anna", LastName = LastName, Locale = "nl-NL", Consent = new ConsentSettings { Email = true }, UpdatedAt = T0.AddHours(1),
        });
        await store.CreateTaskAsync(new SalesTask
        {
            Id = "j-erasable-1:exec-1:3", DealerId = "d-1", JourneyId = "j-erasable-1", CustomerId = CustomerId, StepId = "call", Type = "call",
            Title = $"Call Anna {LastName}", Status = TaskStatuses.Open, CreatedAt = T0, DueAt = T0.AddDays(1), Notes = EventData,
        });
        await store.AddTouchpointAsync(new Touchpoint
        {
            Id = "j-erasable-1:exec-1:1", JourneyId = "j-erasable-1", DealerId = "d-1", CustomerId = CustomerId, StepId = "welcome",
            Channel = "email", Name = "welcome", Status = "failed", Detail = $"mailbox {Email} full", Cause = new TouchpointCause("start"), OccurredAt = T0,
        });
        await store.AddMailAsync(new MailboxMessage
        {
            Id = "j-erasable-1:exec-1:2", JourneyId = "j-erasable-1", DealerId = "d-1", CustomerId = CustomerId, To = Email,
            Subject = $"Hello Anna {LastName}", Body = EventData, EmailTemplate = "welcome", Category = "marketing", SentAt = T0,
        });
        Assert.NotEmpty(DiskBytes.Find(_directory.Path, Email, LastName, EventData));

        var erased = await store.EraseCustomerAsync("d-1", CustomerId, Email, "erased-0123");

        Assert.Equal(new CustomerErasure(true, 1, 1, 1), erased);
        AssertNothingOnDisk(Email, LastName, EventData, CustomerId);
    }

    [Fact]
    public async Task DeliveryStore_Erase_NoFileHoldsTheLedgerSuppressionsOrDeadLetters()
    {
        await using var store = new SqliteDeliveryStore(Path.Combine(_directory.Path, SqliteDeliveryStore.DefaultFileName));
        await store.ClaimSendAsync(new OutboundSend
        {
            Key = "j-erasable-1:exec-1:2", Channel = "email", DealerId = "d-1", CustomerId = CustomerId, JourneyId = "j-erasable-1", StepId = "welcome",
            Category = "marketing", State = SendStates.Pending, CreatedAt = T0, UpdatedAt = T0,
        });
        await store.UpdateSendAsync("j-erasable-1:exec-1:2", SendStates.Failed, $"550 mailbox {Email} unknown", T0);
        await store.AddSuppressionAsync(new Suppression { DealerId = "d-1", CustomerId = CustomerId, Email = Email, Scope = SuppressionScopes.All, Reason = "bounce", CreatedAt = T0 });
        await store.UpsertDeadLetterAsync(new DeadLetter
        {
            Id = "crm:j-erasable-1:exec-1:3", Channel = "crm", DealerId = "d-1", TaskId = "j-erasable-1:exec-1:3", JourneyId = "j-erasable-1",
            LastError = $"CRM answered 500: Call Anna {LastName}", Attempts = 5, FailedAt = T0,
        });
        Assert.NotEmpty(DiskBytes.Find(_directory.Path, Email, LastName));

        // What the erasure service does: the customer's dead letters, then the delivery erase (which checkpoints the WAL).
        Assert.True(await store.RemoveDeadLetterAsync("crm:j-erasable-1:exec-1:3"));
        var erased = await store.EraseCustomerAsync("d-1", CustomerId, Email, "hash-1", T0);

        Assert.Equal(new DeliveryErasure(1, 1), erased);
        AssertNothingOnDisk(Email, LastName, CustomerId);
    }

    private void AssertNothingOnDisk(params string[] needles)
    {
        var found = DiskBytes.Find(_directory.Path, needles);
        Assert.True(found.Count == 0, $"Found after the erase: {string.Join("; ", found)} (files: {DiskBytes.Listing(_directory.Path)})");
    }
}
