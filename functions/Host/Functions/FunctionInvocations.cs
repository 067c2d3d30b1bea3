using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Host.Api;
using JourneyOrchestrator.Storage.AzureStorage;

namespace JourneyOrchestrator.Host.Functions;

/// <summary>
/// The custom handler's answer to a trigger invocation, as the Azure Functions host reads it: <c>Outputs</c> (values of
/// output bindings; these functions have none), <c>Logs</c> (lines for the invocation log, Application Insights on Azure)
/// and <c>ReturnValue</c> (for a <c>$return</c> binding; a one-line summary here, which the host ignores without one).
/// </summary>
public sealed record InvocationResponse(
    [property: JsonPropertyName("Outputs")] IReadOnlyDictionary<string, JsonNode?> Outputs,
    [property: JsonPropertyName("Logs")] IReadOnlyList<string> Logs,
    [property: JsonPropertyName("ReturnValue")] string? ReturnValue);

/// <summary>
/// Runs trigger invocations posted by the Azure Functions host: <c>{"Data": {binding: value}, "Metadata": {...}}</c>.
/// A queue trigger's <c>doorbell</c> is a doorbell of the runtime store (the Functions host received it instead of the
/// store, and deletes it when this answers 200): a link of a long timer's chain that rang early is sent on, anything else
/// only wakes. A timer trigger (<c>timer</c>) is the safety net. Either way the invocation makes the store read its
/// schedule now and processes everything due before it answers (<see cref="InvocationDrain"/>): the schedule, not the
/// doorbell, decides what is due, so a doorbell consumed here, lost, or duplicated loses nothing.
/// </summary>
public sealed partial class FunctionInvocations(IJourneyStore store, InvocationDrain drain, ILogger<FunctionInvocations> logger)
{
    /// <summary>Checks the payload, handles the doorbell, drains due work, and says what happened.</summary>
    /// <exception cref="ApiProblemException">400: the payload is not an invocation payload of this function's trigger (with the JSON path).</exception>
    public async Task<InvocationResponse> InvokeAsync(FunctionDefinition function, JsonObject payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(payload);
        var data = payload["Data"] as JsonObject
            ?? throw ApiProblemException.Invalid("$.Data", "An invocation payload has a 'Data' object holding the trigger's value by binding name.");
        if (payload["Metadata"] is { } metadata && metadata is not JsonObject)
        {
            throw ApiProblemException.Invalid("$.Metadata", "'Metadata' must be an object (the trigger's metadata) when present.");
        }

        var logs = new List<string>();
        if (function.Trigger == FunctionTrigger.Queue)
        {
            var text = DoorbellText(data[FunctionAppLayout.QueueBinding]);
            if (store is AzureStorageJourneyStore azure)
            {
                var outcome = await azure.AcceptDoorbellAsync(function.Queue!, text, cancellationToken);
                if (outcome == DoorbellOutcome.Chained)
                {
                    logs.Add($"{function.Name}: the doorbell '{Shorten(text)}' rang before its due time; the next link of its chain was sent.");
                    return new InvocationResponse(new Dictionary<string, JsonNode?>(), logs, "chained");
                }

                logs.Add(outcome == DoorbellOutcome.Due
                    ? $"{function.Name}: doorbell '{Shorten(text)}' on {function.Queue}."
                    : $"{function.Name}: a message that is not a doorbell ('{Shorten(text)}') on {function.Queue}; reading the schedule anyway.");
            }
        }
        else
        {
            var timer = data[FunctionAppLayout.TimerBinding] as JsonObject
                ?? throw ApiProblemException.Invalid($"$.Data.{FunctionAppLayout.TimerBinding}",
                    $"A timer invocation has the timer info (Schedule, ScheduleStatus, IsPastDue) under 'Data.{FunctionAppLayout.TimerBinding}'.");
            if (timer["IsPastDue"] is { } pastDue && (pastDue.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False)))
            {
                throw ApiProblemException.Invalid($"$.Data.{FunctionAppLayout.TimerBinding}.IsPastDue", "IsPastDue must be true or false.");
            }

            logs.Add($"{function.Name}: safety poll{(timer["IsPastDue"]?.GetValue<bool>() == true ? " (past due)" : string.Empty)}.");
        }

        var result = await drain.RequestAsync(cancellationToken);
        logs.Add(string.Create(CultureInfo.InvariantCulture,
            $"Processed {result.WorkItems} work item(s) in {result.Elapsed.TotalMilliseconds:F0} ms{(result.Finished ? "; nothing due is left." : "; stopped at the invocation budget.")}"));
        if (!result.Finished && store is AzureStorageJourneyStore more)
        {
            // Work is left: ring a doorbell now so that another invocation (maybe on another instance) carries on.
            await more.RingNowAsync(cancellationToken);
            logs.Add("More work is due; a doorbell was rung for the next invocation.");
        }

        Log.Invoked(logger, function.Name, result.WorkItems, result.Finished);
        return new InvocationResponse(new Dictionary<string, JsonNode?>(), logs,
            string.Create(CultureInfo.InvariantCulture, $"{result.WorkItems} work item(s) processed"));
    }

    /// <summary>
    /// The doorbell's text: the Functions host passes a queue message as a JSON string, sometimes serialised twice
    /// (<c>"\"123|id\""</c>); both are accepted.
    /// </summary>
    private static string DoorbellText(JsonNode? value)
    {
        if (value is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
        {
            throw ApiProblemException.Invalid($"$.Data.{FunctionAppLayout.QueueBinding}",
                $"A queue invocation has the message text as a string under 'Data.{FunctionAppLayout.QueueBinding}'.");
        }

        var message = text.GetValue<string>();
        if (message.Length >= 2 && message[0] == '"' && message[^1] == '"')
        {
            try
            {
                return JsonSerializer.Deserialize<string>(message) ?? message;
            }
            catch (JsonException)
            {
                return message;
            }
        }

        return message;
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..120] + "…";

    private static partial class Log
    {
        [LoggerMessage(EventId = 3403, Level = LogLevel.Information, Message = "Function {Function} invoked: {WorkItems} work items processed (finished: {Finished}).")]
        public static partial void Invoked(ILogger logger, string function, int workItems, bool finished);
    }
}
