using System.Globalization;
using System.Net.Mail;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Api.Http;

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

    /// <summary>One line of text (a name that may go into an e-mail subject): no control characters at all, CR and LF included.</summary>
    public static bool IsLine(string? value, int maxLength) =>
        value is not null && !string.IsNullOrWhiteSpace(value) && value.Length <= maxLength && !value.Any(EmailText.BreaksLine);

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
    private int _unprocessable;

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

    /// <summary>
    /// Requires one line of text at <paramref name="path"/>: 1-<paramref name="maxLength"/> characters, not blank (400), and
    /// no control characters (CR, LF, tab, ...: 422, the content cannot go into an e-mail header).
    /// </summary>
    public void Line(string path, string? value, int maxLength, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                Add(path, "Required.");
            }
        }
        else if (value.Any(EmailText.BreaksLine))
        {
            _unprocessable++;
            Add(path, "Must be one line: no line breaks (CR, LF) or other control characters.");
        }
        else if (!InputRules.IsLine(value, maxLength))
        {
            Add(path, $"Must be 1-{maxLength} characters, not blank.");
        }
    }

    /// <exception cref="ApiProblemException">There is at least one error: 422 when every error is content that cannot be
    /// processed (control characters in a name), otherwise 400; with every error.</exception>
    public void ThrowIfAny()
    {
        if (_errors.Count > 0 && _unprocessable == _errors.Count)
        {
            throw ApiProblemException.Unprocessable("The request has fields that cannot be processed",
                _errors.Count == 1 ? $"{_errors[0].Path}: {_errors[0].Message}" : $"{_errors.Count} fields cannot be processed; see errors.", _errors);
        }

        if (_errors.Count > 0)
        {
            throw ApiProblemException.Validation(_errors);
        }
    }
}

/// <summary>
/// The limits of event and journey data (<c>data</c> of <c>POST /api/customers/{id}/events</c> and <c>POST /api/journeys</c>,
/// the body of <c>POST /api/journeys/{id}/events/{name}</c>), chosen so that data accepted here always runs through a journey:
/// the runtime wraps data a few levels deeper in its own JSON (journey input, history, activity requests; each allows 64
/// levels), and the Liquid renderer reads every number. See <c>docs/dealer-integration.md</c>, "Limits".
/// </summary>
public static partial class EventDataRules
{
    /// <summary>How deeply data may nest: <c>{"a": 1}</c> is 1 level, <c>{"a": {"b": [1]}}</c> 3. Beyond it: 422.</summary>
    public const int MaxDepth = 32;

    /// <summary>The size of one event's (or journey's) data as compact UTF-8 JSON: 64 KB. Beyond it: 413.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>Problems of <paramref name="data"/> at <paramref name="path"/>: depth and numbers (422), then size (413).</summary>
    /// <exception cref="ApiProblemException">The data breaks a limit.</exception>
    public static void Check(JsonNode? data, string path)
    {
        if (data is null)
        {
            return;
        }

        var errors = new List<FieldError>();
        Walk(data, path, 1, errors);
        if (errors.Count > 0)
        {
            throw ApiProblemException.Unprocessable("The data cannot be processed",
                errors.Count == 1 ? $"{errors[0].Path}: {errors[0].Message}" : $"{errors.Count} values cannot be processed; see errors.", errors);
        }

        var bytes = Encoding.UTF8.GetByteCount(data.ToJsonString());
        if (bytes > MaxBytes)
        {
            var message = $"The data is {bytes:N0} bytes of JSON; the limit (per event) is {MaxBytes / 1024} KB.";
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "Event data too large", $"{path}: {message}", [new FieldError(path, message)]);
        }
    }

    private static void Walk(JsonNode node, string path, int depth, List<FieldError> errors)
    {
        if (errors.Count >= 20)
        {
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                if (TooDeep(path, depth, errors))
                {
                    return;
                }

                foreach (var (name, value) in obj)
                {
                    if (value is not null)
                    {
                        Walk(value, Member(path, name), depth + 1, errors);
                    }
                }

                break;
            case JsonArray array:
                if (TooDeep(path, depth, errors))
                {
                    return;
                }

                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } item)
                    {
                        Walk(item, $"{path}[{i}]", depth + 1, errors);
                    }
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.Number:
                if (!double.TryParse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
                {
                    errors.Add(new FieldError(path, $"The number {Shorten(value.ToJsonString())} is outside the range of a double (about ±1.7e308); send it as a string."));
                }

                break;
            default:
                break;
        }
    }

    private static bool TooDeep(string path, int depth, List<FieldError> errors)
    {
        if (depth <= MaxDepth)
        {
            return false;
        }

        errors.Add(new FieldError(path, $"The data nests deeper than {MaxDepth} levels of objects and arrays."));
        return true;
    }

    private static string Member(string path, string name) =>
        MemberPattern().IsMatch(name) ? $"{path}.{name}" : $"{path}['{name.Replace("'", "\\'", StringComparison.Ordinal)}']";

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    [GeneratedRegex("^[A-Za-z_$][A-Za-z0-9_$]*$", RegexOptions.CultureInvariant)]
    private static partial Regex MemberPattern();
}

/// <summary>A request with event or journey data, checked by <see cref="RequestBody.ReadJsonAsync{T}"/> against <see cref="EventDataRules"/>.</summary>
public interface IHasEventData
{
    JsonObject? Data { get; }
}
