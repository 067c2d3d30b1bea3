using System.Globalization;
using System.Text.Json;
using Azure.Storage.Queues.Models;
using JourneyOrchestrator.Host.Tests.Support;

namespace JourneyOrchestrator.Host.Tests.Functions;

/// <summary>Invocation payloads exactly as the Azure Functions host posts them to a custom handler (PascalCase keys).</summary>
public static class Invocations
{
    /// <summary>
    /// A queue trigger's payload for <paramref name="message"/> received by the Functions host: the message text under the
    /// binding name (serialised once more, as the host does with strings), and the queue metadata plus <c>sys</c>.
    /// </summary>
    public static StringContent Queue(string function, QueueMessage message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(message);
        return Json(new Dictionary<string, object?>
        {
            ["Data"] = new Dictionary<string, object?> { ["doorbell"] = JsonSerializer.Serialize(message.Body.ToString()) },
            ["Metadata"] = new Dictionary<string, object?>
            {
                ["DequeueCount"] = message.DequeueCount,
                ["ExpirationTime"] = message.ExpiresOn,
                ["Id"] = message.MessageId,
                ["InsertionTime"] = message.InsertedOn,
                ["NextVisibleTime"] = message.NextVisibleOn,
                ["PopReceipt"] = message.PopReceipt,
                ["sys"] = Sys(function, now),
            },
        });
    }

    /// <summary>A queue trigger's payload with a doorbell text of its own.</summary>
    public static StringContent Queue(string function, string text, DateTimeOffset now) => Json(new Dictionary<string, object?>
    {
        ["Data"] = new Dictionary<string, object?> { ["doorbell"] = text },
        ["Metadata"] = new Dictionary<string, object?>
        {
            ["DequeueCount"] = 1,
            ["Id"] = Guid.NewGuid().ToString(),
            ["InsertionTime"] = now,
            ["NextVisibleTime"] = now.AddMinutes(10),
            ["PopReceipt"] = "AgAAAAMAAAAAAAAAAgtnj8x+1QE=",
            ["sys"] = Sys(function, now),
        },
    });

    /// <summary>A timer trigger's payload: the TimerInfo (Schedule, ScheduleStatus, IsPastDue) and <c>sys</c>.</summary>
    public static StringContent Timer(string function, DateTimeOffset now, bool pastDue = false) => Json(new Dictionary<string, object?>
    {
        ["Data"] = new Dictionary<string, object?>
        {
            ["timer"] = new Dictionary<string, object?>
            {
                ["Schedule"] = new Dictionary<string, object?> { ["AdjustForDST"] = true },
                ["ScheduleStatus"] = new Dictionary<string, object?>
                {
                    ["Last"] = now.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture),
                    ["Next"] = now.AddMinutes(5).ToString("O", CultureInfo.InvariantCulture),
                    ["LastUpdated"] = now.AddMinutes(-5).ToString("O", CultureInfo.InvariantCulture),
                },
                ["IsPastDue"] = pastDue,
            },
        },
        ["Metadata"] = new Dictionary<string, object?> { ["sys"] = Sys(function, now) },
    });

    public static StringContent Json(object payload) => Support.Api.Json(JsonSerializer.Serialize(payload));

    private static Dictionary<string, object?> Sys(string function, DateTimeOffset now) => new()
    {
        ["MethodName"] = function,
        ["UtcNow"] = now.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["RandGuid"] = Guid.NewGuid().ToString(),
    };
}
