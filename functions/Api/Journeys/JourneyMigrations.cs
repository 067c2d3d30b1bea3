using System.Security.Cryptography;
using System.Text;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Model;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary><c>POST /api/templates/{id}/migrations</c>: what to do with the running journeys of one version.</summary>
public sealed record MigrationRequest
{
    public int? FromVersion { get; init; }
    public int? ToVersion { get; init; }
    /// <summary><c>move</c> (to <see cref="ToVersion"/> by <see cref="Mapping"/>) or <c>end</c> (terminate them).</summary>
    public string? Action { get; init; }
    /// <summary>Every wait step of the old version → a step of the new one (move only).</summary>
    public Dictionary<string, string>? Mapping { get; init; }
    /// <summary>Only list what would happen (default true: a migration must be asked for explicitly).</summary>
    public bool? DryRun { get; init; }
    /// <summary>Names the migration; the same id again continues it (each journey is asked once). Default: derived from the request.</summary>
    public string? MigrationId { get; init; }
    /// <summary>Only this dealer's journeys (all when left out).</summary>
    public string? DealerId { get; init; }
}

/// <summary>How many journeys wait at a step of the old version, and what the migration does to them.</summary>
public sealed record MigrationStep(string Step, int Journeys, string Outcome);

public sealed record MigrationJourney(string JourneyId, string? Step, string Outcome);

public sealed record MigrationReport(
    string MigrationId, string TemplateId, int FromVersion, int? ToVersion, string Action, bool DryRun, int Journeys,
    IReadOnlyList<MigrationStep> Steps, IReadOnlyList<MigrationJourney> Applied, bool Truncated);

/// <summary>
/// Moves or ends the running journeys of one template version. Safe rather than clever: a move is an order each journey
/// carries out itself at its next wait (<see cref="JourneyNames.MigrateEvent"/>: mapped step → ContinueAsNew at the new
/// version's step; a journey that moved on in the meantime to an unmapped place stays), with an event id per (migration,
/// journey) so that running the same migration again asks no journey twice; each journey's timeline records the order
/// (who, when, from, to). At most <see cref="MaxJourneys"/> journeys (and <see cref="MaxExamined"/> index rows) per call: the
/// report says when there are more (<c>truncated</c>), and the same call again continues (moved journeys are on the new version).
/// </summary>
public sealed class JourneyMigrations(IJourneyDataStore data, JourneyLookup lookup, TimeProvider time)
{
    /// <summary>Journeys of the version migrated (or listed) per call.</summary>
    public const int MaxJourneys = 5_000;

    /// <summary>Index rows of the template read per call (all its versions); past it the report is truncated too.</summary>
    public const int MaxExamined = 50_000;

    private static readonly string[] WaitKinds = [StepKinds.Wait, StepKinds.WaitForEvent, StepKinds.Approval];

