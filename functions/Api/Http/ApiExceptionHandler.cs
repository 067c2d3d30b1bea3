using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using JourneyOrchestrator.Core.Client;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace JourneyOrchestrator.Api.Http;

/// <summary>
/// The one place where exceptions become RFC 9457 problem details: <see cref="ApiProblemException"/> as it says (its text is
/// written for the caller); oversized or unreadable bodies (<see cref="BadHttpRequestException"/>) with their status (413,
/// 400); malformed JSON as 400 with the JSON path and position; a runtime input check (<see cref="ArgumentException"/>) as
/// 400; a taken instance id as 409; anything else as 500. Except for <see cref="ApiProblemException"/>, an answer never holds
/// the exception's own text (it can name server paths, types or stored values): every problem body carries a
/// <c>correlationId</c> instead, and the log line with the exception carries the same id.
/// </summary>
public sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>The problem-details extension that names the log entry of the failure.</summary>
    public const string CorrelationIdField = "correlationId";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true; // the client went away; nobody reads an answer
        }

        var problem = ToProblem(exception);
        var correlationId = CorrelationId(httpContext);
        problem.Extensions[CorrelationIdField] = correlationId;
        if (problem.Status >= 500)
        {
            Log.Unhandled(logger, httpContext.Request.Method, httpContext.Request.Path, correlationId, exception);
        }
        else if (exception is not ApiProblemException)
        {
            Log.Refused(logger, problem.Status!.Value, httpContext.Request.Method, httpContext.Request.Path, correlationId, exception);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The id that ties an answer to its log entry: the request's trace id (as in the problem's <c>traceId</c>).</summary>
    public static string CorrelationId(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return Activity.Current?.Id ?? httpContext.TraceIdentifier;
    }

    /// <summary>The problem details for <paramref name="exception"/>; only an <see cref="ApiProblemException"/>'s own text is used.</summary>
    public static ProblemDetails ToProblem(Exception exception) => exception switch
    {
        ApiProblemException api => Extend(Create(api.Status, api.Title, api.Message, api.Errors), api.Extensions),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            Create(StatusCodes.Status413PayloadTooLarge, "Request body too large", "The body is larger than this route accepts; see /openapi/v1.json and docs/security.md for the limits.", []),
        BadHttpRequestException bad => Unreadable(bad),
        JsonException json => Malformed(json),
        InstanceAlreadyExistsException => Create(StatusCodes.Status409Conflict, "Conflict", "A journey with this id exists already.", []),
        ArgumentException => Create(StatusCodes.Status400BadRequest, "Bad request", "A value in the request was refused by an input check; the details are in the server log under the correlation id.", []),
        _ => Create(StatusCodes.Status500InternalServerError, "Internal server error", "The request failed on the server; it has been logged under the correlation id.", []),
    };

    /// <summary>Problem details with the <c>errors</c> list of {path, message} when there are field errors.</summary>
    public static ProblemDetails Create(int status, string title, string detail, IReadOnlyList<FieldError> errors)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (errors.Count > 0)
        {
            problem.Extensions["errors"] = errors;
        }

        return problem;
    }

    private static ProblemDetails Extend(ProblemDetails problem, IReadOnlyDictionary<string, object?> extensions)
    {
        foreach (var (name, value) in extensions)
        {
            problem.Extensions[name] = value;
        }

        return problem;
    }

    /// <summary>
    /// A parameter that could not be bound (<c>?pageSize=abc</c>) is named, from the framework's message, in our own words
    /// (the framework's text names the parameter's .NET type and echoes the value); anything else is described generically.
    /// </summary>
    private static ProblemDetails Unreadable(BadHttpRequestException bad)
    {
        var binding = BindingFailure().Match(bad.Message);
        if (binding.Success)
        {
            var name = binding.Groups["name"].Value;
            var message = binding.Groups["missing"].Success ? "Required." : "Wrong type or format for this parameter.";
            return Create(bad.StatusCode, "Bad request", $"{name}: {message}", [new FieldError(name, message)]);
        }

        return Create(bad.StatusCode, "Bad request", "The request could not be read (its headers or body are malformed); the details are in the server log under the correlation id.", []);
    }

    [GeneratedRegex("""^(?:Failed to bind parameter|(?<missing>Required parameter)) "[^"]*?(?<name>[A-Za-z_][A-Za-z0-9_]*)"(?: from| was not)""", RegexOptions.CultureInvariant)]
    private static partial Regex BindingFailure();

    /// <summary>Where the JSON is malformed (path, line, byte), from the exception's properties; not its message.</summary>
    private static ProblemDetails Malformed(JsonException json)
    {
        var path = string.IsNullOrEmpty(json.Path) ? "$" : json.Path;
        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
        var message = "Malformed JSON, or a value of the wrong type" + where + ".";
        return Create(StatusCodes.Status400BadRequest, "Malformed JSON", $"{path}: {message}", [new FieldError(path, message)]);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path} (correlation id {CorrelationId}).")]
        public static partial void Unhandled(ILogger logger, string method, PathString path, string correlationId, Exception error);

        [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Refused {Status} in {Method} {Path} (correlation id {CorrelationId}).")]
        public static partial void Refused(ILogger logger, int status, string method, PathString path, string correlationId, Exception error);
    }
}
