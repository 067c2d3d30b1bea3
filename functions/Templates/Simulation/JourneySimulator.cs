using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Core.Simulation;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>How a simulation ended.</summary>
public static class SimulationOutcomes
{
    public const string Completed = "completed";
    /// <summary>Still running (waiting) at the horizon.</summary>
    public const string Running = "running";
    public const string Failed = "failed";
    /// <summary>Stopped by the episode limit (<see cref="JourneySimulator.MaxEpisodes"/>).</summary>
    public const string EpisodeLimit = "episode-limit";
}

/// <summary>One expectation's verdict: <see cref="Failure"/> says what happened instead, <see cref="Entries"/> where in the timeline.</summary>
public sealed record ExpectationResult(string Path, string Expectation, bool Passed, string? Failure, IReadOnlyList<int> Entries);

/// <summary>What a simulation did. The same template and scenario give the same result, to the byte.</summary>
public sealed record SimulationResult
{
    public required string Scenario { get; init; }
    public required string TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    public required DateTimeOffset Start { get; init; }
    public required DateTimeOffset Horizon { get; init; }
    public required string DealerTimeZone { get; init; }
    public required string Outcome { get; init; }
    /// <summary>The interpreter's reason when it completed (<c>end</c>, <c>exit:customer.unsubscribed</c>, <c>repeat-limit</c>).</summary>
    public string? EndReason { get; init; }
    public string? Failure { get; init; }
    public required DateTimeOffset EndedAt { get; init; }
    public required int Episodes { get; init; }
    public required IReadOnlyList<TimelineEntry> Timeline { get; init; }
    public IReadOnlyList<ExpectationResult> Expectations { get; init; } = [];
    public bool Passed => Expectations.All(e => e.Passed);

    public string ToJson() => JsonSerializer.Serialize(this, Simulation.Timeline.JsonOptions);
}

/// <summary>
/// Runs a template against a <see cref="Scenario"/> in virtual time on the embedded engine's executor
/// (<see cref="VirtualTimeRunner"/>), with the real interpreter and the real activities over in-memory stores: e-mails are
/// rendered (subject and all) into an in-memory mailbox, tasks are created in memory, nothing is stored or sent. The
/// interpreter's <see cref="IJourneyTrace"/> gives the decisions (conditions with their inputs, split arms, waits, goals).
/// </summary>
/// <param name="emails">The shipped e-mails (a folder's <c>.liquid</c> files).</param>
/// <param name="authoredEmails">E-mails published through the API (read only), when simulating beside a host.</param>
/// <param name="liquid">Render limits.</param>
/// <param name="budget">The per-journey budget.</param>
public sealed class JourneySimulator(IEmailTemplateSource emails, IEmailContentStore? authoredEmails = null, LiquidLimits? liquid = null, JourneyBudget? budget = null)
{
    /// <summary>Episodes in one simulation (a journey is at most this many deliveries of events, timers and activity results).</summary>
    public const int MaxEpisodes = 100_000;

    /// <summary>Entries in one timeline; a simulation that would write more stops there.</summary>
    public const int MaxTimelineEntries = 20_000;

    private readonly LiquidLimits _liquid = liquid ?? new LiquidLimits();
    private readonly JourneyBudget _budget = budget ?? new JourneyBudget();

