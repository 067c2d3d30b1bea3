using System.Collections.Concurrent;
using System.Diagnostics;
using Azure.Core;
using Azure.Core.Pipeline;

namespace JourneyOrchestrator.Benchmarks;

/// <summary>
/// Counts the storage requests a client sends, by coarse kind (table query, table transaction, queue send, ...), and the
/// time they took (from sending to the response, retries included). Added per call, so a request the SDK retries counts once.
/// </summary>
internal sealed class RequestCounter : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        ProcessNext(message, pipeline);
        Record(message, started);
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = Stopwatch.GetTimestamp();
        await ProcessNextAsync(message, pipeline).ConfigureAwait(false);
        Record(message, started);
    }

    private void Record(HttpMessage message, long started)
    {
        var kind = Kind(message.Request);
        _counts.AddOrUpdate(kind, 1, (_, n) => n + 1);
        var ticks = Stopwatch.GetTimestamp() - started;
        _ticks.AddOrUpdate(kind, ticks, (_, t) => t + ticks);
    }

    public Dictionary<string, long> Snapshot() => new(_counts, StringComparer.Ordinal);

    /// <summary>Mean latency per kind since the start, in milliseconds: <c>"table query 12.3 ms, ..."</c>.</summary>
    public string MeanLatencies() => string.Join(", ", _counts.OrderByDescending(c => c.Value)
        .Select(c => $"{c.Key} {Stopwatch.GetElapsedTime(0, _ticks.GetValueOrDefault(c.Key)).TotalMilliseconds / c.Value:0.0} ms"));

    /// <summary>Requests per event between two snapshots, by kind, largest first: <c>"table query 3.02, queue send 1.00, ..."</c>.</summary>
    public static string PerEvent(Dictionary<string, long> before, Dictionary<string, long> after, long events) =>
        string.Join(", ", Delta(before, after)
            .OrderByDescending(d => d.Value)
            .Select(d => $"{d.Key} {(double)d.Value / events:0.00}"));

    /// <summary>All requests per event between two snapshots.</summary>
    public static double TotalPerEvent(Dictionary<string, long> before, Dictionary<string, long> after, long events) =>
        (double)Delta(before, after).Sum(d => d.Value) / events;

    private static IEnumerable<KeyValuePair<string, long>> Delta(Dictionary<string, long> before, Dictionary<string, long> after) =>
        after.Select(a => KeyValuePair.Create(a.Key, a.Value - before.GetValueOrDefault(a.Key))).Where(d => d.Value > 0);

    private static string Kind(Request request)
    {
        var path = request.Uri.Path;
        return path.EndsWith("$batch", StringComparison.Ordinal) ? "table transaction"
            : path.Contains("/messages", StringComparison.Ordinal) ? "queue " + (request.Method == RequestMethod.Get ? "receive" : request.Method == RequestMethod.Delete ? "delete" : "send")
            : path.Contains("()", StringComparison.Ordinal) ? "table query"
            : path.Contains("(PartitionKey=", StringComparison.Ordinal) ? "table entity " + request.Method
            : "other " + request.Method;
    }
}
