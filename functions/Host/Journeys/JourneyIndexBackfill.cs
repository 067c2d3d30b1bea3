using JourneyOrchestrator.Api.Journeys;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Host.Journeys;

/// <summary>
/// Upgrade of an embedded (SQLite) store written before the journey index existed: at start, before requests are served,
/// every journey instance gets its index row, built from the instance's tags and input (the tags those builds wrote:
/// dealer, customer, template, journey key). Idempotent (an existing row is kept), resumable (a crash redoes the pass),
/// and done once: a marker file in the data folder (<see cref="MarkerName"/>) records a completed pass. Pages of
/// <see cref="PageSize"/>, so memory stays flat whatever the number of journeys.
/// </summary>
public sealed partial class JourneyIndexBackfill(
    JourneyClient client, IJourneyIndex index, JourneyIds ids, JourneyHostSettings settings, ILogger<JourneyIndexBackfill> logger) : IHostedService
{
    public const string MarkerName = "journeys-index.backfilled";
    private const int PageSize = 500;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var marker = Path.Combine(settings.DataFolder, MarkerName);
        if (File.Exists(marker))
        {
            return;
        }

        var added = 0;
        string? token = null;
        do
        {
            var page = await client.QueryAsync(new InstanceQuery { Name = JourneyNames.Orchestration, PageSize = PageSize, ContinuationToken = token }, cancellationToken);
            foreach (var instance in page.Instances)
            {
                if (Entry(instance) is { } entry && (await index.AddOrGetAsync(entry, cancellationToken)) == entry)
                {
                    added++;
                }
            }

            token = page.ContinuationToken;
        }
        while (token is not null);

        await File.WriteAllTextAsync(marker, $"journey index backfilled {DateTimeOffset.UtcNow:O}, {added} row(s) added\n", cancellationToken);
        Log.Done(logger, added);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private JourneyIndexEntry? Entry(InstanceRecord instance)
    {
        var tags = instance.Tags;
        if (!tags.TryGetValue(JourneyNames.DealerTag, out var dealer) || !tags.TryGetValue(JourneyNames.CustomerTag, out var customer) ||
            !tags.TryGetValue(JourneyNames.TemplateTag, out var template))
        {
            return null; // not started through the API
        }

        JourneyInput? input = null;
        string? trigger = null;
        try
        {
            input = JsonData.Deserialize<JourneyInput>(instance.Input);
            trigger = instance.Input is null ? null : JsonNode.Parse(instance.Input)?["trigger"]?["eventId"]?.GetValue<string>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            // an unreadable input: the row gets what the tags say
        }

        var keyHash = input?.JourneyKey is { } key ? ids.KeyTag(dealer, customer, key) : tags.GetValueOrDefault(JourneyNames.JourneyKeyTag);
        return new JourneyIndexEntry
        {
            JourneyId = instance.InstanceId,
            DealerId = dealer,
            CustomerId = customer,
            TemplateId = template,
            TemplateVersion = input?.TemplateVersion ?? (int.TryParse(instance.Version, out var v) ? v : 0),
            KeyHash = keyHash,
            TriggerEventId = trigger,
            CreatedAt = instance.CreatedAt,
            Finished = instance.Status.IsFinished(),
        };
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3304, Level = LogLevel.Information, Message = "Journey index backfilled from the embedded store: {Added} row(s) added.")]
        public static partial void Done(ILogger logger, int added);
    }
}
