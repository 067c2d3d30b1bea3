using System.Text.Json;
using Azure.Data.Tables;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Core.Storage;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>Entity shapes of the instance partition and their mapping to the port's records.</summary>
public sealed partial class AzureStorageJourneyStore
{
    private static readonly string[] ReservedProperties = ["PartitionKey", "RowKey", "odata.etag", "Timestamp"];

    /// <summary>A copy of <paramref name="template"/>'s properties under the given keys (templates carry payloads already uploaded).</summary>
    private static TableEntity Copy(TableEntity template, string partitionKey, string rowKey)
    {
        var entity = new TableEntity(partitionKey, rowKey);
        foreach (var (key, value) in template)
        {
            if (Array.IndexOf(ReservedProperties, key) < 0)
            {
                entity[key] = value;
            }
        }

        return entity;
    }

    private static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static long GetLong(TableEntity entity, string name) => entity.GetInt64(name) ?? 0;

    private static int GetInt(TableEntity entity, string name) => entity.GetInt32(name) ?? 0;

    private static InstanceStatus StatusOf(TableEntity instanceRow) => Enum.Parse<InstanceStatus>(instanceRow.GetString("Status"));

    /// <summary>The instance row without keys, lock, or history position: those are added by the writer.</summary>
    private async Task<TableEntity> InstanceTemplateAsync(InstanceRecord instance, long createdMs, string tagsJson, CancellationToken cancellationToken)
    {
        var entity = new TableEntity
        {
            ["InstanceId"] = instance.InstanceId,
            ["ExecutionId"] = instance.ExecutionId,
            ["Name"] = instance.Name,
            ["Status"] = instance.Status.ToString(),
            ["CreatedMs"] = createdMs,
            ["UpdatedMs"] = Ms(instance.LastUpdatedAt),
        };
        if (instance.Version is not null)
        {
            entity["Version"] = instance.Version;
        }

        if (instance.CompletedAt is { } completed)
        {
            entity["CompletedMs"] = Ms(completed);
        }

        await SetTextAsync(entity, "Input", instance.Input, instance.InstanceId, cancellationToken).ConfigureAwait(false);
        await SetTextAsync(entity, "Output", instance.Output, instance.InstanceId, cancellationToken).ConfigureAwait(false);
        await SetTextAsync(entity, "CustomStatus", instance.CustomStatus, instance.InstanceId, cancellationToken).ConfigureAwait(false);
        await SetTextAsync(entity, "Failure", instance.Failure is null ? null : HistoryJson.Serialize(instance.Failure), instance.InstanceId, cancellationToken).ConfigureAwait(false);
        await SetTextAsync(entity, "Tags", tagsJson, instance.InstanceId, cancellationToken).ConfigureAwait(false);
        return entity;
    }

    private static TableEntity InstanceRow(TableEntity template, string partitionKey, int epoch, long historyCount)
    {
        var row = Copy(template, partitionKey, Keys.InstanceRow);
        row["LockToken"] = string.Empty;
        row["LockUntilMs"] = 0L;
        row["HistoryEpoch"] = epoch;
        row["HistoryCount"] = historyCount;
        return row;
    }

    private static string SerializeTags(IReadOnlyDictionary<string, string> tags) => JsonSerializer.Serialize(tags);

