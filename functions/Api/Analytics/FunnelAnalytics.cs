using System.Text.Json;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using Microsoft.DurableTask.Client;

namespace JourneyOrchestrator.Api.Analytics;

/// <summary><c>GET /api/analytics/funnel</c>: how the journeys of one template version went.</summary>
public sealed record FunnelReport
{
    public required string TemplateId { get; init; }
    public required int TemplateVersion { get; init; }
    /// <summary>The dealer counted, or null for every dealer.</summary>
    public string? DealerId { get; init; }
    /// <summary>Journeys of this template version (by the version they run now: a migrated journey counts in its new version).</summary>
    public required int Journeys { get; init; }
    public required DateTimeOffset ComputedAt { get; init; }
    /// <summary>Instances the engine was asked for; more than <see cref="FunnelAnalytics.MaxInstances"/> sets <see cref="Truncated"/>.</summary>
    public required int Scanned { get; init; }
    public bool Truncated { get; init; }
    public required IReadOnlyDictionary<string, int> Statuses { get; init; }
    /// <summary>Each step in template order: how many journeys entered it at least once.</summary>
    public required IReadOnlyList<FunnelStep> Steps { get; init; }
    /// <summary>Each phase in order (orientation → usage): how many journeys were in it at some time.</summary>
    public required IReadOnlyList<FunnelPhase> Phases { get; init; }
    public required IReadOnlyList<FunnelGoal> Goals { get; init; }
    /// <summary>Each wait step: how often a journey waited there and how each wait ended.</summary>
    public required IReadOnlyList<FunnelWait> Waits { get; init; }
    public required IReadOnlyList<FunnelSplit> Splits { get; init; }
}

public sealed record FunnelStep(string StepId, string Kind, string? Phase, int Entered);

public sealed record FunnelPhase(string Phase, int Entered);

/// <summary><see cref="Conversion"/>: reached / journeys (0..1).</summary>
public sealed record FunnelGoal(string Goal, int Reached, double Conversion);

/// <summary>
/// A wait step: <see cref="Entered"/> journeys entered it; its waits ended <see cref="ByEvent"/> (per event, exits and goal
/// jumps included) or by their time (<see cref="TimedOut"/>); <see cref="Waiting"/> journeys wait there now.
/// </summary>
public sealed record FunnelWait(string StepId, int Entered, IReadOnlyDictionary<string, int> ByEvent, int TimedOut, int Waiting);

public sealed record FunnelSplit(string StepId, IReadOnlyList<FunnelArm> Arms, IReadOnlyList<FunnelComparison> Comparisons);

public sealed record FunnelArm(string Arm, int Journeys, IReadOnlyList<FunnelGoal> Goals);

/// <summary>
/// The conversion to <see cref="Goal"/> of <see cref="Arm"/> minus that of <see cref="Baseline"/> (the split's first arm), with
/// the 95 % confidence interval [<see cref="Low"/>, <see cref="High"/>] of the difference (Newcombe's hybrid score interval of
/// two independent proportions; null when an arm has no journeys).
/// </summary>
public sealed record FunnelComparison(string Goal, string Arm, string Baseline, double Difference, double? Low, double? High);

/// <summary>
/// Funnel analytics from stored data, on any engine: one pass over the engine's instances (the SDK's
/// <see cref="DurableTaskClient.GetAllInstancesAsync"/>, pages of 1,000; on the embedded engine one SQLite range scan, on
/// DurableTask.AzureStorage one table query per page), reading each journey's custom status only. The interpreter keeps in
/// it what the funnel counts (<see cref="JourneyPath"/>: steps entered, how waits ended, split arms; goals; phase; dealer), so
/// no history is read and nothing is written. Bounded: <see cref="MaxInstances"/> instances per report.
/// </summary>
public sealed class FunnelAnalytics(DurableTaskClient client, IJourneyDataStore data, TimeProvider time)
{
    /// <summary>Instances one report reads at most; past it the report says <c>truncated</c>.</summary>
    public const int MaxInstances = 2_000_000;

    /// <summary>z for a two-sided 95 % interval.</summary>
    private const double Z95 = 1.959963984540054;

