using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>Records every storage request a store sends (method and a coarse kind), to count transactions.</summary>
internal sealed class RequestLog : HttpPipelineSynchronousPolicy
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _filters = new();

    public int Count => _requests.Count;

    public IReadOnlyList<string> Requests => [.. _requests];

    /// <summary>The <c>$filter</c> of every table query (empty when it had none), in order.</summary>
    public IReadOnlyList<string> QueryFilters => [.. _filters];

    public void Clear()
    {
        _requests.Clear();
        _filters.Clear();
    }

    public override void OnSendingRequest(HttpMessage message)
    {
        var request = message.Request;
        var path = request.Uri.Path;
        var kind = path.EndsWith("$batch", StringComparison.Ordinal) ? "table transaction"
            : path.Contains("/messages", StringComparison.Ordinal) ? "queue " + (request.Method == RequestMethod.Get ? "receive" : request.Method == RequestMethod.Delete ? "delete" : "send")
            : path.Contains("()", StringComparison.Ordinal) ? "table query"
            : path.Contains("(PartitionKey=", StringComparison.Ordinal) ? "table entity " + request.Method
            : "other " + request.Method;
        _requests.Enqueue(kind);
        if (kind == "table query")
        {
            var filter = request.Uri.Query.TrimStart('?').Split('&')
                .Select(p => p.Split('=', 2))
                .FirstOrDefault(p => p.Length == 2 && Uri.UnescapeDataString(p[0]) == "$filter");
            _filters.Enqueue(filter is null ? string.Empty : Uri.UnescapeDataString(filter[1].Replace('+', ' ')));
        }
    }

    public string Summary() => string.Join(", ", Requests.GroupBy(r => r).OrderByDescending(g => g.Count()).Select(g => $"{g.Key}: {g.Count()}"));
}
