using System.Globalization;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>Command-line options: <c>--name value</c> pairs after the scenario.</summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public BenchOptions(IEnumerable<string> args)
    {
        string? key = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (key is not null)
                {
                    _values[key] = "true";
                }

                key = arg[2..];
            }
            else if (key is not null)
            {
                _values[key] = arg;
                key = null;
            }
            else
            {
                throw new ArgumentException($"Unexpected argument '{arg}'.");
            }
        }

        if (key is not null)
        {
            _values[key] = "true";
        }
    }

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => _values.TryGetValue(name, out var v) && bool.Parse(v);

    public IReadOnlyCollection<string> Names => _values.Keys;
}

internal static class Report
{
    /// <summary>While true, <see cref="Line"/> only keeps its values in <see cref="Last"/> (a scenario that runs others prints one line of its own).</summary>
    public static bool Quiet { get; set; }

    /// <summary>The values of the last result line.</summary>
    public static IReadOnlyDictionary<string, string> Last { get; private set; } = new Dictionary<string, string>();

    /// <summary>The one result line of a scenario, on stdout.</summary>
    public static void Line(string scenario, params (string Key, object Value)[] values)
    {
        Last = values.ToDictionary(v => v.Key, v => Format(v.Value), StringComparer.Ordinal);
        if (Quiet)
        {
            return;
        }

        var parts = values.Select(v => v.Key + "=" + Format(v.Value));
        Console.Out.WriteLine($"scenario={scenario} " + string.Join(' ', parts));
        Console.Out.Flush();
    }

    /// <summary>The SQLite library Microsoft.Data.Sqlite loaded (the bundled e_sqlite3).</summary>
    public static string SqliteVersion()
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>Progress, on stderr.</summary>
    public static void Progress(string message) =>
        Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss.fff}] {message}");

    public static string Format(object value) => value switch
    {
        double d => d.ToString(d >= 100 ? "0" : "0.###", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

internal static class Stats
{
    /// <summary>Nearest-rank percentile of an unsorted sample (sorts a copy).</summary>
    public static double Percentile(IReadOnlyCollection<double> sample, double percent)
    {
        if (sample.Count == 0)
        {
            return double.NaN;
        }

        var sorted = sample.ToArray();
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>A fresh temporary folder, deleted on dispose unless asked to keep it.</summary>
internal sealed class TempFolder : IDisposable
{
    private readonly bool _keep;

    public TempFolder(string prefix, bool keep)
    {
        _keep = keep;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (_keep)
        {
            Report.Progress($"kept {Path}");
            return;
        }

        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}

/// <summary>Reads a process's memory and CPU time from /proc (Linux).</summary>
internal static class ProcFs
{
    /// <summary>USER_HZ: the unit of utime/stime in /proc/[pid]/stat; 100 on every Linux ABI.</summary>
    private const double ClockTicksPerSecond = 100;

    /// <summary>A line of /proc/[pid]/status such as VmRSS or VmHWM, in MB.</summary>
    public static double StatusMegabytes(int pid, string field)
    {
        foreach (var line in System.IO.File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                var kb = long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        throw new InvalidOperationException($"No {field} in /proc/{pid}/status.");
    }

    /// <summary>User + system CPU seconds the process has used.</summary>
    public static double CpuSeconds(int pid) => ParseCpu(System.IO.File.ReadAllText($"/proc/{pid}/stat"));

    /// <summary>CPU seconds used by the threads of this process whose name (as Linux keeps it: 15 characters) starts with <paramref name="prefix"/>; NaN if none.</summary>
    public static double ThreadCpuSeconds(string prefix)
    {
        var total = double.NaN;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try
            {
                if (System.IO.File.ReadAllText(System.IO.Path.Combine(task, "comm")).StartsWith(prefix, StringComparison.Ordinal))
                {
                    var seconds = ParseCpu(System.IO.File.ReadAllText(System.IO.Path.Combine(task, "stat")));
                    total = double.IsNaN(total) ? seconds : total + seconds;
                }
            }
            catch (IOException)
            {
                // The thread ended meanwhile.
            }
        }

        return total;
    }

    private static double ParseCpu(string stat)
    {
        // Fields after the command name (which may contain spaces) start at field 3 (state); utime is 14, stime 15.
        var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var utime = long.Parse(rest[11], CultureInfo.InvariantCulture);
        var stime = long.Parse(rest[12], CultureInfo.InvariantCulture);
        return (utime + stime) / ClockTicksPerSecond;
    }
}