    public async Task<FunnelReport> ComputeAsync(string templateId, int? version, string? dealerId, CancellationToken cancellationToken)
    {
        var published = await data.GetTemplateAsync(templateId, version, cancellationToken)
            ?? throw ApiProblemException.NotFound(version is null ? $"No template '{templateId}' is published." : $"Template '{templateId}' has no version {version}.");
        var template = published.Template;
        var tally = new Tally(template);
        var scanned = 0;
        var truncated = false;
        var query = new OrchestrationQuery { FetchInputsAndOutputs = true, PageSize = 1000 };
        await foreach (var instance in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            if (++scanned > MaxInstances)
            {
                truncated = true;
                scanned--;
                break;
            }

            if (instance.Name != JourneyNames.Orchestration || instance.SerializedCustomStatus is not { } json)
            {
                continue;
            }

            JourneyStatus? status;
            try
            {
                status = JsonSerializer.Deserialize<JourneyStatus>(json, JsonData.Options);
            }
            catch (JsonException)
            {
                continue; // not a status this interpreter wrote
            }

            if (status is null || status.TemplateId != template.Id || status.TemplateVersion != template.Version)
            {
                continue;
            }

            if (dealerId is not null && (status.DealerId ?? JsonData.Deserialize<JourneyInput>(instance.SerializedInput)?.DealerId) != dealerId)
            {
                continue;
            }

            tally.Add(status, instance.RuntimeStatus);
        }

        return tally.Report(dealerId, time.GetUtcNow(), scanned, truncated);
    }

    /// <summary>The counts of one report, one journey at a time.</summary>
    private sealed class Tally
    {
        private readonly JourneyTemplate _template;
        private readonly Dictionary<string, int> _entered = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _phases = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _goals = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _statuses = new(StringComparer.Ordinal);
        private readonly Dictionary<string, Dictionary<string, int>> _waitOutcomes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _waiting = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Split, string Arm), int> _arms = [];
        private readonly Dictionary<(string Split, string Arm, string Goal), int> _armGoals = [];
        private readonly Dictionary<string, StepSpec> _steps = new(StringComparer.Ordinal);
        private readonly HashSet<string> _phaseSeen = new(StringComparer.Ordinal);
        private int _journeys;

        public Tally(JourneyTemplate template)
        {
            _template = template;
            foreach (var step in template.Steps)
            {
                _steps.TryAdd(step.Id, step);
            }
        }

        public void Add(JourneyStatus status, OrchestrationRuntimeStatus runtime)
        {
            _journeys++;
            Count(_statuses, runtime.ToString());
            var path = status.Path;
            IEnumerable<string> steps = path?.Steps ?? (status.CurrentStep is { Length: > 0 } current ? [current] : []);
            _phaseSeen.Clear();
            foreach (var step in steps)
            {
                Count(_entered, step);
                if (_steps.TryGetValue(step, out var spec) && spec.Phase is { } phase)
                {
                    _phaseSeen.Add(phase);
                }
            }

            foreach (var goal in status.GoalsReached)
            {
                Count(_goals, goal);
                if (_template.Goals.FirstOrDefault(g => (g.Name ?? g.Event) == goal)?.Phase is { } goalPhase)
                {
                    _phaseSeen.Add(goalPhase);
                }
            }

            if (status.Phase is { } now)
            {
                _phaseSeen.Add(now);
            }

            foreach (var phase in _phaseSeen)
            {
                Count(_phases, phase);
            }

            foreach (var (step, outcomes) in path?.Waits ?? [])
            {
                if (!_waitOutcomes.TryGetValue(step, out var tally))
                {
                    _waitOutcomes[step] = tally = new Dictionary<string, int>(StringComparer.Ordinal);
                }

                foreach (var (outcome, n) in outcomes)
                {
                    tally[outcome] = tally.GetValueOrDefault(outcome) + n;
                }
            }

            if (runtime is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Suspended or OrchestrationRuntimeStatus.Pending
                && status.CurrentStep is { Length: > 0 } waitingAt && status.WaitingFor.Count + (status.NextTimerDue is null ? 0 : 1) > 0)
            {
                Count(_waiting, waitingAt);
            }

            foreach (var (split, arm) in path?.Arms ?? [])
            {
                _arms[(split, arm)] = _arms.GetValueOrDefault((split, arm)) + 1;
                foreach (var goal in status.GoalsReached)
                {
                    _armGoals[(split, arm, goal)] = _armGoals.GetValueOrDefault((split, arm, goal)) + 1;
                }
            }
        }

