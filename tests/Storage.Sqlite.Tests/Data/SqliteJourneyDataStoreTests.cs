using System.Text.Json.Nodes;
using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Tests.Data;

/// <summary>The product data store: versioned templates, idempotent writes, dealer-keyed customers, schema and ownership.</summary>
public sealed class SqliteJourneyDataStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDirectory _directory = new();

    private string DataPath => Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task PublishTemplateAsync_TwoVersions_NumberedFromOneAndImmutable()
    {
        await using var store = await OpenAsync();

        var v1 = await store.PublishTemplateAsync(Template("Welcome"), "id: welcome", "application/yaml", T0);
        var v2 = await store.PublishTemplateAsync(Template("Welcome again"), "{\"id\":\"welcome\"}", "application/json", T0.AddHours(1));

        Assert.Equal((1, 2), (v1, v2));
        var first = await store.GetTemplateAsync("welcome", 1);
        Assert.NotNull(first);
        Assert.Equal(("Welcome", 1, "id: welcome", "application/yaml", T0), (first.Template.Name, first.Template.Version, first.Source, first.ContentType, first.PublishedAt));
        var latest = await store.GetTemplateAsync("welcome");
        Assert.Equal((2, "Welcome again"), (latest!.Template.Version, latest.Template.Name));
        Assert.Equal([1, 2], await store.ListTemplateVersionsAsync("welcome"));
        Assert.Null(await store.GetTemplateAsync("welcome", 3));
        Assert.Null(await store.GetTemplateAsync("unknown"));
        Assert.Empty(await store.ListTemplateVersionsAsync("unknown"));
    }

    [Fact]
    public async Task PublishTemplateAsync_ConcurrentPublishes_NeverShareAVersion()
    {
        await using var store = await OpenAsync();

        var versions = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.PublishTemplateAsync(Template($"v{i}"), "x", "application/yaml", T0)));

        Assert.Equal(Enumerable.Range(1, 20), versions.Order());
    }

    [Fact]
    public async Task GetTemplateAsync_FullDocument_RoundTripsStepsConditionsAndGoals()
    {
        await using var store = await OpenAsync();
        var template = Template("Round trip") with
        {
            Goals = [new GoalSpec { Event = "contract.signed", Phase = "purchase", Goto = "end" }],
            Steps =
            [
                new StepSpec { Id = "check", Kind = StepKinds.Condition, If = new ConditionSpec { Path = "data.km", GreaterOrEqual = 2500, EqualTo = JsonValue.Create("x") }, Then = "end", Else = "end" },
                new StepSpec { Id = "wait", Kind = StepKinds.WaitForEvent, Events = ["a"], On = new Dictionary<string, string> { ["a"] = "end" }, Timeout = "P1D", OnTimeout = "end" },
                new StepSpec { Id = "end", Kind = StepKinds.End },
            ],
        };

        await store.PublishTemplateAsync(template, "src", "application/yaml", T0);
        var stored = (await store.GetTemplateAsync("welcome"))!.Template;

        Assert.Equal("purchase", stored.Goals[0].Phase);
        Assert.Equal(2500, stored.Steps[0].If!.GreaterOrEqual);
        Assert.Equal("x", stored.Steps[0].If!.EqualTo!.GetValue<string>());
        Assert.Equal("end", stored.Steps[1].On!["a"]);
        Assert.Equal(["brochure.downloaded"], stored.Entry!.Events);
    }

    [Fact]
    public async Task ListTemplatesAsync_SeveralVersions_ListsEachTemplateOnceWithItsLatestVersion()
    {
        await using var store = await OpenAsync();
        await store.PublishTemplateAsync(Template("One"), "a", "application/yaml", T0);
        await store.PublishTemplateAsync(Template("Two"), "b", "application/yaml", T0.AddMinutes(1));
        await store.PublishTemplateAsync(Template("Other") with { Id = "another", Entry = null }, "c", "application/yaml", T0);

        var list = await store.ListTemplatesAsync();

        Assert.Equal(2, list.Count);
        Assert.Equal(("another", 1, 0), (list[0].Id, list[0].LatestVersion, list[0].EntryEvents.Count));
        Assert.Equal(("welcome", "Two", 2, T0.AddMinutes(1)), (list[1].Id, list[1].Name, list[1].LatestVersion, list[1].PublishedAt));
        Assert.Equal(["brochure.downloaded"], list[1].EntryEvents);
    }

    [Fact]
    public async Task UpsertCustomerAsync_SameIdOtherDealer_KeptApart()
    {
        await using var store = await OpenAsync();

        await store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com"));
        await store.UpsertCustomerAsync(Customer("dealer-b", "other@example.com"));

        Assert.Equal("anna@example.com", (await store.GetCustomerAsync("dealer-a", "cust-1"))!.Email);
        Assert.Equal("other@example.com", (await store.GetCustomerAsync("dealer-b", "cust-1"))!.Email);
        Assert.Null(await store.GetCustomerAsync("dealer-c", "cust-1"));
    }

    [Fact]
    public async Task UpsertCustomerAsync_ChangedProfile_Replaced_UnchangedProfile_KeepsItsUpdatedAt()
    {
        await using var store = await OpenAsync();
        await store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com") with { UpdatedAt = T0 });

        await store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com") with { UpdatedAt = T0.AddDays(1) });
        Assert.Equal(T0, (await store.GetCustomerAsync("dealer-a", "cust-1"))!.UpdatedAt);

        await store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com") with { UpdatedAt = T0.AddDays(2), Consent = new ConsentSettings { Email = false } });
        var stored = await store.GetCustomerAsync("dealer-a", "cust-1");
        Assert.Equal((T0.AddDays(2), false), (stored!.UpdatedAt, stored.Consent.Email));
    }

    [Fact]
    public async Task CreateTaskAsync_SameIdTwice_SecondIsANoOp()
    {
        await using var store = await OpenAsync();

        Assert.True(await store.CreateTaskAsync(NewTask("t1", "dealer-a")));
        Assert.False(await store.CreateTaskAsync(NewTask("t1", "dealer-a") with { Title = "changed" }));

        var task = await store.GetTaskAsync("t1");
        Assert.Equal("Call Anna", task!.Title);
        Assert.Single(await store.ListTasksAsync(null, null));
        Assert.Null(await store.GetTaskAsync("unknown"));
    }

    [Fact]
    public async Task ListTasksAsync_FilterByDealerAndStatus_InCreationOrder()
    {
        await using var store = await OpenAsync();
        await store.CreateTaskAsync(NewTask("t2", "dealer-a") with { CreatedAt = T0.AddHours(2) });
        await store.CreateTaskAsync(NewTask("t1", "dealer-a") with { CreatedAt = T0.AddHours(1) });
        await store.CreateTaskAsync(NewTask("t3", "dealer-b"));
        await store.CompleteTaskAsync("t2", "booked", null, T0.AddHours(3));

        Assert.Equal(["t3", "t1", "t2"], (await store.ListTasksAsync(null, null)).Select(t => t.Id));
        Assert.Equal(["t1", "t2"], (await store.ListTasksAsync("dealer-a", null)).Select(t => t.Id));
        Assert.Equal(["t1"], (await store.ListTasksAsync("dealer-a", TaskStatuses.Open)).Select(t => t.Id));
        Assert.Equal(["t2"], (await store.ListTasksAsync(null, TaskStatuses.Completed)).Select(t => t.Id));
        Assert.Empty(await store.ListTasksAsync("dealer-b", TaskStatuses.Completed));
    }

    [Fact]
    public async Task CompleteTaskAsync_Twice_FirstOutcomeWins()
    {
        await using var store = await OpenAsync();
        await store.CreateTaskAsync(NewTask("t1", "dealer-a"));

        var first = await store.CompleteTaskAsync("t1", "booked", "Friday 10:00", T0.AddHours(1));
        var second = await store.CompleteTaskAsync("t1", "no-answer", null, T0.AddHours(2));

        Assert.Equal((TaskStatuses.Completed, "booked", "Friday 10:00", T0.AddHours(1)), (first!.Status, first.Outcome, first.Notes, first.CompletedAt));
        Assert.Equal(first, second);
        Assert.Equal(first, await store.GetTaskAsync("t1"));
        Assert.Null(await store.CompleteTaskAsync("unknown", "x", null, T0));
    }

    [Fact]
    public async Task AddTouchpointAsync_SameIdTwice_RecordedOnceInTimeOrder()
    {
        await using var store = await OpenAsync();

        Assert.True(await store.AddTouchpointAsync(Touchpoint("k2", T0.AddDays(1))));
        Assert.True(await store.AddTouchpointAsync(Touchpoint("k1", T0)));
        Assert.False(await store.AddTouchpointAsync(Touchpoint("k1", T0.AddDays(5))));
        await store.AddTouchpointAsync(Touchpoint("k3", T0) with { JourneyId = "other" });

        var list = await store.ListTouchpointsAsync("j1");
        Assert.Equal(["k1", "k2"], list.Select(t => t.Id));
        Assert.Equal(new TouchpointCause("timer", "wait-booking", At: T0), list[0].Cause);
    }

    [Fact]
    public async Task AddMailAsync_SameIdTwice_StoredOnce_ListedNewestFirstWithFilters()
    {
        await using var store = await OpenAsync();

        Assert.True(await store.AddMailAsync(Mail("m1", "j1", "anna@example.com")));
        Assert.False(await store.AddMailAsync(Mail("m1", "j1", "anna@example.com") with { Subject = "again" }));
        await store.AddMailAsync(Mail("m2", "j1", "anna@example.com"));
        await store.AddMailAsync(Mail("m3", "j2", "bob@example.com"));

        Assert.Equal(["m3", "m2", "m1"], (await store.ListMailAsync(null, null, 10)).Select(m => m.Id));
        Assert.Equal(["m3"], (await store.ListMailAsync(null, null, 1)).Select(m => m.Id));
        Assert.Equal(["m2", "m1"], (await store.ListMailAsync("anna@example.com", null, 10)).Select(m => m.Id));
        Assert.Equal(["m3"], (await store.ListMailAsync(null, "j2", 10)).Select(m => m.Id));
        Assert.Equal(["m2", "m1"], (await store.ListMailAsync("anna@example.com", "j1", 10)).Select(m => m.Id));
        Assert.Equal("Hello", (await store.ListMailAsync(null, "j1", 10))[^1].Subject);
    }

    [Fact]
    public async Task InitializeAsync_Reopened_DataSurvivesAndSchemaVersionIsRecordedOnce()
    {
        await using (var store = await OpenAsync())
        {
            await store.PublishTemplateAsync(Template("Welcome"), "src", "application/yaml", T0);
            await store.CreateTaskAsync(NewTask("t1", "dealer-a"));
        }

        await using (var again = await OpenAsync())
        {
            Assert.Equal(1, (await again.GetTemplateAsync("welcome"))!.Template.Version);
            Assert.NotNull(await again.GetTaskAsync("t1"));
        }

        Assert.Equal(1L, Scalar("SELECT COUNT(*) FROM schema_version"));
        Assert.Equal(2L, Scalar("SELECT version FROM schema_version"));
        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task InitializeAsync_NewerSchemaVersion_IsRefused()
    {
        Execute("CREATE TABLE schema_version (version INTEGER NOT NULL); INSERT INTO schema_version VALUES (42);");
        await using var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.InitializeAsync());

        Assert.Contains("42", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InitializeAsync_FileOwnedByAnotherStore_IsRefused()
    {
        await using var owner = await OpenAsync();
        await using var second = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => second.InitializeAsync());

        Assert.Contains("already open", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpsertCustomerAsync_BeforeInitialize_Throws()
    {
        await using var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpsertCustomerAsync(Customer("d", "a@example.com")));
    }

    private async Task<SqliteJourneyDataStore> OpenAsync()
    {
        var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });
        await store.InitializeAsync();
        return store;
    }

    private static JourneyTemplate Template(string name) => new()
    {
        Id = "welcome",
        Name = name,
        Events = ["brochure.downloaded"],
        Entry = new EntrySpec { Events = ["brochure.downloaded"] },
        Start = "end",
        Steps = [new StepSpec { Id = "end", Kind = StepKinds.End }],
    };

    private static CustomerProfile Customer(string dealer, string email) => new()
    {
        Id = "cust-1",
        DealerId = dealer,
        Email = email,
        FirstName = "Anna",
        Locale = "nl-NL",
        Consent = new ConsentSettings { Email = true },
        UpdatedAt = T0,
    };

    private static SalesTask NewTask(string id, string dealer) => new()
    {
        Id = id,
        DealerId = dealer,
        JourneyId = "j1",
        CustomerId = "cust-1",
        StepId = "call",
        Type = "call-testdrive-invite",
        Title = "Call Anna",
        Status = TaskStatuses.Open,
        CreatedAt = T0,
        DueAt = T0.AddHours(4),
    };

    private static Touchpoint Touchpoint(string id, DateTimeOffset at) => new()
    {
        Id = id,
        JourneyId = "j1",
        DealerId = "dealer-a",
        CustomerId = "cust-1",
        StepId = "invite",
        Channel = "email",
        Name = "testdrive-invitation",
        Status = "sent",
        Cause = new TouchpointCause("timer", "wait-booking", At: T0),
        OccurredAt = at,
    };

    private static MailboxMessage Mail(string id, string journey, string to) => new()
    {
        Id = id,
        JourneyId = journey,
        DealerId = "dealer-a",
        CustomerId = "cust-1",
        To = to,
        Subject = "Hello",
        Body = "<p>Hi</p>",
        EmailTemplate = "brochure-follow-up",
        Category = "marketing",
        SentAt = T0,
    };

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DataPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DataPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
