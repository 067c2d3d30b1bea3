using Azure.Data.Tables;
using JourneyOrchestrator.Storage.AzureStorage.Data;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.Data;

/// <summary>
/// What only the Azure Tables journey index does: each look-up is a query of one partition, and the states a crash or a lost
/// race leaves (unconfirmed rows, rows of another owner at a journey's positions, an erasure that stopped part-way) never
/// return a wrong entry and are cleaned up. The port's behaviour: <see cref="AzureStorageJourneyIndexConformanceTests"/>.
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class AzureStorageJourneyIndexTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly RequestLog _requests = new();
    private AzureStorageJourneyDataStore _store = null!;

    public async Task InitializeAsync()
    {
        var options = azurite.Options(AzuriteFixture.NewPrefix());
        options.RequestPolicyForTests = _requests;
        _store = new AzureStorageJourneyDataStore(options);
        await _store.InitializeAsync();
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private TableClient Table => _store.JourneysTable;

    private static JourneyIndexEntry Entry(string id, string dealer = "d-1", string customer = "anna", string template = "welcome", int minutes = 0) => new()
    {
        JourneyId = id,
        DealerId = dealer,
        CustomerId = customer,
        TemplateId = template,
        TemplateVersion = 1,
        KeyHash = $"hash-{dealer}-{customer}",
        TriggerEventId = "evt-" + id,
        CreatedAt = T0.AddMinutes(minutes),
    };

    [Fact]
    public async Task LookUps_AreQueriesOfOnePartition_AndAListOfConfirmedRowsIsOneRequest()
    {
        for (var i = 0; i < 6; i++)
        {
            await _store.AddOrGetAsync(Entry($"j-{i}", dealer: $"d-{i % 2}", customer: $"c-{i % 3}", template: $"t-{i % 2}", minutes: i));
        }

        _requests.Clear();
        var listed = await _store.ListByCustomerAsync("d-0", "c-0", unfinishedOnly: true, max: 10);

        Assert.Equal(["j-0"], listed.Select(e => e.JourneyId));
        Assert.Equal(["table query"], _requests.Requests);
        Assert.StartsWith("PartitionKey eq 'c|d-0|c-0'", Assert.Single(_requests.QueryFilters), StringComparison.Ordinal);

        foreach (var query in new[]
        {
            new JourneyIndexQuery(), new JourneyIndexQuery { Finished = false }, new JourneyIndexQuery { DealerId = "d-1" },
            new JourneyIndexQuery { DealerId = "d-1", CustomerId = "c-1", TemplateId = "t-1" }, new JourneyIndexQuery { TemplateId = "t-0" },
            new JourneyIndexQuery { DealerId = "d-0", TemplateId = "t-0", PageSize = 1 },
        })
        {
            _requests.Clear();
            await _store.QueryAsync(query);
            Assert.All(_requests.Requests, r => Assert.Equal("table query", r));
            Assert.All(_requests.QueryFilters, f => Assert.Matches("^PartitionKey eq '[^']+'( and |$)", f));
        }
    }

    [Fact]
    public async Task CrashAfterThePrimaryInsert_UnconfirmedRowsAreResolvedThroughThePrimary()
    {
        var entry = await _store.AddOrGetAsync(Entry("j-1"));
        await SetConfirmedAsync("j-1", false);

        Assert.Equal([entry], await _store.ListByCustomerAsync("d-1", "anna", false, 10));
        Assert.Equal([entry], (await _store.QueryAsync(new JourneyIndexQuery { DealerId = "d-1", TemplateId = "welcome" })).Entries);
        Assert.Equal([entry], (await _store.QueryAsync(new JourneyIndexQuery())).Entries);
        Assert.True(await _store.MarkFinishedAsync("j-1"));
        Assert.Empty(await _store.ListByCustomerAsync("d-1", "anna", true, 10));
        Assert.All(await IndexRowsAsync("j-1"), r => Assert.True(r.GetBoolean("Confirmed")));
    }

    [Fact]
    public async Task AnotherOwnersUnconfirmedRowAtAJourneysPosition_ReturnsThePrimarysEntry()
    {
        var winner = await _store.AddOrGetAsync(Entry("j-1"));
        var dealerRow = (await IndexRowsAsync("j-1")).Single(r => r.PartitionKey == "d|d-1");
        dealerRow["CustomerId"] = "mallory";
        dealerRow["KeyHash"] = "hash-of-mallory";
        dealerRow["Confirmed"] = false;
        await Table.UpdateEntityAsync(dealerRow, dealerRow.ETag, TableUpdateMode.Replace);

        Assert.Equal([winner], (await _store.QueryAsync(new JourneyIndexQuery { DealerId = "d-1" })).Entries);
        Assert.Empty(await _store.ListByCustomerAsync("d-1", "mallory", false, 10));
    }

    [Fact]
    public async Task CrashBeforeThePrimaryInsert_LeavesNoJourney_AndErasureDeletesTheClaimsRows()
    {
        // A claim's index rows (unconfirmed) without its primary row: the process died between them.
        await _store.AddOrGetAsync(Entry("j-1"));
        await SetConfirmedAsync("j-1", false);
        await Table.DeleteEntityAsync("i|j-1", "$");
        var kept = await _store.AddOrGetAsync(Entry("j-2", customer: "bert"));

        Assert.Empty(await _store.ListByCustomerAsync("d-1", "anna", false, 10));
        Assert.Equal([kept], (await _store.QueryAsync(new JourneyIndexQuery { DealerId = "d-1" })).Entries);
        Assert.Null(await _store.GetAsync("j-1"));

        Assert.Equal(0, await _store.EraseCustomerAsync("d-1", "anna", "erased-1"));

        Assert.Empty(await IndexRowsAsync("j-1"));
        Assert.DoesNotContain(await AllRowsAsync(), r => r.GetString("KeyHash") == "hash-d-1-anna");
        Assert.Equal([kept], (await _store.QueryAsync(new JourneyIndexQuery())).Entries);
    }

    [Fact]
    public async Task ErasureThatStoppedBeforeDeletingTheOldCustomerRow_IsCompletedByTheNextCall()
    {
        await _store.AddOrGetAsync(Entry("j-1"));
        var old = (await IndexRowsAsync("j-1")).Single(r => r.PartitionKey == "c|d-1|anna");
        Assert.Equal(1, await _store.EraseCustomerAsync("d-1", "anna", "erased-1"));
        old.ETag = default;
        await Table.AddEntityAsync(old); // as if the first call had stopped just before its last delete

        Assert.Equal(1, await _store.EraseCustomerAsync("d-1", "anna", "erased-1"));
        Assert.Equal(0, await _store.EraseCustomerAsync("d-1", "anna", "erased-1"));

        Assert.Empty(await _store.ListByCustomerAsync("d-1", "anna", false, 10));
        Assert.Equal(["j-1"], (await _store.ListByCustomerAsync("d-1", "erased-1", false, 10)).Select(e => e.JourneyId));
        var rows = await AllRowsAsync();
        Assert.Equal(6, rows.Count); // the primary and five index rows
        Assert.All(rows, r => Assert.Equal(("erased-1", null, null, true), (r.GetString("CustomerId"), r.GetString("KeyHash"), r.GetString("TriggerEventId"), r.GetBoolean("Finished"))));
    }

    private async Task SetConfirmedAsync(string journeyId, bool confirmed)
    {
        foreach (var row in await IndexRowsAsync(journeyId))
        {
            row["Confirmed"] = confirmed;
            await Table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace);
        }
    }

    private async Task<List<TableEntity>> IndexRowsAsync(string journeyId) =>
        [.. (await AllRowsAsync()).Where(r => r.GetString("JourneyId") == journeyId && !r.PartitionKey.StartsWith("i|", StringComparison.Ordinal))];

    private async Task<List<TableEntity>> AllRowsAsync()
    {
        var rows = new List<TableEntity>();
        await foreach (var row in Table.QueryAsync<TableEntity>())
        {
            rows.Add(row);
        }

        return rows;
    }
}
