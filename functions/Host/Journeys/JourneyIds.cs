using System.Security.Cryptography;
using System.Text;

namespace JourneyOrchestrator.Host.Journeys;

/// <summary>
/// Deterministic journey ids for journeys started by an entry event, so that a retried event never starts a journey twice:
/// <c>j-{template}-{hash(dealer, customer, template, journeyKey)}</c>, and when that journey has finished and a new entry event
/// starts the template again, <c>...-{hash(eventId)}</c>.
/// </summary>
public static class JourneyIds
{
    public static string ForEntry(string dealerId, string customerId, string templateId, string? journeyKey) =>
        $"j-{templateId}-{Hash(dealerId, customerId, templateId, journeyKey ?? "")[..20]}";

    public static string ForReentry(string entryId, string eventId) => $"{entryId}-{Hash(eventId)[..12]}";

    /// <summary>The event id with which completing task <paramref name="taskId"/> is raised into its journey.</summary>
    public static string ForTaskCompletion(string taskId) => $"task-completed-{Hash(taskId)[..32]}";

    private static string Hash(params string[] parts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))));
}