        public FunnelReport Report(string? dealerId, DateTimeOffset now, int scanned, bool truncated)
        {
            var goalNames = _template.Goals.Select(g => g.Name ?? g.Event)
                .Concat(_template.Steps.Where(s => s.Kind == StepKinds.Goal && s.Goal is not null).Select(s => s.Goal!))
                .Distinct(StringComparer.Ordinal).ToList();
            var waits = _template.Steps.Where(s => s.Kind is StepKinds.Wait or StepKinds.WaitForEvent or StepKinds.Approval).Select(s =>
            {
                var outcomes = _waitOutcomes.GetValueOrDefault(s.Id) ?? [];
                return new FunnelWait(
                    s.Id, _entered.GetValueOrDefault(s.Id),
                    outcomes.Where(o => o.Key != JourneyPath.Timeout).OrderByDescending(o => o.Value).ThenBy(o => o.Key, StringComparer.Ordinal).ToDictionary(o => o.Key, o => o.Value),
                    outcomes.GetValueOrDefault(JourneyPath.Timeout), _waiting.GetValueOrDefault(s.Id));
            }).ToList();
            var splits = _template.Steps.Where(s => s.Kind == StepKinds.Split && s.Branches is { Count: > 0 }).Select(s =>
            {
                var arms = s.Branches!.Select(b => b.Name ?? b.Next).Distinct(StringComparer.Ordinal).Select(arm =>
                {
                    var n = _arms.GetValueOrDefault((s.Id, arm));
                    return new FunnelArm(arm, n, [.. goalNames.Select(g => Goal(g, _armGoals.GetValueOrDefault((s.Id, arm, g)), n))]);
                }).ToList();
                var baseline = arms[0];
                var comparisons = arms.Skip(1).SelectMany(arm => goalNames.Select((goal, i) => Compare(goal, arm, baseline, i))).ToList();
                return new FunnelSplit(s.Id, arms, comparisons);
            }).ToList();
            return new FunnelReport
            {
                TemplateId = _template.Id,
                TemplateVersion = _template.Version,
                DealerId = dealerId,
                Journeys = _journeys,
                ComputedAt = now,
                Scanned = scanned,
                Truncated = truncated,
                Statuses = _statuses.OrderBy(s => s.Key, StringComparer.Ordinal).ToDictionary(s => s.Key, s => s.Value),
                Steps = [.. _template.Steps.Select(s => new FunnelStep(s.Id, s.Kind, s.Phase, _entered.GetValueOrDefault(s.Id)))],
                Phases = [.. Phases.All.Select(p => new FunnelPhase(p, _phases.GetValueOrDefault(p)))],
                Goals = [.. goalNames.Select(g => Goal(g, _goals.GetValueOrDefault(g), _journeys))],
                Waits = waits,
                Splits = splits,
            };
        }

        private static FunnelGoal Goal(string goal, int reached, int of) => new(goal, reached, of == 0 ? 0 : (double)reached / of);

        private static FunnelComparison Compare(string goal, FunnelArm arm, FunnelArm baseline, int index)
        {
            var (p1, n1) = (arm.Goals[index].Conversion, arm.Journeys);
            var (p0, n0) = (baseline.Goals[index].Conversion, baseline.Journeys);
            var difference = p1 - p0;
            if (n1 == 0 || n0 == 0)
            {
                return new FunnelComparison(goal, arm.Arm, baseline.Arm, difference, null, null);
            }

            // Newcombe's hybrid score interval: sound at small counts and at 0 % or 100 %, where the normal approximation is not.
            var (l1, u1) = Wilson(p1, n1);
            var (l0, u0) = Wilson(p0, n0);
            var low = difference - Math.Sqrt(((p1 - l1) * (p1 - l1)) + ((u0 - p0) * (u0 - p0)));
            var high = difference + Math.Sqrt(((u1 - p1) * (u1 - p1)) + ((p0 - l0) * (p0 - l0)));
            return new FunnelComparison(goal, arm.Arm, baseline.Arm, difference, Math.Max(-1, low), Math.Min(1, high));
        }

        /// <summary>The Wilson score interval (95 %) of a proportion <paramref name="p"/> of <paramref name="n"/>.</summary>
        internal static (double Low, double High) Wilson(double p, int n)
        {
            var z2 = Z95 * Z95;
            var denominator = 1 + (z2 / n);
            var centre = (p + (z2 / (2.0 * n))) / denominator;
            var half = Z95 * Math.Sqrt((p * (1 - p) / n) + (z2 / (4.0 * n * n))) / denominator;
            return (Math.Max(0, centre - half), Math.Min(1, centre + half));
        }

        private static void Count(Dictionary<string, int> counts, string key) => counts[key] = counts.GetValueOrDefault(key) + 1;
    }
}
