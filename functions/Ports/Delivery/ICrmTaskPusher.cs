using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Delivery;

/// <summary>
/// Pushes a sales task to its dealer's CRM. One call is one attempt: it throws on any failure (the runtime retries
/// <see cref="JourneyNames.PushTaskToCrmActivity"/> with back-off). Idempotent for the receiver: the body carries the task id.
/// </summary>
public interface ICrmTaskPusher
{
    /// <summary>False when the dealer has no CRM webhook: nothing is pushed.</summary>
    bool IsConfigured(string dealerId);

    /// <exception cref="CrmPushException">The CRM did not accept the task (non-2xx, timeout, no connection).</exception>
    Task PushAsync(SalesTask task, CancellationToken cancellationToken);
}
