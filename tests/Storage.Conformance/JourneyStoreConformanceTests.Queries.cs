using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.Conformance;

public abstract partial class JourneyStoreConformanceTests
{
    private async Task SeedQueryFixtureAsync()
    {
        await CreateInStatusAsync("dealer-a/001", InstanceStatus.Running, new Dictionary<string, string> { ["dealer"] = "a", ["brand"] = "vw" }, Start.AddMinutes(1), "welcome");
        await CreateInStatusAsync("dealer-a/002", InstanceStatus.Completed, new Dictionary<string, string> { ["dealer"] = "a", ["brand"] = "audi" }, Start.AddMinutes(2), "welcome");
        await CreateInStatusAsync("dealer-b/001", InstanceStatus.Failed, new Dictionary<string, string> { ["dealer"] = "b", ["brand"] = "vw" }, Start.AddMinutes(3), "service");
        await CreateInStatusAsync("dealer-b/002", InstanceStatus.Suspended, new Dictionary<string, string> { ["dealer"] = "b" }, Start.AddMinutes(4), "service");
        await CreateAsync("DEALER-A/003", new Dictionary<string, string> { ["dealer"] = "A" }, Start.AddMinutes(5), "welcome");
    }

    private async Task<string[]> QueryIdsAsync(InstanceQuery query)
    {
        var page = await Store.QueryInstancesAsync(query);
        Assert.Null(page.ContinuationToken);
        return [.. page.Instances.Select(i => i.InstanceId)];
    }

    [Fact]
    public async Task QueryInstancesAsync_NoFilter_ReturnsAllOrderedByCreationTime()
    {
        await SeedQueryFixtureAsync();

        var ids = await QueryIdsAsync(new InstanceQuery());

        Assert.Equal(["dealer-a/001", "dealer-a/002", "dealer-b/001", "dealer-b/002", "DEALER-A/003"], ids);
    }

    [Fact]
    public async Task QueryInstancesAsync_ByStatuses_ReturnsInstancesInAnyOfThem()
    {
        await SeedQueryFixtureAsync();

        Assert.Equal(["dealer-a/002", "dealer-b/001"], await QueryIdsAsync(new InstanceQuery { Statuses = [InstanceStatus.Completed, InstanceStatus.Failed] }));
        Assert.Equal(["DEALER-A/003"], await QueryIdsAsync(new InstanceQuery { Statuses = [InstanceStatus.Pending] }));
        Assert.Equal(["dealer-b/002"], await QueryIdsAsync(new InstanceQuery { Statuses = [InstanceStatus.Suspended] }));
        Assert.Empty(await QueryIdsAsync(new InstanceQuery { Statuses = [InstanceStatus.Terminated] }));
    }

    [Fact]
    public async Task QueryInstancesAsync_ByName_ReturnsThatOrchestrationOnly()
    {
        await SeedQueryFixtureAsync();

        Assert.Equal(["dealer-b/001", "dealer-b/002"], await QueryIdsAsync(new InstanceQuery { Name = "service" }));
        Assert.Empty(await QueryIdsAsync(new InstanceQuery { Name = "Service" }));
    }

    [Fact]
    public async Task QueryInstancesAsync_ByInstanceIdPrefix_IsCaseSensitive()
    {
        await SeedQueryFixtureAsync();

        Assert.Equal(["dealer-a/001", "dealer-a/002"], await QueryIdsAsync(new InstanceQuery { InstanceIdPrefix = "dealer-a/" }));
        Assert.Equal(["DEALER-A/003"], await QueryIdsAsync(new InstanceQuery { InstanceIdPrefix = "DEALER" }));
        Assert.Equal(["dealer-b/002"], await QueryIdsAsync(new InstanceQuery { InstanceIdPrefix = "dealer-b/002" }));
        Assert.Empty(await QueryIdsAsync(new InstanceQuery { InstanceIdPrefix = "dealer-c" }));
    }

    [Fact]
    public async Task QueryInstancesAsync_ByCreationTimeRange_ReturnsInstancesCreatedWithinIt()
    {
        await SeedQueryFixtureAsync();

        var ids = await QueryIdsAsync(new InstanceQuery { CreatedFrom = Start.AddMinutes(1.5), CreatedTo = Start.AddMinutes(3.5) });
        var fromOnly = await QueryIdsAsync(new InstanceQuery { CreatedFrom = Start.AddMinutes(3.5) });
        var toOnly = await QueryIdsAsync(new InstanceQuery { CreatedTo = Start.AddMinutes(1.5) });

        Assert.Equal(["dealer-a/002", "dealer-b/001"], ids);
        Assert.Equal(["dealer-b/002", "DEALER-A/003"], fromOnly);
        Assert.Equal(["dealer-a/001"], toOnly);
    }

