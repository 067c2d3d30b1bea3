using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Api.Journeys;

/// <summary>Checks a customer profile sent by a dealer system and turns it into a <see cref="CustomerProfile"/>.</summary>
public static class CustomerProfiles
{
    /// <summary>Adds every problem of <paramref name="input"/> to <paramref name="errors"/>, with paths under <paramref name="path"/>.</summary>
    /// <param name="input">The profile as sent.</param>
    /// <param name="path">The JSON path of the profile in the request, e.g. <c>$.customer</c>.</param>
    /// <param name="errors">Where problems are added.</param>
    /// <param name="routeCustomerId">The customer id from the route (then <c>id</c> in the body may be left out, and must match when given).</param>
    /// <param name="dealerId">The request's dealer id (then <c>dealerId</c> in the profile may be left out, and must match when given).</param>
    public static void Check(CustomerInput? input, string path, FieldErrors errors, string? routeCustomerId, string? dealerId)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (input is null)
        {
            errors.Add(path, "Required.");
            return;
        }

        if (routeCustomerId is null)
        {
            errors.Id(path + ".id", input.Id);
        }
        else if (input.Id is not null && input.Id != routeCustomerId)
        {
            errors.Add(path + ".id", $"Must be the customer id of the URL, '{routeCustomerId}', or left out.");
        }

        if (input.DealerId is not null && input.DealerId != dealerId)
        {
            errors.Add(path + ".dealerId", "Must be the request's dealerId, or left out.");
        }

        CheckFields(input.Email, input.FirstName, input.LastName, input.Locale, input.TimeZone, input.Consent, path, errors);
    }

    public static void CheckFields(string? email, string? firstName, string? lastName, string? locale, string? timeZone, ConsentInput? consent, string path, FieldErrors errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (email is null)
        {
            errors.Add(path + ".email", "Required.");
        }
        else if (!InputRules.IsEmail(email))
        {
            errors.Add(path + ".email", "Must be one e-mail address, like anna@example.com.");
        }

        errors.Line(path + ".firstName", firstName, InputRules.MaxNameLength, required: true); // one line: names go into e-mail subjects
        errors.Line(path + ".lastName", lastName, InputRules.MaxNameLength, required: true);
        if (locale is null)
        {
            errors.Add(path + ".locale", "Required.");
        }
        else if (!InputRules.IsLocale(locale))
        {
            errors.Add(path + ".locale", "Must be a BCP 47 language tag of a known culture, like nl-NL, da-DK or en-GB.");
        }

        if (timeZone is not null && !InputRules.IsTimeZone(timeZone))
        {
            errors.Add(path + ".timeZone", "Must be an IANA time zone id, like Europe/Amsterdam.");
        }

        if (consent is null)
        {
            errors.Add(path + ".consent", "Required: {\"email\": true|false}.");
        }
        else if (consent.Email is null)
        {
            errors.Add(path + ".consent.email", "Required: true or false.");
        }
    }

    /// <summary>The profile as the journey's snapshot (camelCase JSON, as the interpreter's conditions read it).</summary>
    public static System.Text.Json.Nodes.JsonObject Snapshot(CustomerProfile profile) =>
        System.Text.Json.JsonSerializer.SerializeToNode(profile, JourneyOrchestrator.Core.Authoring.JsonData.Options)!.AsObject();

    /// <summary>The profile of a checked <paramref name="input"/>.</summary>
    public static CustomerProfile From(string dealerId, string customerId, CustomerInput input, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(input);
        return Build(dealerId, customerId, input.Email!, input.FirstName, input.LastName, input.Locale!, input.TimeZone, input.Consent!, now);
    }

    public static CustomerProfile Build(string dealerId, string customerId, string email, string? firstName, string? lastName, string locale, string? timeZone, ConsentInput consent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(consent);
        return new CustomerProfile
        {
            Id = customerId,
            DealerId = dealerId,
            Email = email,
            FirstName = firstName?.Trim(),
            LastName = lastName?.Trim(),
            Locale = locale,
            TimeZone = timeZone,
            Consent = new ConsentSettings { Email = consent.Email!.Value },
            UpdatedAt = now,
        };
    }
}