    public async Task<MigrationReport> RunAsync(string templateId, MigrationRequest request, string by, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new FieldErrors();
        var action = request.Action?.Trim().ToLowerInvariant();
        if (action is not ("move" or "end"))
        {
            errors.Add("$.action", "Use 'move' (to toVersion by mapping) or 'end'.");
        }

        if (request.FromVersion is not { } fromVersion)
        {
            errors.Add("$.fromVersion", "Required: the version whose running journeys are migrated.");
            fromVersion = 0;
        }

        errors.Id("$.dealerId", request.DealerId, required: false);
        errors.Id("$.migrationId", request.MigrationId, required: false);
        errors.ThrowIfAny();

        var from = await data.GetTemplateAsync(templateId, fromVersion, cancellationToken)
            ?? throw ApiProblemException.Unprocessable("Unknown version", $"Template '{templateId}' has no version {fromVersion}.", [new FieldError("$.fromVersion", "No such published version.")]);
        PublishedTemplate? to = null;
        if (action == "move")
        {
            if (request.ToVersion is not { } toVersion || toVersion == fromVersion)
            {
                throw ApiProblemException.Invalid("$.toVersion", "Required for a move, and not the version moved from.");
            }

            to = await data.GetTemplateAsync(templateId, toVersion, cancellationToken)
                ?? throw ApiProblemException.Unprocessable("Unknown version", $"Template '{templateId}' has no version {toVersion}.", [new FieldError("$.toVersion", "No such published version.")]);
            CheckMapping(from.Template, to.Template, request.Mapping ?? []);
        }
        else if (request.Mapping is { Count: > 0 })
        {
            throw ApiProblemException.Invalid("$.mapping", "Only a move has a mapping; 'end' ends every running journey of the version.");
        }

        var mapping = request.Mapping ?? [];
        var dryRun = request.DryRun ?? true;
        var migrationId = request.MigrationId ?? DefaultId(templateId, request, action!);
        var journeys = new List<(LoadedJourney Journey, string? Step)>();
        var truncated = false;
        var examined = 0;
        string? token = null;
        do
        {
            var page = await lookup.Index.QueryAsync(new JourneyIndexQuery { TemplateId = templateId, DealerId = request.DealerId, Finished = false, PageSize = 1000, ContinuationToken = token }, cancellationToken);
            // The version a journey runs is its status's (a migrated journey's index row keeps the version it started on).
            foreach (var entry in page.Entries)
            {
                if (journeys.Count == MaxJourneys || ++examined > MaxExamined)
                {
                    truncated = true;
                    break;
                }

                if (await lookup.FindAsync(entry, withInputs: true, cancellationToken) is { } journey && !journey.Status.IsFinished()
                    && JourneyLookup.ReadStatus(journey.Instance) is var status && (status?.TemplateVersion ?? entry.TemplateVersion) == fromVersion)
                {
                    journeys.Add((journey, status?.CurrentStep));
                }
            }

            token = truncated ? null : page.ContinuationToken;
        }
        while (token is not null);

        string OutcomeOf(string? step) => action == "end" ? "ends"
            : step is not null && mapping.TryGetValue(step, out var target) ? $"moves to v{to!.Template.Version} '{target}'"
            : "stays (not at a mapped wait step now; it is asked again if the same migration runs later)";

        var steps = journeys.GroupBy(j => j.Step ?? "(starting)").OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MigrationStep(g.Key, g.Count(), OutcomeOf(g.First().Step))).ToList();
        var applied = new List<MigrationJourney>();
        if (!dryRun)
        {
            var now = time.GetUtcNow();
            foreach (var (journey, step) in journeys)
            {
                var id = journey.Entry.JourneyId;
                var eventId = $"migrate-{Hash(migrationId, id)}";
                string outcome;
                if (action == "end")
                {
                    await lookup.Client.TerminateInstanceAsync(id, new TerminateInstanceOptions { Output = $"ended by migration {migrationId}" }, cancellationToken);
                    outcome = "ended";
                }
                else
                {
                    await lookup.Client.RaiseEventAsync(id, JourneyNames.MigrateEvent, new JourneyEventPayload
                    {
                        EventId = eventId,
                        Data = System.Text.Json.JsonSerializer.SerializeToNode(new JourneyMigrationOrder
                        {
                            MigrationId = migrationId, FromVersion = fromVersion, ToVersion = to!.Template.Version, Mapping = mapping, By = by,
                        }, Core.Authoring.JsonData.Options)!.AsObject(),
                    }, cancellationToken);
                    outcome = "ordered";
                }

                // The journey's timeline: who asked what, when (once per migration and journey: the touchpoint id is the event's).
                await data.AddTouchpointAsync(new Touchpoint
                {
                    Id = eventId,
                    JourneyId = id,
                    DealerId = journey.Entry.DealerId,
                    CustomerId = journey.Entry.CustomerId,
                    StepId = step ?? "",
                    Channel = "journey",
                    Name = "migration",
                    Status = outcome,
                    Detail = action == "end"
                        ? $"v{fromVersion} ended by migration {migrationId} (by {by})"
                        : $"v{fromVersion} → v{to!.Template.Version} by migration {migrationId} (by {by}): " + OutcomeOf(step),
                    Cause = new TouchpointCause("migration", migrationId, eventId, now),
                    OccurredAt = now,
                }, cancellationToken);
                applied.Add(new MigrationJourney(id, step, outcome));
            }
        }

        return new MigrationReport(migrationId, templateId, fromVersion, to?.Template.Version, action!, dryRun, journeys.Count, steps, applied, truncated);
    }

    /// <summary>Every wait step of <paramref name="from"/> mapped, to a step of <paramref name="to"/>; 422 naming each gap.</summary>
    private static void CheckMapping(JourneyTemplate from, JourneyTemplate to, Dictionary<string, string> mapping)
    {
        var errors = new List<FieldError>();
        var fromSteps = from.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var toSteps = to.Steps.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (step, target) in mapping.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            var path = $"$.mapping[\"{step}\"]";
            if (!fromSteps.TryGetValue(step, out var spec))
            {
                errors.Add(new FieldError(path, $"Version {from.Version} has no step '{step}'."));
            }
            else if (!WaitKinds.Contains(spec.Kind))
            {
                errors.Add(new FieldError(path, $"'{step}' is a {spec.Kind} step: only wait, waitForEvent and approval steps are mapped (a journey is only ever moved while it waits)."));
            }

            if (!toSteps.Contains(target))
            {
                errors.Add(new FieldError(path, $"Version {to.Version} has no step '{target}'."));
            }
        }

        var unmapped = from.Steps.Where(s => WaitKinds.Contains(s.Kind) && !mapping.ContainsKey(s.Id)).Select(s => s.Id).ToList();
        if (unmapped.Count > 0)
        {
            errors.Add(new FieldError("$.mapping", $"Every waiting step of version {from.Version} needs a target in version {to.Version}; unmapped: {string.Join(", ", unmapped)}."));
        }

        if (errors.Count > 0)
        {
            throw ApiProblemException.Unprocessable("The migration does not match the published versions",
                $"{errors.Count} problem(s) with the mapping from version {from.Version} to {to.Version}; nothing was migrated.", errors);
        }
    }

    private static string DefaultId(string templateId, MigrationRequest request, string action) =>
        "m-" + Hash(templateId, request.FromVersion + "", request.ToVersion + "", action, request.DealerId ?? "",
            string.Join(";", (request.Mapping ?? []).OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => m.Key + "=" + m.Value)));

    private static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..24];
}
