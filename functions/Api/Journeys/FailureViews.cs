using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.History;
using JourneyOrchestrator.Api.Security;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>
/// What the journey views show of a failure (an activity's or the journey's). Exception text is written by code, not for the
/// caller: a stack trace names server paths and methods, a message can name files, hosts or stored values. So the API never
/// shows a stack trace (to anyone: it is in the server log, with the failed activity's id), and shows the message only to
/// admin keys; dealer and marketing keys see the error type. <c>docs/security.md</c>, "Hardening".
/// </summary>
public static class FailureViews
{
    /// <summary>What replaces a failure's message for a caller that is not an admin.</summary>
    public const string HiddenMessage = "(hidden: ask an admin, or see lastError)";

    /// <summary>The detail view's <c>failure</c>: <c>ErrorType: Message</c> for admins, the error type for everyone else.</summary>
    public static string? Describe(FailureDetails? failure, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        return failure is null ? null : caller.IsAdmin ? $"{failure.ErrorType}: {failure.Message}" : failure.ErrorType;
    }

    /// <summary>
    /// The history as serialized (<see cref="HistoryJson"/>), with every <c>failure</c> object's <c>stackTrace</c> removed and,
    /// for a caller that is not an admin, its <c>message</c> replaced by <see cref="HiddenMessage"/>. Changes the node in place.
    /// </summary>
    public static JsonNode? Redact(JsonNode? history, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        Walk(history, caller.IsAdmin);
        return history;
    }

    private static void Walk(JsonNode? node, bool admin)
    {
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    Walk(item, admin);
                }

                break;
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    if (value is JsonObject failure && name.Equals("failure", StringComparison.OrdinalIgnoreCase))
                    {
                        Scrub(failure, admin);
                    }
                    else
                    {
                        Walk(value, admin);
                    }
                }

                break;
        }
    }

    private static void Scrub(JsonObject failure, bool admin)
    {
        foreach (var name in failure.Select(p => p.Key).Where(k => k.Equals("stackTrace", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            failure.Remove(name);
        }

        if (!admin)
        {
            foreach (var name in failure.Select(p => p.Key).Where(k => k.Equals("message", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                failure[name] = HiddenMessage;
            }
        }

        foreach (var (_, value) in failure.ToList())
        {
            Walk(value, admin); // an inner failure, if a failure ever nests one
        }
    }
}