    public async Task<SimulationResult> RunAsync(JourneyTemplate template, Scenario scenario, IReadOnlyDictionary<string, int>? emailVersions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(scenario);
        template = template.Version >= 1 ? template : template with { Version = 1 }; // a draft runs as version 1
        var clock = new VirtualClock(scenario.Start);
        var store = new InMemoryJourneyDataStore();
        await store.PublishTemplateAsync(template, "", "application/yaml", scenario.Start, emailVersions, cancellationToken);
        await store.UpsertCustomerAsync(scenario.Customer, cancellationToken);
        var calendar = new BusinessCalendar(scenario.Hours);
        var recorder = new TimelineRecorder(scenario, calendar.TimeZoneOf(scenario.DealerId), store);
        var catalog = new InMemoryTemplateCatalog();
        catalog.Add(template);

        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(clock);
        services.AddSingleton<IJourneyDataStore>(store);
        services.AddSingleton<ITemplateCatalog>(catalog);
        services.AddSingleton<IBusinessCalendar>(calendar);
        services.AddSingleton(_budget);
        services.AddSingleton<IJourneyTrace>(recorder);
        services.AddSingleton(emails);
        services.AddSingleton(new LiquidRenderer(_liquid));
        services.AddSingleton<IEmailSender, DevMailboxEmailSender>();
        services.AddSingleton<IDeliveryStore, InMemoryDeliveryStore>();
        services.AddSingleton(new EmailDeliveryOptions { MaxMarketingEmailsPerWindow = scenario.MaxMarketingEmailsPerWeek });
        services.AddSingleton<ICrmTaskPusher, NoCrmTaskPusher>();
        services.AddSingleton<IDeadLetterStore, InMemoryDeadLetterStore>();
        services.AddSingleton(new ErasureHasher());
        if (authoredEmails is not null)
        {
            services.AddSingleton(authoredEmails);
        }

        var builder = services.AddJourneyTasks().AddJourneyProgram();
        await using var provider = services.BuildServiceProvider();
        var runner = new VirtualTimeRunner(builder.Registry, provider, clock);

        var first = scenario.Events[0];
        var input = new JourneyInput
        {
            TemplateId = template.Id,
            TemplateVersion = template.Version,
            DealerId = scenario.DealerId,
            CustomerId = scenario.Customer.Id,
            Customer = Snapshot(scenario.Customer),
            Data = first.Data.DeepClone().AsObject(),
            Trigger = new JsonObject { ["name"] = first.Name, ["eventId"] = first.EventId, ["occurredAt"] = first.At.ToString("O"), ["data"] = first.Data.DeepClone() },
        };
        recorder.Started(first);
        var rest = scenario.Events.Skip(1).Select(e => new ScheduledEvent(e.At, e.Name ?? "", e.EventId, e)).ToList();
        var run = await runner.RunAsync(
            JourneyNames.Orchestration, $"sim-{template.Id}-{scenario.Customer.Id}", input, first.At, rest, scenario.Horizon, scenario.Seed,
            new VirtualRunLimits { MaxEpisodes = MaxEpisodes }, recorder, e => PrepareAsync(e, store, recorder, cancellationToken), cancellationToken);

        (string outcome, string? reason, string? failure) = run.Outcome switch
        {
            VirtualRunOutcome.Completed => (SimulationOutcomes.Completed, JsonData.Deserialize<JourneyResult>(run.Output)?.Reason, (string?)null),
            VirtualRunOutcome.Failed => (SimulationOutcomes.Failed, null, recorder.Explain(run.Failure!)),
            VirtualRunOutcome.EpisodeLimit => (SimulationOutcomes.EpisodeLimit, null, $"The simulation stopped after {MaxEpisodes:N0} episodes; the journey never rests (last steps: {recorder.LastSteps()})."),
            _ => (SimulationOutcomes.Running, null, null),
        };
        recorder.Finish(run.EndedAt, outcome, reason, failure);
        var timeline = recorder.Entries;
        return new SimulationResult
        {
            Scenario = scenario.Name,
            TemplateId = template.Id,
            TemplateVersion = template.Version,
            Start = scenario.Start,
            Horizon = scenario.Horizon,
            DealerTimeZone = calendar.TimeZoneOf(scenario.DealerId).Id,
            Outcome = outcome,
            EndReason = reason,
            Failure = failure,
            EndedAt = run.EndedAt,
            Episodes = run.Episodes,
            Timeline = timeline,
            Expectations = [.. scenario.Expectations.Select(x => ExpectationChecker.Check(x, timeline, scenario.Start, outcome, reason))],
        };
    }

    internal static JsonObject Snapshot(CustomerProfile profile) => JsonSerializer.SerializeToNode(profile, JsonData.Options)!.AsObject();

    /// <summary>When a scenario event's time comes: profile changes are applied, a task completion is made from the open task.</summary>
    private static async ValueTask<ScheduledEvent?> PrepareAsync(ScheduledEvent scheduled, InMemoryJourneyDataStore store, TimelineRecorder recorder, CancellationToken cancellationToken)
    {
        var e = (ScenarioEvent)scheduled.Payload!;
        var profile = (await store.GetCustomerAsync(recorder.Scenario.DealerId, recorder.Scenario.Customer.Id, cancellationToken))!;
        JsonObject? changed = null;
        if (e.Customer is { } c)
        {
            profile = profile with
            {
                Email = c.Email ?? profile.Email,
                FirstName = c.FirstName ?? profile.FirstName,
                LastName = c.LastName ?? profile.LastName,
                Locale = c.Locale ?? profile.Locale,
                TimeZone = c.TimeZone ?? profile.TimeZone,
                Consent = c.Consent is { } consent ? new ConsentSettings { Email = consent } : profile.Consent,
                UpdatedAt = scheduled.At,
            };
            await store.UpsertCustomerAsync(profile, cancellationToken);
            changed = Snapshot(profile);
        }

        if (e.Complete is { } type)
        {
            var task = store.Tasks.LastOrDefault(t => t.Type == type && t.Status == TaskStatuses.Open);
            if (task is null)
            {
                recorder.Completion(e, null, "no open task of this type: nothing to complete");
                return null;
            }

            var completed = (await store.CompleteTaskAsync(task.Id, e.Outcome, null, scheduled.At, cancellationToken: cancellationToken))!;
            var name = completed.OnCompleteEvent ?? JourneyNames.TaskCompletedEvent;
            recorder.Completion(e, completed, null);
            return scheduled with
            {
                Name = name,
                EventId = e.EventId,
                Payload = new JourneyEventPayload
                {
                    EventId = e.EventId,
                    OccurredAt = scheduled.At,
                    Data = new JsonObject { ["outcome"] = completed.Outcome, ["taskId"] = completed.Id, ["taskType"] = completed.Type },
                },
            };
        }

        return scheduled with
        {
            Payload = new JourneyEventPayload { EventId = e.EventId, OccurredAt = scheduled.At, Data = e.Data.DeepClone().AsObject(), Customer = changed },
        };
    }
}
