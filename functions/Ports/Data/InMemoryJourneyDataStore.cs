using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Data;

/// <summary>
/// An <see cref="IJourneyDataStore"/> in memory behind one lock, idempotent on ids like the real ones: the simulator's store (nothing
/// written anywhere) and the tests'. Unbounded: it holds one simulated journey, or one test's data.
/// </summary>
public sealed class InMemoryJourneyDataStore : IJourneyDataStore, IEmailContentStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<PublishedTemplate>> _templates = [];
    private readonly Dictionary<(string, string), CustomerProfile> _customers = [];
    private readonly Dictionary<string, SalesTask> _tasks = [];
    private readonly List<Touchpoint> _touchpoints = [];
    private readonly List<MailboxMessage> _mail = [];
    private readonly List<ErasureRecord> _erasures = [];

    public IReadOnlyList<Touchpoint> Touchpoints
    {
        get
        {
            lock (_gate)
            {
                return [.. _touchpoints];
            }
        }
    }

    public IReadOnlyList<MailboxMessage> Mail
    {
        get
        {
            lock (_gate)
            {
                return [.. _mail];
            }
        }
    }

    public IReadOnlyList<SalesTask> Tasks
    {
        get
        {
            lock (_gate)
            {
                return [.. _tasks.Values.OrderBy(t => t.CreatedAt)];
            }
        }
    }

    public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public Task<int> PublishTemplateAsync(JourneyTemplate template, string source, string contentType, DateTimeOffset now, IReadOnlyDictionary<string, int>? emailVersions = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var versions = _templates.TryGetValue(template.Id, out var list) ? list : _templates[template.Id] = [];
            var version = versions.Count + 1;
            versions.Add(new PublishedTemplate(template with { Version = version }, source, contentType, now) { EmailVersions = emailVersions ?? new Dictionary<string, int>() });
            return Task.FromResult(version);
        }
    }

    public Task<PublishedTemplate?> GetTemplateAsync(string id, int? version = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_templates.TryGetValue(id, out var versions))
            {
                return Task.FromResult<PublishedTemplate?>(null);
            }

            return Task.FromResult(version is null ? versions[^1] : versions.ElementAtOrDefault(version.Value - 1));
        }
    }

    public Task<IReadOnlyList<TemplateSummary>> ListTemplatesAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<TemplateSummary>>([.. _templates.Values.Select(v => v[^1]).Select(p =>
                new TemplateSummary(p.Template.Id, p.Template.Name, p.Template.Version, p.PublishedAt, p.Template.Entry?.Events ?? []))]);
        }
    }

    public Task<IReadOnlyList<int>> ListTemplateVersionsAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<int>>(_templates.TryGetValue(id, out var v) ? [.. v.Select(p => p.Template.Version)] : []);
        }
    }

    public Task UpsertCustomerAsync(CustomerProfile customer, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _customers[(customer.DealerId, customer.Id)] = customer;
            return Task.CompletedTask;
        }
    }

    public Task<CustomerProfile?> GetCustomerAsync(string dealerId, string customerId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_customers.GetValueOrDefault((dealerId, customerId)));
        }
    }

    public Task<bool> CreateTaskAsync(SalesTask task, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_tasks.TryAdd(task.Id, task));
        }
    }

    public Task<SalesTask?> GetTaskAsync(string taskId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_tasks.GetValueOrDefault(taskId));
        }
    }

    public Task<IReadOnlyList<SalesTask>> ListTasksAsync(string? dealerId, string? status, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<SalesTask>>([.. _tasks.Values.Where(t => (dealerId is null || t.DealerId == dealerId) && (status is null || t.Status == status))]);
        }
    }

    public Task<SalesTask?> CompleteTaskAsync(string taskId, string outcome, string? notes, DateTimeOffset now, string? completedBy = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(taskId, out var task))
            {
                return Task.FromResult<SalesTask?>(null);
            }

            if (task.Status == TaskStatuses.Open)
            {
                task = _tasks[taskId] = task with { Status = TaskStatuses.Completed, Outcome = outcome, Notes = notes, CompletedAt = now, CompletedBy = completedBy };
            }

            return Task.FromResult<SalesTask?>(task);
        }
    }

    public Task<SalesTask?> ReassignTaskAsync(string taskId, string assignee, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(taskId, out var task))
            {
                return Task.FromResult<SalesTask?>(null);
            }

            if (task.Status == TaskStatuses.Open)
            {
                task = _tasks[taskId] = task with { Assignee = assignee };
            }

            return Task.FromResult<SalesTask?>(task);
        }
    }

    public Task<bool> AddTouchpointAsync(Touchpoint touchpoint, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_touchpoints.Exists(t => t.Id == touchpoint.Id))
            {
                return Task.FromResult(false);
            }

            _touchpoints.Add(touchpoint);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<Touchpoint>> ListTouchpointsAsync(string journeyId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<Touchpoint>>([.. _touchpoints.Where(t => t.JourneyId == journeyId)]);
        }
    }

    public Task<bool> AddMailAsync(MailboxMessage message, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_mail.Exists(m => m.Id == message.Id))
            {
                return Task.FromResult(false);
            }

            _mail.Add(message);
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<MailboxMessage>> ListMailAsync(string? to, string? journeyId, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<MailboxMessage>>([.. _mail.Where(m => (to is null || m.To == to) && (journeyId is null || m.JourneyId == journeyId))
                .Reverse().Take(limit)]);
        }
    }

    public Task<CustomerErasure> EraseCustomerAsync(string dealerId, string customerId, string? email, string pseudonym, CancellationToken cancellationToken = default)
    {
        var address = email?.Trim().ToLowerInvariant();
        lock (_gate)
        {
            var profile = _customers.Remove((dealerId, customerId));
            var tasks = _tasks.Values.Where(t => t.DealerId == dealerId && t.CustomerId == customerId).Select(t => t.Id).ToList();
            tasks.ForEach(id => _tasks.Remove(id));
            var mail = _mail.RemoveAll(m => m.DealerId == dealerId && (m.CustomerId == customerId || (address is not null && m.To.Equals(address, StringComparison.OrdinalIgnoreCase))));
            var touchpoints = 0;
            for (var i = 0; i < _touchpoints.Count; i++)
            {
                if (_touchpoints[i].DealerId == dealerId && _touchpoints[i].CustomerId == customerId)
                {
                    _touchpoints[i] = _touchpoints[i] with { CustomerId = pseudonym, Detail = null };
                    touchpoints++;
                }
            }

            return Task.FromResult(new CustomerErasure(profile, tasks.Count, touchpoints, mail));
        }
    }

    public Task SaveErasureAsync(ErasureRecord record, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var index = _erasures.FindIndex(e => e.Id == record.Id);
            if (index >= 0)
            {
                _erasures[index] = record;
            }
            else
            {
                _erasures.Add(record);
            }

            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<ErasureRecord>> ListErasuresAsync(string? dealerId, string? customerHash, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ErasureRecord> found = [.. _erasures
                .Select((e, i) => (e, i))
                .Where(x => (dealerId is null || x.e.DealerId == dealerId) && (customerHash is null || x.e.CustomerHash == customerHash))
                .OrderByDescending(x => x.e.RequestedAt).ThenByDescending(x => x.i)
                .Take(limit).Select(x => x.e)];
            return Task.FromResult(found);
        }
    }

    private readonly List<EmailContent> _emails = [];

    public Task<int> PublishEmailAsync(EmailContent content, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_emails)
        {
            var version = _emails.Where(e => e.Name == content.Name).Select(e => e.Version).DefaultIfEmpty(0).Max() + 1;
            _emails.Add(content with { Version = version, PublishedAt = now });
            return Task.FromResult(version);
        }
    }

    public Task<EmailContent?> GetEmailAsync(string name, int? version = null, CancellationToken cancellationToken = default)
    {
        lock (_emails)
        {
            return Task.FromResult(_emails.Where(e => e.Name == name && (version is null || e.Version == version)).MaxBy(e => e.Version));
        }
    }

    public Task<IReadOnlyList<EmailContent>> ListEmailsAsync(CancellationToken cancellationToken = default)
    {
        lock (_emails)
        {
            return Task.FromResult<IReadOnlyList<EmailContent>>([.. _emails.GroupBy(e => e.Name).Select(g => g.MaxBy(e => e.Version)!).OrderBy(e => e.Name, StringComparer.Ordinal)]);
        }
    }
}
