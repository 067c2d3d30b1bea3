using JourneyOrchestrator.Delivery.Consent;
using JourneyOrchestrator.Delivery.Webhooks;
using Microsoft.AspNetCore.Routing;

namespace JourneyOrchestrator.Delivery;

/// <summary>All delivery routes: <c>GET|POST /u/{token}</c> (one-click unsubscribe) and <c>POST /api/webhooks/sendgrid</c>.</summary>
public static class DeliveryEndpoints
{
    public static IEndpointRouteBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapUnsubscribeEndpoints();
        endpoints.MapSendGridWebhookEndpoints();
        return endpoints;
    }
}
