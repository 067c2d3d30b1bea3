using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Storage.Conformance.Data;

/// <summary>
/// The behaviour every <see cref="IJourneyDataStore"/> must have: versioned immutable templates, idempotent writes,
/// dealer-keyed customers, complete-once tasks, ordered touchpoints and mail, large records, keys with any characters.
/// A provider's test project subclasses it and returns a fresh, empty, not yet initialized store from <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract partial class JourneyDataStoreConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private IJourneyDataStore? _store;

    /// <summary>The store under test, initialized.</summary>
    protected IJourneyDataStore Store => _store ?? throw new InvalidOperationException("The store is not created yet.");

    /// <summary>A fresh, empty, not yet initialized store.</summary>
    protected abstract Task<IJourneyDataStore> CreateStoreAsync();

    /// <summary>Disposes <paramref name="old"/> and opens the same storage again (not initialized); null skips the durability test.</summary>
    protected virtual Task<IJourneyDataStore?> ReopenStoreAsync(IJourneyDataStore old) => Task.FromResult<IJourneyDataStore?>(null);

    public virtual async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        await _store.InitializeAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
            _store = null;
        }
    }

    // ---- templates -----------------------------------------------------------------------------

    [Fact]
    public async Task PublishTemplateAsync_TwoVersions_NumberedFromOneAndImmutable()
    {
        var v1 = await Store.PublishTemplateAsync(Template("Welcome"), "id: welcome", "application/yaml", T0);
        var v2 = await Store.PublishTemplateAsync(Template("Welcome again"), "{\"id\":\"welcome\"}", "application/json", T0.AddHours(1));

        Assert.Equal((1, 2), (v1, v2));
        var first = await Store.GetTemplateAsync("welcome", 1);
        Assert.NotNull(first);
        Assert.Equal(("Welcome", 1, "id: welcome", "application/yaml", T0), (first.Template.Name, first.Template.Version, first.Source, first.ContentType, first.PublishedAt));
        var latest = await Store.GetTemplateAsync("welcome");
        Assert.Equal((2, "Welcome again", "application/json"), (latest!.Template.Version, latest.Template.Name, latest.ContentType));
        Assert.Equal([1, 2], await Store.ListTemplateVersionsAsync("welcome"));
        Assert.Null(await Store.GetTemplateAsync("welcome", 3));
        Assert.Null(await Store.GetTemplateAsync("welcome", 0));
        Assert.Null(await Store.GetTemplateAsync("unknown"));
        Assert.Empty(await Store.ListTemplateVersionsAsync("unknown"));
    }

    [Fact]
    public async Task PublishTemplateAsync_ConcurrentPublishes_NeverShareAVersion()
    {
        var versions = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Store.PublishTemplateAsync(Template($"v{i}"), $"source {i}", "application/yaml", T0)));

        Assert.Equal(Enumerable.Range(1, 20), versions.Order());
        Assert.Equal(Enumerable.Range(1, 20), await Store.ListTemplateVersionsAsync("welcome"));
        foreach (var version in Enumerable.Range(1, 20))
        {
            // Each number holds the document of the call that got it.
            var stored = await Store.GetTemplateAsync("welcome", version);
            var caller = Array.IndexOf(versions, version);
            Assert.Equal(($"v{caller}", $"source {caller}", version), (stored!.Template.Name, stored.Source, stored.Template.Version));
        }
    }

    [Fact]
    public async Task GetTemplateAsync_FullDocument_RoundTripsStepsConditionsAndGoals()
    {
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

        await Store.PublishTemplateAsync(template, "src", "application/yaml", T0);
        var stored = (await Store.GetTemplateAsync("welcome"))!.Template;

        Assert.Equal("purchase", stored.Goals[0].Phase);
        Assert.Equal(2500, stored.Steps[0].If!.GreaterOrEqual);
        Assert.Equal("x", stored.Steps[0].If!.EqualTo!.GetValue<string>());
        Assert.Equal("end", stored.Steps[1].On!["a"]);
        Assert.Equal(["brochure.downloaded"], stored.Entry!.Events);
    }

    [Fact]
    public async Task ListTemplatesAsync_SeveralVersions_ListsEachTemplateOnceWithItsLatestVersion()
    {
        await Store.PublishTemplateAsync(Template("One"), "a", "application/yaml", T0);
        await Store.PublishTemplateAsync(Template("Two"), "b", "application/yaml", T0.AddMinutes(1));
        await Store.PublishTemplateAsync(Template("Other") with { Id = "another", Entry = null }, "c", "application/yaml", T0);

        var list = await Store.ListTemplatesAsync();

        Assert.Equal(2, list.Count);
        Assert.Equal(("another", 1, 0), (list[0].Id, list[0].LatestVersion, list[0].EntryEvents.Count));
        Assert.Equal(("welcome", "Two", 2, T0.AddMinutes(1)), (list[1].Id, list[1].Name, list[1].LatestVersion, list[1].PublishedAt));
        Assert.Equal(["brochure.downloaded"], list[1].EntryEvents);
    }

    [Fact]
    public async Task PublishTemplateAsync_LargeSourceAndDocument_RoundTripWhole()
    {
        // Far beyond a table property (64 KB) and together near an entity (1 MB): a store must not fail on them.
        var source = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"# line {i:D6}\n"));
        var steps = Enumerable.Range(0, 1_500).Select(i => new StepSpec { Id = $"wait-{i:D4}", Kind = StepKinds.Wait, Duration = "P1D", Next = i == 1_499 ? "end" : $"wait-{i + 1:D4}" })
            .Append(new StepSpec { Id = "end", Kind = StepKinds.End }).ToList();
        var template = Template("Large") with { Description = new string('d', 70_000), Start = "wait-0000", Steps = steps };

        var version = await Store.PublishTemplateAsync(template, source, "application/yaml", T0);
        var stored = await Store.GetTemplateAsync("welcome", version);

        Assert.Equal(source, stored!.Source);
        Assert.Equal(1_501, stored.Template.Steps.Count);
        Assert.Equal("wait-1499", stored.Template.Steps[1_499].Id);
        Assert.Equal(template.Description, stored.Template.Description);
        Assert.Equal("Large", (await Store.ListTemplatesAsync()).Single().Name);
    }

    // ---- customers -----------------------------------------------------------------------------

    [Fact]
    public async Task UpsertCustomerAsync_SameIdOtherDealer_KeptApart()
    {
        await Store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com"));
        await Store.UpsertCustomerAsync(Customer("dealer-b", "other@example.com"));

        Assert.Equal("anna@example.com", (await Store.GetCustomerAsync("dealer-a", "cust-1"))!.Email);
        Assert.Equal("other@example.com", (await Store.GetCustomerAsync("dealer-b", "cust-1"))!.Email);
        Assert.Null(await Store.GetCustomerAsync("dealer-c", "cust-1"));
    }

    [Fact]
    public async Task UpsertCustomerAsync_ChangedProfile_Replaced_UnchangedProfile_KeepsItsUpdatedAt()
    {
        await Store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com") with { UpdatedAt = T0 });

        await Store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com") with { UpdatedAt = T0.AddDays(1) });
        Assert.Equal(T0, (await Store.GetCustomerAsync("dealer-a", "cust-1"))!.UpdatedAt);

        await Store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com") with { UpdatedAt = T0.AddDays(2), Consent = new ConsentSettings { Email = false } });
        var stored = await Store.GetCustomerAsync("dealer-a", "cust-1");
        Assert.Equal((T0.AddDays(2), false), (stored!.UpdatedAt, stored.Consent.Email));
    }

    [Fact]
    public async Task Keys_WithCharactersTablesRefuse_AreKeptApartAndFound()
    {
        string[] ids = ["a/b", "a\\b", "a#b", "a?b", "a%2Fb", "a|b", "a'b", "a\tb", "a b"];
        foreach (var id in ids)
        {
            await Store.UpsertCustomerAsync(Customer(id, $"{ids.ToList().IndexOf(id)}@example.com") with { Id = id });
            await Store.CreateTaskAsync(NewTask(id, id) with { JourneyId = id });
            await Store.AddTouchpointAsync(Touchpoint(id, T0) with { JourneyId = id });
            await Store.AddMailAsync(Mail(id, id, id));
        }

        foreach (var (id, index) in ids.Select((id, index) => (id, index)))
        {
            Assert.Equal($"{index}@example.com", (await Store.GetCustomerAsync(id, id))!.Email);
            Assert.Equal(id, (await Store.GetTaskAsync(id))!.DealerId);
            Assert.Equal([id], (await Store.ListTasksAsync(id, null)).Select(t => t.Id));
            Assert.Equal([id], (await Store.ListTouchpointsAsync(id)).Select(t => t.Id));
            Assert.Equal([id], (await Store.ListMailAsync(id, null, 10)).Select(m => m.Id));
            Assert.Equal([id], (await Store.ListMailAsync(null, id, 10)).Select(m => m.Id));
        }
    }

    // ---- tasks ---------------------------------------------------------------------------------

    [Fact]
    public async Task CreateTaskAsync_SameIdTwice_SecondIsANoOp()
    {
        Assert.True(await Store.CreateTaskAsync(NewTask("t1", "dealer-a")));
        Assert.False(await Store.CreateTaskAsync(NewTask("t1", "dealer-a") with { Title = "changed" }));

        var task = await Store.GetTaskAsync("t1");
        Assert.Equal(NewTask("t1", "dealer-a"), task);
        Assert.Single(await Store.ListTasksAsync(null, null));
        Assert.Null(await Store.GetTaskAsync("unknown"));
    }

    [Fact]
    public async Task ListTasksAsync_FilterByDealerAndStatus_InCreationOrder()
    {
        await Store.CreateTaskAsync(NewTask("t2", "dealer-a") with { CreatedAt = T0.AddHours(2) });
        await Store.CreateTaskAsync(NewTask("t1", "dealer-a") with { CreatedAt = T0.AddHours(1) });
        await Store.CreateTaskAsync(NewTask("t3", "dealer-b"));
        await Store.CompleteTaskAsync("t2", "booked", null, T0.AddHours(3));

        Assert.Equal(["t3", "t1", "t2"], (await Store.ListTasksAsync(null, null)).Select(t => t.Id));
        Assert.Equal(["t1", "t2"], (await Store.ListTasksAsync("dealer-a", null)).Select(t => t.Id));
        Assert.Equal(["t1"], (await Store.ListTasksAsync("dealer-a", TaskStatuses.Open)).Select(t => t.Id));
        Assert.Equal(["t2"], (await Store.ListTasksAsync(null, TaskStatuses.Completed)).Select(t => t.Id));
        Assert.Equal(["t3", "t1"], (await Store.ListTasksAsync(null, TaskStatuses.Open)).Select(t => t.Id));
        Assert.Empty(await Store.ListTasksAsync("dealer-b", TaskStatuses.Completed));
        Assert.Empty(await Store.ListTasksAsync("dealer-c", null));
    }

    [Fact]
    public async Task CompleteTaskAsync_Twice_FirstOutcomeWins()
    {
        await Store.CreateTaskAsync(NewTask("t1", "dealer-a"));

        var first = await Store.CompleteTaskAsync("t1", "booked", "Friday 10:00", T0.AddHours(1), completedBy: "jan.jansen");
        var second = await Store.CompleteTaskAsync("t1", "no-answer", null, T0.AddHours(2), completedBy: "piet");

        Assert.Equal((TaskStatuses.Completed, "booked", "Friday 10:00", T0.AddHours(1), "jan.jansen"), (first!.Status, first.Outcome, first.Notes, first.CompletedAt, first.CompletedBy));
        Assert.Equal(first, second);
        Assert.Equal(first, await Store.GetTaskAsync("t1"));
        Assert.Null(await Store.CompleteTaskAsync("unknown", "x", null, T0));
    }

    [Fact]
    public async Task ReassignTaskAsync_OpenTask_SetsTheAssignee_CompletedTaskUnchanged_UnknownNull()
    {
        await Store.CreateTaskAsync(NewTask("t1", "dealer-a"));
        await Store.CreateTaskAsync(NewTask("t2", "dealer-a"));
        await Store.CompleteTaskAsync("t2", "booked", null, T0.AddHours(1));

        var reassigned = await Store.ReassignTaskAsync("t1", "sales-manager");
        var again = await Store.ReassignTaskAsync("t1", "sales-manager");
        var completed = await Store.ReassignTaskAsync("t2", "sales-manager");

        Assert.Equal(("sales-manager", TaskStatuses.Open, "Call Anna"), (reassigned!.Assignee, reassigned.Status, reassigned.Title));
        Assert.Equal(reassigned, again);
        Assert.Equal(reassigned, await Store.GetTaskAsync("t1"));
        Assert.Equal(["sales-manager"], (await Store.ListTasksAsync("dealer-a", TaskStatuses.Open)).Select(t => t.Assignee));
        Assert.Equal((null, TaskStatuses.Completed), (completed!.Assignee, completed.Status));
        Assert.Null(await Store.ReassignTaskAsync("unknown", "sales-manager"));
    }

    [Fact]
    public async Task CompleteTaskAsync_Concurrently_OneOutcomeWinsForEveryCaller()
    {
        await Store.CreateTaskAsync(NewTask("t1", "dealer-a"));

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Store.CompleteTaskAsync("t1", $"outcome-{i}", null, T0.AddMinutes(i))));

        var stored = await Store.GetTaskAsync("t1");
        Assert.All(results, r => Assert.Equal(stored, r));
        Assert.Equal(TaskStatuses.Completed, stored!.Status);
    }

    [Fact]
    public async Task CompleteTaskAsync_LongNotes_RoundTrip()
    {
        await Store.CreateTaskAsync(NewTask("t1", "dealer-a"));
        var notes = string.Concat(Enumerable.Repeat("Called, left a message; will call again. ", 5_000));

        await Store.CompleteTaskAsync("t1", "no-answer", notes, T0.AddHours(1));

        Assert.Equal(notes, (await Store.GetTaskAsync("t1"))!.Notes);
        Assert.Equal(notes, (await Store.ListTasksAsync("dealer-a", TaskStatuses.Completed)).Single().Notes);
    }

    // ---- touchpoints and mail ------------------------------------------------------------------

    [Fact]
    public async Task AddTouchpointAsync_SameIdTwice_RecordedOnceInTimeOrder()
    {
        Assert.True(await Store.AddTouchpointAsync(Touchpoint("k2", T0.AddDays(1))));
        Assert.True(await Store.AddTouchpointAsync(Touchpoint("k1", T0)));
        Assert.False(await Store.AddTouchpointAsync(Touchpoint("k1", T0.AddDays(5))));
        await Store.AddTouchpointAsync(Touchpoint("k3", T0) with { JourneyId = "other" });

        var list = await Store.ListTouchpointsAsync("j1");
        Assert.Equal(["k1", "k2"], list.Select(t => t.Id));
        Assert.Equal(Touchpoint("k1", T0), list[0]);
        Assert.Equal(new TouchpointCause("timer", "wait-booking", At: T0), list[0].Cause);
        Assert.Empty(await Store.ListTouchpointsAsync("unknown"));
    }

    [Fact]
    public async Task AddMailAsync_SameIdTwice_StoredOnce_ListedNewestFirstWithFilters()
    {
        Assert.True(await Store.AddMailAsync(Mail("m1", "j1", "anna@example.com")));
        Assert.False(await Store.AddMailAsync(Mail("m1", "j1", "anna@example.com") with { Subject = "again" }));
        await Store.AddMailAsync(Mail("m2", "j1", "anna@example.com"));
        await Store.AddMailAsync(Mail("m3", "j2", "bob@example.com"));
        await Store.AddMailAsync(Mail("m4", "j2", "anna@example.com"));

        Assert.Equal(["m4", "m3", "m2", "m1"], (await Store.ListMailAsync(null, null, 10)).Select(m => m.Id));
        Assert.Equal(["m4"], (await Store.ListMailAsync(null, null, 1)).Select(m => m.Id));
        Assert.Equal(["m4", "m2", "m1"], (await Store.ListMailAsync("anna@example.com", null, 10)).Select(m => m.Id));
        Assert.Equal(["m4", "m2"], (await Store.ListMailAsync("anna@example.com", null, 2)).Select(m => m.Id));
        Assert.Equal(["m4", "m3"], (await Store.ListMailAsync(null, "j2", 10)).Select(m => m.Id));
        Assert.Equal(["m2", "m1"], (await Store.ListMailAsync("anna@example.com", "j1", 10)).Select(m => m.Id));
        Assert.Equal(["m4"], (await Store.ListMailAsync("anna@example.com", "j2", 10)).Select(m => m.Id));
        Assert.Empty(await Store.ListMailAsync("nobody@example.com", null, 10));
        Assert.Equal(Mail("m1", "j1", "anna@example.com"), (await Store.ListMailAsync(null, "j1", 10))[^1]);
    }

    [Fact]
    public async Task AddMailAsync_LargeBody_RoundTripsWhole()
    {
        var body = "<html><body>" + string.Concat(Enumerable.Range(0, 30_000).Select(i => $"<p>{i}</p>")) + "</body></html>";

        Assert.True(await Store.AddMailAsync(Mail("m1", "j1", "anna@example.com") with { Body = body }));

        Assert.Equal(body, (await Store.ListMailAsync(null, null, 10)).Single().Body);
        Assert.Equal(body, (await Store.ListMailAsync("anna@example.com", "j1", 10)).Single().Body);
    }

    [Fact]
    public async Task AddMailAsync_Concurrently_EveryMessageListedOnce()
    {
        var added = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Store.AddMailAsync(Mail($"m{i % 6}", "j1", "anna@example.com"))));

        Assert.Equal(6, added.Count(a => a));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"m{i}").Order(), (await Store.ListMailAsync(null, null, 50)).Select(m => m.Id).Order());
        Assert.Equal(6, (await Store.ListMailAsync("anna@example.com", "j1", 50)).Count);
    }

    // ---- lifetime ------------------------------------------------------------------------------

    [Fact]
    public async Task ReopenStoreAsync_EverythingWrittenIsStillThere()
    {
        await Store.PublishTemplateAsync(Template("Welcome"), "src", "application/yaml", T0);
        await Store.UpsertCustomerAsync(Customer("dealer-a", "anna@example.com"));
        await Store.CreateTaskAsync(NewTask("t1", "dealer-a"));
        await Store.AddTouchpointAsync(Touchpoint("k1", T0));
        await Store.AddMailAsync(Mail("m1", "j1", "anna@example.com"));

        var reopened = await ReopenStoreAsync(Store);
        if (reopened is null)
        {
            return; // not durable
        }

        _store = reopened;
        await reopened.InitializeAsync();
        Assert.Equal(1, (await reopened.GetTemplateAsync("welcome"))!.Template.Version);
        Assert.Equal(2, await reopened.PublishTemplateAsync(Template("Again"), "src", "application/yaml", T0));
        Assert.NotNull(await reopened.GetCustomerAsync("dealer-a", "cust-1"));
        Assert.NotNull(await reopened.GetTaskAsync("t1"));
        Assert.False(await reopened.CreateTaskAsync(NewTask("t1", "dealer-a")));
        Assert.Single(await reopened.ListTouchpointsAsync("j1"));
        Assert.False(await reopened.AddMailAsync(Mail("m1", "j1", "anna@example.com")));
        Assert.True(await reopened.AddMailAsync(Mail("m2", "j1", "anna@example.com")));
        Assert.Equal(["m2", "m1"], (await reopened.ListMailAsync(null, null, 10)).Select(m => m.Id));
    }

    [Fact]
    public async Task UpsertCustomerAsync_BeforeInitialize_Throws()
    {
        var store = await CreateStoreAsync();
        try
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpsertCustomerAsync(Customer("d", "a@example.com")));
        }
        finally
        {
            await store.DisposeAsync();
        }
    }

    // ---- builders ------------------------------------------------------------------------------

    protected static JourneyTemplate Template(string name) => new()
    {
        Id = "welcome",
        Name = name,
        Events = ["brochure.downloaded"],
        Entry = new EntrySpec { Events = ["brochure.downloaded"] },
        Start = "end",
        Steps = [new StepSpec { Id = "end", Kind = StepKinds.End }],
    };

    protected static CustomerProfile Customer(string dealer, string email) => new()
    {
        Id = "cust-1",
        DealerId = dealer,
        Email = email,
        FirstName = "Anna",
        Locale = "nl-NL",
        Consent = new ConsentSettings { Email = true },
        UpdatedAt = T0,
    };

    protected static SalesTask NewTask(string id, string dealer) => new()
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

    protected static Touchpoint Touchpoint(string id, DateTimeOffset at) => new()
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

    protected static MailboxMessage Mail(string id, string journey, string to) => new()
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
}
