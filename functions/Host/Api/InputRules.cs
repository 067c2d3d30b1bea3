using System.Globalization;
using System.Net.Mail;
using System.Text.RegularExpressions;

namespace JourneyOrchestrator.Host.Api;

/// <summary>
/// The API's input rules, checked before anything reaches storage. Ids (dealer, customer, journey key, event id, instance id):
/// 1-128 of letters, digits, '.', '_', ':', '@', '-', starting with a letter or digit. Event names: 1-200 of letters, digits,
/// '.', '_', ':', '-'. E-mail: one plain address. Locale: a BCP 47 tag of a known culture. Time zone: an IANA id this machine knows.
/// </summary>
public static partial class InputRules
{
    public const int MaxNameLength = 100;
    public const int MaxNotesLength = 4000;

    public static bool IsId(string? value) => value is not null && IdPattern().IsMatch(value);

    public static bool IsEventName(string? value) => value is not null && EventNamePattern().IsMatch(value);

    public static bool IsTemplateId(string? value) => value is not null && TemplateIdPattern().IsMatch(value);

    public static bool IsEmail(string? value) =>
        value is { Length: > 0 and <= 254 } &&
        EmailPattern().IsMatch(value) &&
        MailAddress.TryCreate(value, out var address) &&
        address.Address == value &&
        string.IsNullOrEmpty(address.DisplayName);

    public static bool IsLocale(string? value)
    {
        if (value is null || !LocalePattern().IsMatch(value))
        {
            return false;
        }

        try
        {
            return CultureInfo.GetCultureInfo(value, predefinedOnly: true) is { } culture && !culture.Equals(CultureInfo.InvariantCulture);
        }
        catch (CultureNotFoundException)
        {
            return false;
        }
    }

    public static bool IsTimeZone(string? value) =>
        value is { Length: > 0 and <= 100 } && TimeZoneInfo.TryFindSystemTimeZoneById(value, out _);

    public static bool IsText(string? value, int maxLength) =>
        value is not null && !string.IsNullOrWhiteSpace(value) && value.Length <= maxLength && !value.Any(c => char.IsControl(c) && c is not '\n' and not '\r' and not '\t');

    /// <summary>A route or query id, checked before it is used: 400 with the parameter as the path.</summary>
    /// <exception cref="ApiProblemException">The value is not an id.</exception>
    public static string RouteId(string? value, string parameter) =>
        IsId(value) ? value! : throw ApiProblemException.Invalid(parameter, IdRule);

    /// <summary>An instance id from a route: the runtime's rule (1-200 characters, no control characters, none of / \ ? #).</summary>
    public static string InstanceId(string? value, string parameter)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 200 || value.Any(c => char.IsControl(c) || c is '/' or '\\' or '?' or '#'))
        {
            throw ApiProblemException.Invalid(parameter, "A journey id is 1-200 characters without control characters or / \\ ? #.");
        }

        return value;
    }

    public const string IdRule = "Must be 1-128 letters, digits, '.', '_', ':', '@' or '-', starting with a letter or digit.";
    public const string EventNameRule = "Must be 1-200 letters, digits, '.', '_', ':' or '-', starting with a letter or digit (e.g. testdrive.booked).";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$", RegexOptions.CultureInvariant)]
    private static partial Regex EventNamePattern();

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex TemplateIdPattern();

    [GeneratedRegex(@"^[^@\s<>(),;:""\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalePattern();
}

/// <summary>Collects <see cref="FieldError"/>s of one request; <see cref="ThrowIfAny"/> refuses the request with all of them.</summary>
public sealed class FieldErrors
{
    private readonly List<FieldError> _errors = [];

    public int Count => _errors.Count;

    public void Add(string path, string message) => _errors.Add(new FieldError(path, message));

    /// <summary>Requires an id at <paramref name="path"/> (or allows null when not <paramref name="required"/>).</summary>
    public void Id(string path, string? value, bool required = true)
    {
        if (value is null)
        {
            if (required)
            {
                Add(path, "Required.");
            }
        }
        else if (!InputRules.IsId(value))
        {
            Add(path, InputRules.IdRule);
        }
    }

    public void EventName(string path, string? value)
    {
        if (value is null)
        {
            Add(path, "Required.");
        }
        else if (!InputRules.IsEventName(value))
        {
            Add(path, InputRules.EventNameRule);
        }
    }

    public void Text(string path, string? value, int maxLength, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                Add(path, "Required.");
            }
        }
        else if (!InputRules.IsText(value, maxLength))
        {
            Add(path, $"Must be 1-{maxLength} characters, not blank, without control characters.");
        }
    }

    /// <exception cref="ApiProblemException">There is at least one error (400 with every error).</exception>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw ApiProblemException.Validation(_errors);
        }
    }
}
