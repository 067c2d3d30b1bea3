using System.Text.RegularExpressions;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// Log event ids are how operators filter and alert: each one names one message in the whole product. The production
/// sources are read (every assembly, hosts included), so a collision between two projects is caught too.
/// </summary>
public sealed partial class LogEventIdTests
{
    [Fact]
    public void EveryLoggerMessageEventId_IsUsedOnceAcrossTheProduct()
    {
        var uses = Directory.EnumerateFiles(Path.Combine(Repo.Root, "functions"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => EventId().Matches(File.ReadAllText(f)).Select(m => (Id: int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), File: Path.GetRelativePath(Repo.Root, f))))
            .ToList();

        Assert.True(uses.Count > 30, $"only {uses.Count} event ids found: is the pattern still right?");
        var twice = uses.GroupBy(u => u.Id).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(u => u.File))}").ToList();
        Assert.True(twice.Count == 0, "Event ids used twice: " + string.Join("; ", twice));
    }

    [GeneratedRegex(@"\[LoggerMessage\(EventId = (\d+)")]
    private static partial Regex EventId();
}
