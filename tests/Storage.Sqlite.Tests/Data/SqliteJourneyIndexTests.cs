using JourneyOrchestrator.Storage.Sqlite.Data;
using JourneyOrchestrator.Templates.Data;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Tests.Data;

/// <summary>
/// What only the SQLite journey index does: every look-up is an index SEARCH (never a SCAN of the table, never a sort), also
/// with 200,000 journeys, and a version-2 data file upgrades. The port's behaviour: <see cref="SqliteJourneyIndexConformanceTests"/>.
/// </summary>
public sealed class SqliteJourneyIndexTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);
    private readonly SqliteTestDirectory _directory = new();

    private string DataPath => Path.Combine(_directory.Path, SqliteJourneyDataStore.DefaultFileName);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task EveryLookUp_IsAnIndexSearch_NeverAScanOrASort()
    {
        await using var store = await OpenAsync();

        var plans = await store.ExplainIndexLookupsAsync();

        var expected = new Dictionary<string, string>
        {
            ["customer"] = "ix_journeys_customer",
            ["dealer_template"] = "ix_journeys_dealer_template",
            ["dealer"] = "ix_journeys_dealer",
            ["template"] = "ix_journeys_template",
            ["created"] = "ix_journeys_created",
            ["list_by_customer"] = "ix_journeys_customer",
            ["erase_customer"] = "ix_journeys_customer",
            ["get"] = "PRIMARY KEY",
        };
        Assert.Equal(expected.Keys.Order(), plans.Keys.Order());
        foreach (var (name, plan) in plans)
        {
            AssertSearch(name, plan, expected[name]);
        }
    }

    [Fact]
    public async Task ListByCustomerAsync_With200000Journeys_KeepsThePlanAndReadsOnlyTheCustomersRows()
    {
        IReadOnlyDictionary<string, IReadOnlyList<string>> emptyPlans;
        await using (var store = await OpenAsync())
        {
            emptyPlans = await store.ExplainIndexLookupsAsync();
        }

        BulkInsert(200_000);

        await using var large = await OpenAsync();
        var plans = await large.ExplainIndexLookupsAsync();
        foreach (var (name, plan) in emptyPlans)
        {
            Assert.Equal(plan, plans[name]);
        }

        // Dealer 7's customer 42: journeys n with n % 50 == 7 and (n / 50) % 1000 == 42, i.e. every 50,000th: 4 of them.
        var listed = await large.ListByCustomerAsync("d-7", "c-42", false, 1000);
        Assert.Equal([152_107, 102_107, 52_107, 2_107], listed.Select(e => int.Parse(e.JourneyId[2..], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(listed, e => Assert.Equal(("d-7", "c-42"), (e.DealerId, e.CustomerId)));
        Assert.Equal(2, (await large.ListByCustomerAsync("d-7", "c-42", true, 1000)).Count);

        var page = await large.QueryAsync(new JourneyIndexQuery { DealerId = "d-7", PageSize = 1000 });
        Assert.Equal(1000, page.Entries.Count);
        var next = await large.QueryAsync(new JourneyIndexQuery { DealerId = "d-7", PageSize = 1000, ContinuationToken = page.ContinuationToken });
        Assert.True(next.Entries[0].CreatedAt <= page.Entries[^1].CreatedAt);
    }

    [Fact]
    public async Task InitializeAsync_DataFileOfVersion2_GetsTheJourneyIndex()
    {
        await using (var store = await OpenAsync())
        {
            await store.CreateTaskAsync(new SalesTask { Id = "t1", DealerId = "d-1", JourneyId = "j-0", CustomerId = "anna", StepId = "call", Type = "call", Title = "Call", Status = TaskStatuses.Open, CreatedAt = T0, DueAt = T0 });
        }

        using (var connection = new SqliteConnection($"Data Source={DataPath};Pooling=False"))
        {
            connection.Open();
            using var downgrade = connection.CreateCommand();
            downgrade.CommandText = "DROP TABLE journeys; DROP TABLE emails; UPDATE schema_version SET version = 2;";
            downgrade.ExecuteNonQuery();
        }

        await using var upgraded = await OpenAsync();
        var entry = new JourneyIndexEntry { JourneyId = "j-1", DealerId = "d-1", CustomerId = "anna", TemplateId = "welcome", TemplateVersion = 1, CreatedAt = T0 };
        Assert.Equal(entry, await upgraded.AddOrGetAsync(entry));
        Assert.NotNull(await upgraded.GetTaskAsync("t1"));
        Assert.Equal(1, await upgraded.PublishEmailAsync(new EmailContent { Name = "hello", DefaultLocale = "en", Locales = new Dictionary<string, EmailLocaleContent> { ["en"] = new() { Subject = "Hi", Html = "<p>Hi</p>" } } }, T0)); // 3 -> 4 too
        AssertSearch("list_by_customer", (await upgraded.ExplainIndexLookupsAsync())["list_by_customer"], "ix_journeys_customer");
    }

    private static void AssertSearch(string name, IReadOnlyList<string> plan, string index)
    {
        Assert.True(plan.Count > 0, $"{name}: no plan");
        Assert.DoesNotContain(plan, line => line.StartsWith("SCAN", StringComparison.Ordinal));
        Assert.DoesNotContain(plan, line => line.Contains("TEMP B-TREE", StringComparison.Ordinal));
        Assert.Contains(plan, line => line.StartsWith("SEARCH journeys USING ", StringComparison.Ordinal) && line.Contains(index, StringComparison.Ordinal));
    }

    /// <summary>Journeys j-0..j-{count-1}: dealer n % 50, customer (n / 50) % 1000, template n % 7, a minute apart, every other finished.</summary>
    private void BulkInsert(int count)
    {
        using var connection = new SqliteConnection($"Data Source={DataPath};Pooling=False");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText =
            """
            INSERT INTO journeys (journey_id, dealer_id, customer_id, template_id, template_version, key_hash, trigger_event_id, created_at, created_order, finished)
            VALUES ($id, $dealer, $customer, $template, 1, $hash, NULL, $at, $order, $finished)
            """;
        var parameters = new[] { "$id", "$dealer", "$customer", "$template", "$hash", "$at", "$order", "$finished" }
            .Select(n => insert.Parameters.Add(new SqliteParameter { ParameterName = n }))
            .ToArray();
        insert.Prepare();
        for (var n = 0; n < count; n++)
        {
            var ticks = T0.AddMinutes(n).UtcTicks;
            parameters[0].Value = $"j-{n}";
            parameters[1].Value = $"d-{n % 50}";
            parameters[2].Value = $"c-{n / 50 % 1000}";
            parameters[3].Value = $"t-{n % 7}";
            parameters[4].Value = $"h-{n}";
            parameters[5].Value = ticks;
            parameters[6].Value = long.MaxValue - ticks;
            parameters[7].Value = n / 50_000 % 2;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private async Task<SqliteJourneyDataStore> OpenAsync()
    {
        var store = new SqliteJourneyDataStore(new SqliteStoreOptions { Path = DataPath });
        await store.InitializeAsync();
        return store;
    }
}