    private async Task<InstanceRecord> ReadInstanceAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var tagsJson = await GetTextAsync(row, "Tags", cancellationToken).ConfigureAwait(false);
        var failure = await GetTextAsync(row, "Failure", cancellationToken).ConfigureAwait(false);
        return new InstanceRecord
        {
            InstanceId = row.GetString("InstanceId"),
            ExecutionId = row.GetString("ExecutionId"),
            Name = row.GetString("Name"),
            Version = row.GetString("Version"),
            Status = StatusOf(row),
            Input = await GetTextAsync(row, "Input", cancellationToken).ConfigureAwait(false),
            Output = await GetTextAsync(row, "Output", cancellationToken).ConfigureAwait(false),
            CustomStatus = await GetTextAsync(row, "CustomStatus", cancellationToken).ConfigureAwait(false),
            Failure = HistoryJson.DeserializeFailure(failure),
            CreatedAt = FromMs(GetLong(row, "CreatedMs")),
            LastUpdatedAt = FromMs(GetLong(row, "UpdatedMs")),
            CompletedAt = row.GetInt64("CompletedMs") is { } completed ? FromMs(completed) : null,
            Tags = DeserializeTags(tagsJson),
        };
    }

    private static Dictionary<string, string> DeserializeTags(string? json) =>
        json is null ? new Dictionary<string, string>(StringComparer.Ordinal)
            : new Dictionary<string, string>(JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [], StringComparer.Ordinal);

    private async Task<TableEntity> MessageTemplateAsync(InboxMessage message, CancellationToken cancellationToken)
    {
        var entity = new TableEntity
        {
            ["InstanceId"] = message.InstanceId,
            ["VisibleMs"] = Ms(message.VisibleAt),
            ["IsControl"] = message.IsControl,
        };
        if (message.ExecutionId is not null)
        {
            entity["ExecutionId"] = message.ExecutionId;
        }

        if (message.DeduplicationId is not null)
        {
            entity["DedupId"] = message.DeduplicationId;
        }

        if (message.TimerSequence is { } sequence)
        {
            entity["TimerSeq"] = sequence;
        }

        await SetTextAsync(entity, "Event", HistoryJson.Serialize(message.Event), message.InstanceId, cancellationToken).ConfigureAwait(false);
        return entity;
    }

    private async Task<InboxMessage> ReadMessageAsync(TableEntity row, CancellationToken cancellationToken) => new()
    {
        Id = Keys.MessageId(row.RowKey),
        InstanceId = row.GetString("InstanceId"),
        ExecutionId = row.GetString("ExecutionId"),
        VisibleAt = FromMs(GetLong(row, "VisibleMs")),
        DeduplicationId = row.GetString("DedupId"),
        Event = await GetEventAsync(row, cancellationToken).ConfigureAwait(false),
    };

    private async Task<TableEntity> ActivityTemplateAsync(ActivityWorkItem activity, CancellationToken cancellationToken)
    {
        var visibleMs = Ms(activity.VisibleAt);
        var entity = new TableEntity
        {
            ["InstanceId"] = activity.InstanceId,
            ["ExecutionId"] = activity.ExecutionId,
            ["Sequence"] = activity.Sequence,
            ["Name"] = activity.Name,
            ["Attempt"] = activity.Attempt,
            ["VisibleMs"] = visibleMs,
            ["AvailableMs"] = visibleMs,
            ["DequeueCount"] = 0,
            ["LockToken"] = string.Empty,
            ["LockUntilMs"] = 0L,
        };
        await SetTextAsync(entity, "Input", activity.Input, activity.InstanceId, cancellationToken).ConfigureAwait(false);
        return entity;
    }

    private async Task<ActivityWorkItem> ReadActivityAsync(TableEntity row, CancellationToken cancellationToken)
    {
        var token = row.GetString("LockToken");
        var lockUntil = GetLong(row, "LockUntilMs");
        return new ActivityWorkItem
        {
            InstanceId = row.GetString("InstanceId"),
            ExecutionId = row.GetString("ExecutionId"),
            Sequence = GetInt(row, "Sequence"),
            Name = row.GetString("Name"),
            Input = await GetTextAsync(row, "Input", cancellationToken).ConfigureAwait(false),
            Attempt = GetInt(row, "Attempt"),
            VisibleAt = FromMs(GetLong(row, "VisibleMs")),
            DequeueCount = GetInt(row, "DequeueCount"),
            LockToken = string.IsNullOrEmpty(token) ? null : token,
            LockedUntil = string.IsNullOrEmpty(token) ? null : FromMs(lockUntil),
        };
    }

    private async Task<List<HistoryEvent>> ReadHistoryAsync(string partitionKey, int epoch, long count, CancellationToken cancellationToken)
    {
        var history = new List<HistoryEvent>((int)Math.Min(count, 4096));
        if (count == 0)
        {
            return history;
        }

        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {partitionKey} and RowKey ge {Keys.History(epoch, 0)} and RowKey lt {Keys.History(epoch, count)}");
        await foreach (var row in _instances.QueryAsync<TableEntity>(filter, 1000, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            history.Add(await GetEventAsync(row, cancellationToken).ConfigureAwait(false));
        }

        return history;
    }

    private async Task<TableEntity?> GetRowAsync(string partitionKey, string rowKey, CancellationToken cancellationToken)
    {
        var response = await _instances.GetEntityIfExistsAsync<TableEntity>(partitionKey, rowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value : null;
    }
}
