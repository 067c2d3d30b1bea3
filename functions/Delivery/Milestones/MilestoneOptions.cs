namespace JourneyOrchestrator.Delivery.Milestones;

/// <summary>
/// <c>Journeys:Milestones:ServiceBus</c>: where journey milestones are published (docs/delivery.md, "Milestones on Service
/// Bus"). Nothing is published when neither <see cref="FullyQualifiedNamespace"/> nor <see cref="ConnectionString"/> is set.
/// </summary>
public sealed class MilestoneOptions
{
    public const string Section = "Journeys:Milestones:ServiceBus";

    /// <summary>Identity-based (Azure): e.g. <c>sb-journeys.servicebus.windows.net</c>, with <c>DefaultAzureCredential</c>.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>Selects a user-assigned managed identity with <see cref="FullyQualifiedNamespace"/>.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>For local use (the Service Bus emulator): a connection string with a shared access key.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The topic; <c>journey-milestones</c> as infra/servicebus.bicep creates it.</summary>
    public string Topic { get; set; } = "journey-milestones";

    public bool Configured => !string.IsNullOrWhiteSpace(FullyQualifiedNamespace) || !string.IsNullOrWhiteSpace(ConnectionString);
}
