using System.Security.Claims;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using Microsoft.AspNetCore.Http.HttpResults;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary><c>/api/customers</c>: profiles and the customer events dealer systems raise (dealer, admin).</summary>
public static class CustomerEndpoints
{
    public static IEndpointRouteBuilder MapCustomerEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/customers").WithTags("Customers").RequireAuthorization(Roles.DealerPolicy);

        group.MapPut("/{customerId}", PutAsync)
            .WithName("PutCustomer")
            .WithSummary("Create or update a customer profile")
            .WithDescription("Creates (201) or updates (200) the profile of a customer of a dealer: e-mail, names, locale, optional IANA time zone and e-mail consent. Journeys read the e-mail address and consent fresh when they send. 422 names with line breaks or other control characters.")
            .Accepts<PutCustomerRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapGet("/{customerId}", GetAsync)
            .WithName("GetCustomer")
            .WithSummary("Get a customer with their journeys")
            .WithDescription("The profile and the customer's journeys (up to 100). dealerId (query) is required for admin keys; a dealer key uses its own dealer.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{customerId}/events", RaiseAsync)
            .WithName("RaiseCustomerEvent")
            .WithSummary("Raise a customer event")
            .WithDescription("How dealer systems talk: they know customers, not journey ids. Upserts the profile if 'customer' is given, raises the event into every running journey of the customer (only those with journeyKey, when given), and starts a journey of every template whose entry events include the name. 202 with the ids of the journeys it reached. Send an eventId: a repeated eventId changes nothing and answers 202 again. Data limits: 32 levels deep, numbers within double range (422 with the path), 64 KB (413).")
            .Accepts<CustomerEventRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        return routes;
    }

    private static async Task<Results<Created<CustomerProfile>, Ok<CustomerProfile>>> PutAsync(
        string customerId, HttpRequest request, ClaimsPrincipal user, IJourneyDataStore data, TimeProvider time, CancellationToken cancellationToken)
    {
        InputRules.RouteId(customerId, "customerId");
        var body = await RequestBody.ReadJsonAsync<PutCustomerRequest>(request, cancellationToken);
        var errors = new FieldErrors();
        errors.Id("$.dealerId", body.DealerId);
        CustomerProfiles.CheckFields(body.Email, body.FirstName, body.LastName, body.Locale, body.TimeZone, body.Consent, "$", errors);
        errors.ThrowIfAny();
        Caller.From(user).EnsureAccess(body.DealerId, "customers");

        var existing = await data.GetCustomerAsync(body.DealerId!, customerId, cancellationToken);
        var profile = CustomerProfiles.Build(body.DealerId!, customerId, body.Email!, body.FirstName, body.LastName, body.Locale!, body.TimeZone, body.Consent!, time.GetUtcNow());
        await data.UpsertCustomerAsync(profile, cancellationToken);
        var stored = await data.GetCustomerAsync(body.DealerId!, customerId, cancellationToken) ?? profile;
        return existing is null
            ? TypedResults.Created($"/api/customers/{Uri.EscapeDataString(customerId)}?dealerId={Uri.EscapeDataString(profile.DealerId)}", stored)
            : TypedResults.Ok(stored);
    }

    private static async Task<Ok<CustomerView>> GetAsync(
        string customerId, string? dealerId, ClaimsPrincipal user, IJourneyDataStore data, JourneyQueries journeys, CancellationToken cancellationToken)
    {
        InputRules.RouteId(customerId, "customerId");
        var caller = Caller.From(user);
        if (dealerId is not null)
        {
            InputRules.RouteId(dealerId, "dealerId");
        }

        var dealer = caller.ScopeDealer(dealerId, "customers") ?? throw ApiProblemException.Invalid("dealerId", "Required for an admin key: customers are kept per dealer.");
        var profile = await data.GetCustomerAsync(dealer, customerId, cancellationToken)
            ?? throw ApiProblemException.NotFound($"Dealer '{dealer}' has no customer '{customerId}'.");
        return TypedResults.Ok(new CustomerView(profile, await journeys.CustomerJourneysAsync(dealer, customerId, 100, cancellationToken)));
    }

    private static async Task<Accepted<CustomerEventAccepted>> RaiseAsync(
        string customerId, HttpRequest request, ClaimsPrincipal user, CustomerEventRouter journeys, CancellationToken cancellationToken)
    {
        InputRules.RouteId(customerId, "customerId");
        var body = await RequestBody.ReadJsonAsync<CustomerEventRequest>(request, cancellationToken);
        var accepted = await journeys.RaiseAsync(customerId, body, Caller.From(user), cancellationToken);
        return TypedResults.Accepted((string?)null, accepted);
    }
}
