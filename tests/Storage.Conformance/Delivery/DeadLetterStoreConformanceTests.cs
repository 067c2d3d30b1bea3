using JourneyOrchestrator.Templates.Delivery;

namespace JourneyOrchestrator.Storage.Conformance.Delivery;

/// <summary>
/// The behaviour every <see cref="IDeadLetterStore"/> must have: one letter per id (adding again updates it), listed newest
/// first per dealer or for all, removed once. A provider's test project returns a fresh, empty store from <see cref="CreateStoreAsync"/>.
/// </summary>
public abstract class DeadLetterStoreConformanceTests : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 3, 2, 8, 0, 0, TimeSpan.Zero);

    private IDeadLetterStore? _store;

    protected IDeadLetterStore Store => _store ?? throw new InvalidOperationException("The store is not created yet.");

    /// <summary>A fresh, empty store, ready to use.</summary>
    protected abstract Task<IDeadLetterStore> CreateStoreAsync();

    public virtual async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        _store = null;
    }

    [Fact]
    public async Task UpsertDeadLetterAsync_SameIdAgain_UpdatesTheOneLetter()
    {
        await Store.UpsertDeadLetterAsync(Letter("t1", "dealer-a", T0));
        var updated = Letter("t1", "dealer-a", T0.AddHours(1)) with { LastError = "HTTP 503", Attempts = 7 };

        await Store.UpsertDeadLetterAsync(updated);

        Assert.Equal(updated, await Store.GetDeadLetterAsync("crm:t1"));
        Assert.Equal([updated], await Store.ListDeadLettersAsync(null));
        Assert.Null(await Store.GetDeadLetterAsync("crm:unknown"));
    }

    [Fact]
    public async Task ListDeadLettersAsync_NewestFirst_PerDealerOrAll()
    {
        await Store.UpsertDeadLetterAsync(Letter("t1", "dealer-a", T0));
        await Store.UpsertDeadLetterAsync(Letter("t2", "dealer-b", T0.AddMinutes(1)));
        await Store.UpsertDeadLetterAsync(Letter("t3", "dealer-a", T0.AddMinutes(2)));

        Assert.Equal(["crm:t3", "crm:t2", "crm:t1"], (await Store.ListDeadLettersAsync(null)).Select(l => l.Id));
        Assert.Equal(["crm:t3", "crm:t1"], (await Store.ListDeadLettersAsync("dealer-a")).Select(l => l.Id));
        Assert.Empty(await Store.ListDeadLettersAsync("dealer-c"));
    }

    [Fact]
    public async Task RemoveDeadLetterAsync_Twice_TrueThenFalse_AndAddableAgain()
    {
        await Store.UpsertDeadLetterAsync(Letter("t1", "dealer-a", T0));

        Assert.True(await Store.RemoveDeadLetterAsync("crm:t1"));
        Assert.False(await Store.RemoveDeadLetterAsync("crm:t1"));
        Assert.Null(await Store.GetDeadLetterAsync("crm:t1"));
        Assert.Empty(await Store.ListDeadLettersAsync("dealer-a"));

        await Store.UpsertDeadLetterAsync(Letter("t1", "dealer-a", T0.AddDays(1)));
        Assert.Equal(T0.AddDays(1), (await Store.GetDeadLetterAsync("crm:t1"))!.FailedAt);
    }

    protected static DeadLetter Letter(string taskId, string dealerId, DateTimeOffset failedAt) => new()
    {
        Id = "crm:" + taskId,
        Channel = "crm",
        DealerId = dealerId,
        TaskId = taskId,
        JourneyId = "j-" + taskId,
        LastError = "HTTP 500: boom",
        Attempts = 5,
        FailedAt = failedAt,
    };
}
