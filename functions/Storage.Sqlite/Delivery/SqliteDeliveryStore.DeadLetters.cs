using JourneyOrchestrator.Templates.Delivery;
using Microsoft.Data.Sqlite;

namespace JourneyOrchestrator.Storage.Sqlite.Delivery;

/// <summary>The dead-letter list (<c>dead_letters</c>): CRM pushes that exhausted their retries.</summary>
public sealed partial class SqliteDeliveryStore
{
    public Task UpsertDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return WithConnectionAsync(c => ExecuteAsync(c, null, """
            INSERT INTO dead_letters (id, channel, dealer_id, task_id, journey_id, last_error, attempts, failed_at)
            VALUES ($id, $channel, $dealer, $task, $journey, $error, $attempts, $at)
            ON CONFLICT (id) DO UPDATE SET last_error = $error, attempts = $attempts, failed_at = $at
            """, cancellationToken, ("$id", letter.Id), ("$channel", letter.Channel), ("$dealer", letter.DealerId), ("$task", letter.TaskId),
            ("$journey", letter.JourneyId), ("$error", letter.LastError), ("$attempts", letter.Attempts), ("$at", Time(letter.FailedAt))), cancellationToken);
    }

    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(string? dealerId, CancellationToken cancellationToken = default) =>
        WithConnectionAsync<IReadOnlyList<DeadLetter>>(async c =>
        {
            using var command = Command(c, null, $"{SelectDeadLetter} WHERE $dealer IS NULL OR dealer_id = $dealer ORDER BY failed_at DESC", ("$dealer", dealerId));
            return await ReadDeadLettersAsync(command, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    public Task<DeadLetter?> GetDeadLetterAsync(string id, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(async c =>
        {
            using var command = Command(c, null, $"{SelectDeadLetter} WHERE id = $id", ("$id", id));
            return (await ReadDeadLettersAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        }, cancellationToken);

    public Task<bool> RemoveDeadLetterAsync(string id, CancellationToken cancellationToken = default) =>
        WithConnectionAsync(async c => await ExecuteAsync(c, null, "DELETE FROM dead_letters WHERE id = $id", cancellationToken, ("$id", id)).ConfigureAwait(false) == 1, cancellationToken);

    private const string SelectDeadLetter = "SELECT id, channel, dealer_id, task_id, journey_id, last_error, attempts, failed_at FROM dead_letters";

    private static async Task<List<DeadLetter>> ReadDeadLettersAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var letters = new List<DeadLetter>();
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            letters.Add(new DeadLetter
            {
                Id = reader.GetString(0),
                Channel = reader.GetString(1),
                DealerId = reader.GetString(2),
                TaskId = reader.GetString(3),
                JourneyId = reader.GetString(4),
                LastError = reader.GetString(5),
                Attempts = reader.GetInt32(6),
                FailedAt = ParseTime(reader.GetString(7)),
            });
        }

        return letters;
    }
}
