namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>Checks an <see cref="Expectation"/> against a timeline; a failure says what happened instead and where.</summary>
public static class ExpectationChecker
{
    public static ExpectationResult Check(Expectation expectation, IReadOnlyList<TimelineEntry> timeline, DateTimeOffset start, string outcome, string? endReason)
    {
        ArgumentNullException.ThrowIfNull(expectation);
        ArgumentNullException.ThrowIfNull(timeline);
        if (expectation.Subject == ExpectationSubject.End)
        {
            var ended = timeline.LastOrDefault(e => e.Kind is TimelineKinds.End or TimelineKinds.Failed);
            var actual = outcome switch
            {
                SimulationOutcomes.Completed => endReason,
                SimulationOutcomes.Running => "running",
                _ => "failed",
            };
            var inWindow = ended is not null && (expectation.After is null || ended.At >= expectation.After) && (expectation.Before is null || ended.At <= expectation.Before);
            var passed = actual == expectation.Name && (inWindow || actual == "running");
            return new(expectation.Path, expectation.Text, passed,
                passed ? null : $"the journey {(actual == "running" ? "was still running at the horizon" : $"ended '{actual}'")} at {ended?.Elapsed} (#{ended?.Index})",
                ended is null ? [] : [ended.Index]);
        }

        var kind = expectation.Subject switch
        {
            ExpectationSubject.Email => TimelineKinds.Email,
            ExpectationSubject.Task => TimelineKinds.Task,
            ExpectationSubject.Phase => TimelineKinds.Phase,
            ExpectationSubject.Goal => TimelineKinds.Goal,
            _ => TimelineKinds.Step,
        };
        var named = timeline.Where(e => e.Kind == kind && (kind == TimelineKinds.Step ? e.Step : e.Name) == expectation.Name).ToList();
        var counted = named.Where(e => expectation.Statuses.Count == 0 || expectation.Statuses.Contains(e.Status ?? "")).ToList();
        var found = counted.Where(e => (expectation.After is null || e.At >= expectation.After) && (expectation.Before is null || e.At <= expectation.Before)).ToList();
        var ok = found.Count >= (expectation.Min ?? 0) && (expectation.Max is null || found.Count <= expectation.Max);
        if (ok)
        {
            return new(expectation.Path, expectation.Text, true, null, [.. found.Select(e => e.Index)]);
        }

        string instead;
        if (found.Count > 0)
        {
            instead = $"found {found.Count} in the window: {List(found)}";
        }
        else if (counted.Count > 0)
        {
            instead = $"none in the window; outside it: {List(counted)}";
        }
        else if (named.Count > 0)
        {
            instead = $"none {string.Join("/", expectation.Statuses)}; instead: {string.Join(", ", named.Take(5).Select(e => $"{e.Status} at {e.Elapsed} (#{e.Index})"))}";
        }
        else
        {
            var last = timeline.LastOrDefault(e => e.Kind is TimelineKinds.End or TimelineKinds.Failed);
            instead = $"none at all; the journey {(last is null ? "did not end" : $"{(last.Kind == TimelineKinds.Failed ? "failed" : "ended")} '{last.Name}' at {last.Elapsed} (#{last.Index})")}";
        }

        return new(expectation.Path, expectation.Text, false, instead, [.. (found.Count > 0 ? found : counted.Count > 0 ? counted : named).Select(e => e.Index)]);
    }

    private static string List(List<TimelineEntry> entries) =>
        string.Join(", ", entries.Take(5).Select(e => $"{e.Elapsed} (#{e.Index})")) + (entries.Count > 5 ? $" and {entries.Count - 5} more" : "");
}
