namespace JourneyOrchestrator.Templates.Delivery;

/// <summary>
/// <see cref="IDeliveryStore"/> in memory: the default when no durable store is registered (tests, simulation). Loses the
/// ledger on restart, so a real host registers a durable one (<c>AddJourneyDelivery</c> uses SQLite).
/// </summary>
public sealed class InMemoryDeliveryStore : IDeliveryStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OutboundSend> _sends = new(StringComparer.Ordinal);
    private readonly List<Suppression> _suppressions = [];
    private readonly HashSet<string> _events = new(StringComparer.Ordinal);
    private readonly Dictionary<(string DealerId, string Hash), DateTimeOffset> _erasedAddresses = [];

    public IReadOnlyList<OutboundSend> Sends
    {
        get
        {
            lock (_gate)
            {
                return [.. _sends.Values];
            }
        }
    }

    public IReadOnlyList<Suppression> Suppressions
    {
        get
        {
            lock (_gate)
            {
                return [.. _suppressions];
            }
        }
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<SendClaim> ClaimSendAsync(OutboundSend send, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(send);
        lock (_gate)
        {
            if (!_sends.TryGetValue(send.Key, out var existing))
            {
                var row = send with { State = SendStates.Pending, Attempts = 1, UpdatedAt = send.CreatedAt };
                _sends[send.Key] = row;
                return Task.FromResult(new SendClaim(true, row));
            }

            if (existing.State == SendStates.Retry)
            {
                var row = existing with { State = SendStates.Pending, Attempts = existing.Attempts + 1, UpdatedAt = send.CreatedAt };
                _sends[send.Key] = row;
                return Task.FromResult(new SendClaim(true, row));
            }

            return Task.FromResult(new SendClaim(false, existing));
        }
    }

    public Task UpdateSendAsync(string key, string state, string? detail, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_sends.TryGetValue(key, out var row))
            {
                _sends[key] = row with { State = state, Detail = detail, UpdatedAt = now, SentAt = state == SendStates.Sent ? now : row.SentAt };
            }
        }

        return Task.CompletedTask;
    }

    public Task<OutboundSend?> GetSendAsync(string key, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_sends.GetValueOrDefault(key));
        }
    }

    public Task<IReadOnlyList<DateTimeOffset>> ListSentAtAsync(string dealerId, string customerId, string category, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<DateTimeOffset> times = [.. _sends.Values
                .Where(s => s.DealerId == dealerId && s.CustomerId == customerId && s.Category == category && s.SentAt is { } at && at >= since)
                .Select(s => s.SentAt!.Value)
                .Order()];
            return Task.FromResult(times);
        }
    }

    public Task<bool> AddSuppressionAsync(Suppression suppression, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(suppression);
        var normalised = suppression with { Email = suppression.Email?.ToLowerInvariant() };
        lock (_gate)
        {
            if (_suppressions.Any(s => s.DealerId == normalised.DealerId && s.CustomerId == normalised.CustomerId && s.Email == normalised.Email && s.Scope == normalised.Scope))
            {
                return Task.FromResult(false);
            }

            _suppressions.Add(normalised);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<Suppression>> FindSuppressionsAsync(string dealerId, string? customerId, string? email, CancellationToken cancellationToken = default)
    {
        var address = email?.ToLowerInvariant();
        lock (_gate)
        {
            IReadOnlyList<Suppression> found = [.. _suppressions.Where(s => s.DealerId == dealerId
                && ((customerId is not null && s.CustomerId == customerId) || (address is not null && s.Email == address)))];
            return Task.FromResult(found);
        }
    }

    public Task<bool> HasWebhookEventAsync(string provider, string eventId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_events.Contains(provider + "\n" + eventId));
        }
    }

    public Task<bool> TryRecordWebhookEventAsync(string provider, string eventId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_events.Add(provider + "\n" + eventId));
        }
    }

    public Task<DeliveryErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string? addressHash, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dealerId);
        ArgumentNullException.ThrowIfNull(customerId);
        var address = email?.ToLowerInvariant();
        lock (_gate)
        {
            if (addressHash is not null)
            {
                _erasedAddresses[(dealerId, addressHash)] = _erasedAddresses.TryGetValue((dealerId, addressHash), out var earlier) && earlier > now ? earlier : now;
            }

            var sends = _sends.Values.Where(s => s.DealerId == dealerId && s.CustomerId == customerId).Select(s => s.Key).ToList();
            sends.ForEach(key => _sends.Remove(key));
            var suppressions = _suppressions.RemoveAll(s => s.DealerId == dealerId && (s.CustomerId == customerId || (address is not null && s.Email == address)));
            return Task.FromResult(new DeliveryErasure(sends.Count, suppressions));
        }
    }

    public Task<DateTimeOffset?> GetErasedAddressAsync(string dealerId, string addressHash, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<DateTimeOffset?>(_erasedAddresses.TryGetValue((dealerId, addressHash), out var at) ? at : null);
        }
    }
}