    [Fact]
    public async Task QueryInstancesAsync_ByTags_MatchesEveryTagByExactValue()
    {
        await SeedQueryFixtureAsync();

        Assert.Equal(["dealer-a/001", "dealer-a/002"], await QueryIdsAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["dealer"] = "a" } }));
        Assert.Equal(["dealer-a/001"], await QueryIdsAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["dealer"] = "a", ["brand"] = "vw" } }));
        Assert.Equal(["dealer-a/001", "dealer-b/001"], await QueryIdsAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["brand"] = "vw" } }));
        Assert.Empty(await QueryIdsAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["dealer"] = "c" } }));
        Assert.Empty(await QueryIdsAsync(new InstanceQuery { Tags = new Dictionary<string, string> { ["region"] = "a" } }));
    }

    [Fact]
    public async Task QueryInstancesAsync_AllFiltersTogether_ReturnsTheIntersection()
    {
        await SeedQueryFixtureAsync();

        var ids = await QueryIdsAsync(new InstanceQuery
        {
            Statuses = [InstanceStatus.Running, InstanceStatus.Completed, InstanceStatus.Failed],
            Name = "welcome",
            InstanceIdPrefix = "dealer-",
            CreatedFrom = Start,
            CreatedTo = Start.AddMinutes(10),
            Tags = new Dictionary<string, string> { ["brand"] = "audi" },
        });

        Assert.Equal(["dealer-a/002"], ids);
    }

    [Fact]
    public async Task QueryInstancesAsync_Results_CarryTheInstanceRowAndTags()
    {
        await SeedQueryFixtureAsync();

        var page = await Store.QueryInstancesAsync(new InstanceQuery { InstanceIdPrefix = "dealer-a/002" });

        var instance = Assert.Single(page.Instances);
        Assert.Equal(InstanceStatus.Completed, instance.Status);
        Assert.Equal("welcome", instance.Name);
        Assert.Equal(Start.AddMinutes(2), instance.CreatedAt);
        Assert.Equal("\"done\"", instance.Output);
        Assert.Equal("audi", instance.Tags["brand"]);
        Assert.Equal(2, instance.Tags.Count);
    }

    [Fact]
    public async Task QueryInstancesAsync_250Instances_PagesThroughAllWithoutGapsOrRepeats()
    {
        // Many share a creation time, so paging must break ties by id.
        var expected = new List<string>();
        for (var i = 0; i < 250; i++)
        {
            var id = $"journey-{(i * 7919) % 1000:D4}";
            await CreateAsync(id, createdAt: Start.AddSeconds(i / 10));
            expected.Add(id);
        }

        var seen = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await Store.QueryInstancesAsync(new InstanceQuery { PageSize = 100, ContinuationToken = token });
            Assert.True(page.Instances.Count <= 100);
            seen.AddRange(page.Instances.Select(x => x.InstanceId));
            token = page.ContinuationToken;
            pages++;
            Assert.True(pages <= 4, "Paging did not end.");
        }
        while (token is not null);

        var ordered = expected
            .Select((id, i) => (id, created: i / 10))
            .OrderBy(x => x.created).ThenBy(x => x.id, StringComparer.Ordinal)
            .Select(x => x.id);
        Assert.Equal(ordered, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task QueryInstancesAsync_FilteredPaging_KeepsTheFilterOnEveryPage()
    {
        for (var i = 0; i < 30; i++)
        {
            await CreateAsync($"journey-{i:D2}", new Dictionary<string, string> { ["dealer"] = i % 3 == 0 ? "a" : "b" }, Start.AddSeconds(i));
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await Store.QueryInstancesAsync(new InstanceQuery { PageSize = 4, Tags = new Dictionary<string, string> { ["dealer"] = "a" }, ContinuationToken = token });
            seen.AddRange(page.Instances.Select(x => x.InstanceId));
            token = page.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal(Enumerable.Range(0, 30).Where(i => i % 3 == 0).Select(i => $"journey-{i:D2}"), seen);
    }

    [Fact]
    public async Task QueryInstancesAsync_ExactlyOneFullPage_ReturnsNoContinuationOrAnEmptyNextPage()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreateAsync($"journey-{i}");
        }

        var page = await Store.QueryInstancesAsync(new InstanceQuery { PageSize = 5 });

        Assert.Equal(5, page.Instances.Count);
        if (page.ContinuationToken is not null)
        {
            Assert.Empty((await Store.QueryInstancesAsync(new InstanceQuery { PageSize = 5, ContinuationToken = page.ContinuationToken })).Instances);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task QueryInstancesAsync_PageSizeOutOfRange_ThrowsArgumentOutOfRange(int pageSize)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.QueryInstancesAsync(new InstanceQuery { PageSize = pageSize }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public async Task QueryInstancesAsync_PageSizeAtTheLimits_IsAccepted(int pageSize)
    {
        await CreateAsync("journey-1");
        await CreateAsync("journey-2");

        var page = await Store.QueryInstancesAsync(new InstanceQuery { PageSize = pageSize });

        Assert.Equal(Math.Min(pageSize, 2), page.Instances.Count);
    }

    [Fact]
    public async Task PurgeInstanceAsync_FinishedInstance_DeletesEverythingItOwns()
    {
        await CreateInStatusAsync("journey-2", InstanceStatus.Running, new Dictionary<string, string> { ["dealer"] = "d-1" });
        await ScheduleActivitiesAsync("journey-1", Activity("journey-1", 0));
        await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1"));
        var item = await LockSingleAsync("journey-1");
        await Store.CommitOrchestrationAsync(item, Episode(item, InstanceStatus.Completed) with
        {
            NewMessages = [Timer("journey-1", ExecutionOf("journey-1"), 5, Now.AddDays(1))],
        });
        await Store.EnqueueAsync(ActivityResult("journey-1", ExecutionOf("journey-1"), 9));

        var result = await Store.PurgeInstanceAsync("journey-1");

        Assert.Equal(PurgeResult.Purged, result);
        Assert.Null(await Store.GetInstanceAsync("journey-1"));
        Assert.Empty(await Store.GetHistoryAsync("journey-1"));
        Assert.Empty(await Store.LockNextActivitiesAsync(10, Now.AddDays(2), LockDuration));
        Assert.Empty(await Store.LockNextOrchestrationsAsync(10, Now.AddDays(2), LockDuration));
        Assert.Null(await Store.GetNextWakeUpAsync(Now));
        Assert.Equal(["journey-2"], await QueryIdsAsync(new InstanceQuery()));
        // Seen event ids went too: the id can start again and take the same event.
        await CreateAsync("journey-1");
        Assert.Equal(EnqueueResult.Accepted, await Store.EnqueueAsync(ExternalEvent("journey-1", "e-1", deduplicationId: "e-1")));
        Assert.Equal("d-1", (await Store.GetInstanceAsync("journey-2"))!.Tags["dealer"]);
    }

    [Theory]
    [InlineData(InstanceStatus.Running)]
    [InlineData(InstanceStatus.Suspended)]
    public async Task PurgeInstanceAsync_UnfinishedInstance_ReturnsNotFinishedAndKeepsIt(InstanceStatus status)
    {
        await CreateInStatusAsync("journey-1", status);

        var result = await Store.PurgeInstanceAsync("journey-1");

        Assert.Equal(PurgeResult.NotFinished, result);
        Assert.NotNull(await Store.GetInstanceAsync("journey-1"));
        Assert.NotEmpty(await Store.GetHistoryAsync("journey-1"));
    }

    [Fact]
    public async Task PurgeInstanceAsync_PendingInstance_ReturnsNotFinished()
    {
        await CreateAsync("journey-1");

        Assert.Equal(PurgeResult.NotFinished, await Store.PurgeInstanceAsync("journey-1"));
        Assert.Single((await LockSingleAsync("journey-1")).Messages);
    }

    [Fact]
    public async Task PurgeInstanceAsync_UnknownInstance_ReturnsNotFound()
    {
        Assert.Equal(PurgeResult.NotFound, await Store.PurgeInstanceAsync("nobody"));
    }

    [Fact]
    public async Task PurgeInstancesAsync_CompletedBefore_PurgesOnlyFinishedOlderInstancesUpToMaxCount()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreateInStatusAsync($"old-{i}", i % 2 == 0 ? InstanceStatus.Completed : InstanceStatus.Terminated);
        }

        await CreateInStatusAsync("old-running", InstanceStatus.Running);
        Time.Advance(TimeSpan.FromDays(30));
        var cutoff = Now;
        Time.Advance(TimeSpan.FromDays(1));
        await CreateInStatusAsync("recent", InstanceStatus.Failed);

        var first = await Store.PurgeInstancesAsync(cutoff, 3);
        var second = await Store.PurgeInstancesAsync(cutoff, 100);
        var third = await Store.PurgeInstancesAsync(cutoff, 100);

        Assert.Equal(3, first);
        Assert.Equal(2, second);
        Assert.Equal(0, third);
        Assert.Equal(["old-running", "recent"], await QueryIdsAsync(new InstanceQuery()));
        Assert.Empty(await Store.GetHistoryAsync("old-0"));
    }

    [Fact]
    public async Task PurgeInstancesAsync_ManyInstances_PurgesThemAll()
    {
        for (var i = 0; i < 300; i++)
        {
            await CreateAsync($"journey-{i:D3}");
        }

        var items = await Store.LockNextOrchestrationsAsync(1000, Now, LockDuration);
        Assert.Equal(300, items.Count);
        await Task.WhenAll(items.Select(item => Store.CommitOrchestrationAsync(item, Episode(item, InstanceStatus.Completed))));

        var purged = await Store.PurgeInstancesAsync(Now.AddSeconds(1), 1000);

        Assert.Equal(300, purged);
        Assert.Empty((await Store.QueryInstancesAsync(new InstanceQuery())).Instances);
    }
}
