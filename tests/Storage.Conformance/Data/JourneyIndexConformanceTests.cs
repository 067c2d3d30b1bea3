using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.Conformance.Data;

/// <summary>
/// The behaviour every <see cref="IJourneyIndex"/> must have: the id is claimed once (also under concurrency), look-ups by
/// customer, dealer, template and time newest first (ties by id), paging that covers every row exactly once, validated
/// tokens, finishing, erasure (only that dealer's customer, idempotent) and removal. A provider's test project subclasses it
/// and returns a fresh, empty, not yet initialized data store that is also the index.
/// </summary>
public abstract class JourneyIndexConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private IJourneyDataStore? _store;

    /// <summary>The index under test, initialized.</summary>
    protected IJourneyIndex Index => (IJourneyIndex)(_store ?? throw new InvalidOperationException("The store is not created yet."));

    /// <summary>A fresh, empty, not yet initialized data store that implements <see cref="IJourneyIndex"/>.</summary>
    protected abstract Task<IJourneyDataStore> CreateStoreAsync();

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

    protected static JourneyIndexEntry Entry(string id, string dealer = "d-1", string customer = "anna", string template = "welcome", int minutes = 0, bool finished = false) => new()
    {
        JourneyId = id,
        DealerId = dealer,
        CustomerId = customer,
        TemplateId = template,
        TemplateVersion = 3,
        KeyHash = "hash-" + id,
        TriggerEventId = "evt-" + id,
        CreatedAt = T0.AddMinutes(minutes),
        Finished = finished,
    };

    /// <summary>The contract's order: newest first, ties by id ascending.</summary>
    protected static List<JourneyIndexEntry> Newest(IEnumerable<JourneyIndexEntry> entries) =>
        [.. entries.OrderByDescending(e => e.CreatedAt).ThenBy(e => e.JourneyId, StringComparer.Ordinal)];

    // ---- add and get ---------------------------------------------------------------------------

    [Fact]
    public async Task AddOrGetAsync_NewId_StoresTheEntryAsGiven()
    {
        var entry = Entry("j-1") with { CreatedAt = new DateTimeOffset(2026, 1, 5, 11, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567) };
        var plain = Entry("j-2") with { KeyHash = null, TriggerEventId = null };

        Assert.Equal(entry, await Index.AddOrGetAsync(entry));
        Assert.Equal(plain, await Index.AddOrGetAsync(plain));

        var read = await Index.GetAsync("j-1");
        Assert.Equal(entry, read);
        Assert.Equal(entry.CreatedAt.UtcTicks, read!.CreatedAt.UtcTicks);
        Assert.Equal(plain, await Index.GetAsync("j-2"));
        Assert.Null(await Index.GetAsync("j-unknown"));
    }

    [Fact]
    public async Task AddOrGetAsync_ExistingId_ReturnsTheExistingRowUnchanged()
    {
        var first = Entry("j-1");
        await Index.AddOrGetAsync(first);

        var second = await Index.AddOrGetAsync(Entry("j-1", dealer: "d-2", customer: "bert", template: "other", minutes: 5));

        Assert.Equal(first, second);
        Assert.Equal(first, await Index.GetAsync("j-1"));
        Assert.Empty(await Index.ListByCustomerAsync("d-2", "bert", false, 10));
        Assert.Empty((await Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-2" })).Entries);
        Assert.Equal([first], (await Index.QueryAsync(new JourneyIndexQuery())).Entries);
    }

    [Fact]
    public async Task AddOrGetAsync_EightConcurrentAddsOfOneIdWithDifferentOwners_AllGetTheSameRow()
    {
        var claims = Enumerable.Range(0, 8)
            .Select(i => Entry("j-race", dealer: $"d-{i % 2}", customer: $"c-{i}", template: $"t-{i % 3}", minutes: i % 2))
            .ToList();

        var results = await Task.WhenAll(claims.Select(c => Task.Run(() => Index.AddOrGetAsync(c))));

        var winner = results[0];
        Assert.All(results, r => Assert.Equal(winner, r));
        Assert.Contains(winner, claims);
        Assert.Equal(winner, await Index.GetAsync("j-race"));
        foreach (var claim in claims)
        {
            var listed = await Index.ListByCustomerAsync(claim.DealerId, claim.CustomerId, false, 10);
            Assert.Equal(claim.CustomerId == winner.CustomerId ? [winner] : [], listed);
        }

        Assert.Equal([winner], (await Index.QueryAsync(new JourneyIndexQuery())).Entries);
        Assert.Equal([winner], (await Index.QueryAsync(new JourneyIndexQuery { DealerId = winner.DealerId })).Entries);
        Assert.Equal([winner], (await Index.QueryAsync(new JourneyIndexQuery { TemplateId = winner.TemplateId })).Entries);
        Assert.Equal([winner], (await Index.QueryAsync(new JourneyIndexQuery { DealerId = winner.DealerId, TemplateId = winner.TemplateId })).Entries);
        Assert.Empty((await Index.QueryAsync(new JourneyIndexQuery { DealerId = winner.DealerId == "d-0" ? "d-1" : "d-0" })).Entries);
    }

    // ---- by customer ---------------------------------------------------------------------------

    [Fact]
    public async Task ListByCustomerAsync_NewestFirstTiesById_AtMostMax_OnlyThatDealersCustomer()
    {
        var mine = new[]
        {
            Entry("j-b", minutes: 10), Entry("j-a", minutes: 10), Entry("j-c", minutes: 5),
            Entry("j-d", minutes: 20, finished: true), Entry("j-e", minutes: 1),
        };
        foreach (var entry in mine)
        {
            await Index.AddOrGetAsync(entry);
        }

        await Index.AddOrGetAsync(Entry("j-other-dealer", dealer: "d-2", minutes: 30));
        await Index.AddOrGetAsync(Entry("j-other-customer", customer: "bert", minutes: 30));

        Assert.Equal(["j-d", "j-a", "j-b", "j-c", "j-e"], (await Index.ListByCustomerAsync("d-1", "anna", false, 10)).Select(e => e.JourneyId));
        Assert.Equal(["j-d", "j-a"], (await Index.ListByCustomerAsync("d-1", "anna", false, 2)).Select(e => e.JourneyId));
        Assert.Equal(["j-a", "j-b", "j-c", "j-e"], (await Index.ListByCustomerAsync("d-1", "anna", true, 10)).Select(e => e.JourneyId));
        Assert.Equal(["j-a"], (await Index.ListByCustomerAsync("d-1", "anna", true, 1)).Select(e => e.JourneyId));
        Assert.Equal(["j-other-dealer"], (await Index.ListByCustomerAsync("d-2", "anna", false, 10)).Select(e => e.JourneyId));
        Assert.Empty(await Index.ListByCustomerAsync("d-3", "anna", false, 10));
        Assert.Equal(mine.Single(e => e.JourneyId == "j-a"), (await Index.ListByCustomerAsync("d-1", "anna", true, 1))[0]);
    }

    [Fact]
    public async Task ListByCustomerAsync_MaxOutOfRange_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Index.ListByCustomerAsync("d-1", "anna", false, 0));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Index.ListByCustomerAsync("d-1", "anna", false, 1001));
        Assert.Empty(await Index.ListByCustomerAsync("d-1", "anna", false, 1000));
    }

    // ---- queries -------------------------------------------------------------------------------

    public static TheoryData<string?, string?, string?, bool?> Filters => new()
    {
        { null, null, null, null },
        { null, null, null, false },
        { "d-1", null, null, null },
        { "d-1", null, null, true },
        { "d-1", "c-1", null, null },
        { "d-1", "c-1", "t-a", null },
        { "d-2", "c-0", null, false },
        { "d-1", null, "t-b", null },
        { null, null, "t-a", null },
        { null, null, "t-b", true },
        { "d-9", null, null, null },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task QueryAsync_PagedWithTokens_CoversEveryMatchingRowOnceNewestFirst(string? dealer, string? customer, string? template, bool? finished)
    {
        var all = new List<JourneyIndexEntry>();
        var n = 0;
        foreach (var d in new[] { "d-1", "d-2" })
        {
            foreach (var c in new[] { "c-0", "c-1" })
            {
                foreach (var t in new[] { "t-a", "t-b" })
                {
                    for (var i = 0; i < 4; i++, n++)
                    {
                        // Minutes repeat (n % 7), so pages end inside groups of equal times: ties by id.
                        all.Add(Entry($"j-{n:D2}", d, c, t, minutes: n % 7, finished: n % 3 == 0));
                    }
                }
            }
        }

        await Task.WhenAll(all.Select(e => Index.AddOrGetAsync(e)));
        var expected = Newest(all.Where(e =>
            (dealer is null || e.DealerId == dealer) && (customer is null || e.CustomerId == customer) &&
            (template is null || e.TemplateId == template) && (finished is null || e.Finished == finished)));

        var read = new List<JourneyIndexEntry>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Index.QueryAsync(new JourneyIndexQuery { DealerId = dealer, CustomerId = customer, TemplateId = template, Finished = finished, PageSize = 3, ContinuationToken = token });
            Assert.InRange(page.Entries.Count, token is null && expected.Count == 0 ? 0 : 1, 3);
            read.AddRange(page.Entries);
            token = page.ContinuationToken;
            Assert.True(++pages <= 30, "More pages than rows.");
        }
        while (token is not null);

        Assert.Equal(expected, read);
        var whole = await Index.QueryAsync(new JourneyIndexQuery { DealerId = dealer, CustomerId = customer, TemplateId = template, Finished = finished, PageSize = 1000 });
        Assert.Equal(expected, whole.Entries);
        Assert.Null(whole.ContinuationToken);
    }

    [Fact]
    public async Task QueryAsync_LastPageExactlyFull_HasNoToken()
    {
        await Index.AddOrGetAsync(Entry("j-1", minutes: 1));
        await Index.AddOrGetAsync(Entry("j-2", minutes: 2));

        var page = await Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-1", PageSize = 2 });

        Assert.Equal(["j-2", "j-1"], page.Entries.Select(e => e.JourneyId));
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task QueryAsync_UnusableToken_ThrowsFormatException()
    {
        for (var i = 0; i < 5; i++)
        {
            await Index.AddOrGetAsync(Entry($"j-{i}", minutes: i));
        }

        var first = await Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-1", PageSize = 2 });
        var token = first.ContinuationToken!;
        Assert.NotNull(token);

        foreach (var bad in new[] { "not a token!", "", "AAAA", token[..^2], "x" + token, Convert.ToBase64String("1.abc.123.j-1"u8) })
        {
            await Assert.ThrowsAsync<FormatException>(() => Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-1", PageSize = 2, ContinuationToken = bad }));
        }

        // A token of another query (other filters) is refused too.
        await Assert.ThrowsAsync<FormatException>(() => Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-2", PageSize = 2, ContinuationToken = token }));
        await Assert.ThrowsAsync<FormatException>(() => Index.QueryAsync(new JourneyIndexQuery { PageSize = 2, ContinuationToken = token }));
        // The same query with another page size continues where the token points.
        var next = await Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-1", PageSize = 10, ContinuationToken = token });
        Assert.Equal(["j-2", "j-1", "j-0"], next.Entries.Select(e => e.JourneyId));
    }

    [Fact]
    public async Task QueryAsync_BadArguments_Throw()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Index.QueryAsync(new JourneyIndexQuery { PageSize = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Index.QueryAsync(new JourneyIndexQuery { PageSize = 1001 }));
        await Assert.ThrowsAsync<ArgumentException>(() => Index.QueryAsync(new JourneyIndexQuery { CustomerId = "anna" }));
    }

    // ---- finishing, erasure, removal -----------------------------------------------------------

    [Fact]
    public async Task MarkFinishedAsync_SetsFinishedEverywhere_IdempotentAndFalseWhenUnknown()
    {
        await Index.AddOrGetAsync(Entry("j-1", minutes: 1));
        await Index.AddOrGetAsync(Entry("j-2", minutes: 2));

        Assert.True(await Index.MarkFinishedAsync("j-1"));
        Assert.True(await Index.MarkFinishedAsync("j-1"));
        Assert.False(await Index.MarkFinishedAsync("j-unknown"));

        Assert.Equal(Entry("j-1", minutes: 1, finished: true), await Index.GetAsync("j-1"));
        Assert.Equal(["j-2"], (await Index.ListByCustomerAsync("d-1", "anna", true, 10)).Select(e => e.JourneyId));
        Assert.Equal([true, false], (await Index.ListByCustomerAsync("d-1", "anna", false, 10)).OrderBy(e => e.JourneyId).Select(e => e.Finished));
        foreach (var query in new[] { new JourneyIndexQuery(), new JourneyIndexQuery { DealerId = "d-1" }, new JourneyIndexQuery { TemplateId = "welcome" }, new JourneyIndexQuery { DealerId = "d-1", TemplateId = "welcome" }, new JourneyIndexQuery { DealerId = "d-1", CustomerId = "anna" } })
        {
            Assert.Equal(["j-1"], (await Index.QueryAsync(query with { Finished = true })).Entries.Select(e => e.JourneyId));
            Assert.Equal(["j-2"], (await Index.QueryAsync(query with { Finished = false })).Entries.Select(e => e.JourneyId));
        }
    }

    [Fact]
    public async Task EraseCustomerAsync_PseudonymisesThatDealersCustomer_Idempotent_OthersUntouched()
    {
        await Index.AddOrGetAsync(Entry("j-1", minutes: 1));
        await Index.AddOrGetAsync(Entry("j-2", minutes: 2, finished: true));
        var otherDealer = await Index.AddOrGetAsync(Entry("j-3", dealer: "d-2", minutes: 3));
        var otherCustomer = await Index.AddOrGetAsync(Entry("j-4", customer: "bert", minutes: 4));

        Assert.Equal(2, await Index.EraseCustomerAsync("d-1", "anna", "erased-01"));
        Assert.Equal(0, await Index.EraseCustomerAsync("d-1", "anna", "erased-01"));
        Assert.Equal(0, await Index.EraseCustomerAsync("d-9", "nobody", "erased-02"));

        foreach (var (id, minutes) in new[] { ("j-1", 1), ("j-2", 2) })
        {
            var expected = Entry(id, customer: "erased-01", minutes: minutes, finished: true) with { KeyHash = null, TriggerEventId = null };
            Assert.Equal(expected, await Index.GetAsync(id));
        }

        Assert.Empty(await Index.ListByCustomerAsync("d-1", "anna", false, 10));
        Assert.Equal(["j-2", "j-1"], (await Index.ListByCustomerAsync("d-1", "erased-01", false, 10)).Select(e => e.JourneyId));
        Assert.Empty((await Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-1", CustomerId = "anna" })).Entries);
        var dealerRows = (await Index.QueryAsync(new JourneyIndexQuery { DealerId = "d-1" })).Entries;
        Assert.Equal(["j-4", "j-2", "j-1"], dealerRows.Select(e => e.JourneyId));
        Assert.All(dealerRows.Where(e => e.JourneyId != "j-4"), e => Assert.Equal(("erased-01", null, null, true), (e.CustomerId, e.KeyHash, e.TriggerEventId, e.Finished)));
        foreach (var query in new[] { new JourneyIndexQuery(), new JourneyIndexQuery { TemplateId = "welcome" }, new JourneyIndexQuery { DealerId = "d-1", TemplateId = "welcome" } })
        {
            Assert.DoesNotContain((await Index.QueryAsync(query)).Entries, e => e.KeyHash is not null && e.DealerId == "d-1" && e.CustomerId != "bert");
        }

        Assert.Equal(otherDealer, await Index.GetAsync("j-3"));
        Assert.Equal([otherDealer], await Index.ListByCustomerAsync("d-2", "anna", false, 10));
        Assert.Equal(otherCustomer, await Index.GetAsync("j-4"));
        await Assert.ThrowsAsync<ArgumentException>(() => Index.EraseCustomerAsync("d-1", "bert", "bert"));
        await Assert.ThrowsAsync<ArgumentException>(() => Index.EraseCustomerAsync("d-1", "bert", " "));
    }

    [Fact]
    public async Task RemoveAsync_RemovesTheRowFromEveryLookUp()
    {
        await Index.AddOrGetAsync(Entry("j-1", minutes: 1));
        var kept = await Index.AddOrGetAsync(Entry("j-2", minutes: 2));

        Assert.True(await Index.RemoveAsync("j-1"));
        Assert.False(await Index.RemoveAsync("j-1"));

        Assert.Null(await Index.GetAsync("j-1"));
        Assert.Equal([kept], await Index.ListByCustomerAsync("d-1", "anna", false, 10));
        foreach (var query in new[] { new JourneyIndexQuery(), new JourneyIndexQuery { DealerId = "d-1" }, new JourneyIndexQuery { TemplateId = "welcome" }, new JourneyIndexQuery { DealerId = "d-1", TemplateId = "welcome" } })
        {
            Assert.Equal([kept], (await Index.QueryAsync(query)).Entries);
        }

        // The id can be claimed again, by anyone.
        var again = Entry("j-1", dealer: "d-2", minutes: 9);
        Assert.Equal(again, await Index.AddOrGetAsync(again));
        Assert.False(await Index.MarkFinishedAsync("j-unknown"));
    }
}
