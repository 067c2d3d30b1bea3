using System.Text.Json;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.Sqlite.Data;

/// <summary>The API-authored e-mails (<see cref="IEmailContentStore"/>), table <c>emails</c>: one row per (name, version).</summary>
public sealed partial class SqliteJourneyDataStore
{
    public Task<int> PublishEmailAsync(EmailContent content, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(content.Name, nameof(content));
        return WriteAsync(session =>
        {
            var latest = session.Command("SELECT MAX(version) FROM emails WHERE name = $name").Bind("$name", content.Name).ExecuteScalar();
            var version = latest is long v ? (int)v + 1 : 1;
            session.Command("INSERT INTO emails (name, version, published_at, record) VALUES ($name, $version, $at, $record)")
                .Bind("$name", content.Name).Bind("$version", version).Bind("$at", now.ToUnixTimeMilliseconds())
                .Bind("$record", JsonSerializer.Serialize(content with { Version = version, PublishedAt = now }, Json))
                .ExecuteNonQuery();
            return version;
        }, cancellationToken);
    }

    public Task<EmailContent?> GetEmailAsync(string name, int? version = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ReadAsync(session =>
        {
            var command = version is { } v
                ? session.Command("SELECT record FROM emails WHERE name = $name AND version = $version").Bind("$version", v)
                : session.Command("SELECT record FROM emails WHERE name = $name ORDER BY version DESC LIMIT 1");
            return command.Bind("$name", name).ExecuteScalar() is string json ? Deserialize<EmailContent>(json) : null;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<EmailContent>> ListEmailsAsync(CancellationToken cancellationToken = default) =>
        ReadAsync<IReadOnlyList<EmailContent>>(session =>
        {
            using var reader = session.Command(
                "SELECT e.record FROM emails AS e WHERE e.version = (SELECT MAX(l.version) FROM emails AS l WHERE l.name = e.name) ORDER BY e.name")
                .ExecuteReader();
            var emails = new List<EmailContent>();
            while (reader.Read())
            {
                emails.Add(Deserialize<EmailContent>(reader.GetString(0)));
            }

            return emails;
        }, cancellationToken);
}
