
namespace JourneyOrchestrator.Templates.Data;

/// <summary>An <see cref="IJourneyIndex"/> in memory behind one lock, with the real stores' semantics (newest first, AddOrGet keeps the first row).</summary>
public sealed class InMemoryJourneyIndex : IJourneyIndex
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, JourneyIndexEntry> _rows = new(StringComparer.Ordinal);

    public Task<JourneyIndexEntry> AddOrGetAsync(JourneyIndexEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        lock (_gate)
        {
            return Task.FromResult(_rows.TryAdd(entry.JourneyId, entry) ? entry : _rows[entry.JourneyId]);
        }
    }

    public Task<JourneyIndexEntry?> GetAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.GetValueOrDefault(journeyId));
        }
    }

    public Task<IReadOnlyList<JourneyIndexEntry>> ListByCustomerAsync(string dealerId, string customerId, bool unfinishedOnly, int max, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<JourneyIndexEntry>>([.. Newest(_rows.Values.Where(r => r.DealerId == dealerId && r.CustomerId == customerId && !(unfinishedOnly && r.Finished))).Take(max)]);
        }
    }

    public Task<JourneyIndexPage> QueryAsync(JourneyIndexQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var skip = query.ContinuationToken is null ? 0 : int.TryParse(query.ContinuationToken, out var n) && n >= 0 ? n : throw new FormatException("Not a continuation token.");
        lock (_gate)
        {
            var matching = Newest(_rows.Values.Where(r =>
                (query.DealerId is null || r.DealerId == query.DealerId) && (query.CustomerId is null || r.CustomerId == query.CustomerId) &&
                (query.TemplateId is null || r.TemplateId == query.TemplateId) && (query.Finished is null || r.Finished == query.Finished))).ToList();
            var page = matching.Skip(skip).Take(query.PageSize).ToList();
            return Task.FromResult(new JourneyIndexPage(page, skip + page.Count < matching.Count ? (skip + page.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) : null));
        }
    }

    public Task<bool> MarkFinishedAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_rows.TryGetValue(journeyId, out var row))
            {
                return Task.FromResult(false);
            }

            _rows[journeyId] = row with { Finished = true };
            return Task.FromResult(true);
        }
    }

    public Task<int> EraseCustomerAsync(string dealerId, string customerId, string pseudonym, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var rows = _rows.Values.Where(r => r.DealerId == dealerId && r.CustomerId == customerId).ToList();
            foreach (var row in rows)
            {
                _rows[row.JourneyId] = row with { CustomerId = pseudonym, KeyHash = null, TriggerEventId = null, Finished = true };
            }

            return Task.FromResult(rows.Count);
        }
    }

    public Task<bool> RemoveAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_rows.Remove(journeyId));
        }
    }

    private static IOrderedEnumerable<JourneyIndexEntry> Newest(IEnumerable<JourneyIndexEntry> rows) =>
        rows.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.JourneyId, StringComparer.Ordinal);
}
