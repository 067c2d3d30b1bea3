using System.Text.Json;
using JourneyOrchestrator.Core.Client;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace JourneyOrchestrator.Host.Api;

/// <summary>
/// The one place where exceptions become RFC 9457 problem details: <see cref="ApiProblemException"/> as it says; oversized
/// or unreadable bodies (<see cref="BadHttpRequestException"/>) with their status (413, 400); a runtime input check
/// (<see cref="ArgumentException"/>) as 400; a taken instance id as 409; anything else as 500 without internals.
/// </summary>
public sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            return true; // the client went away; nobody reads an answer
        }

        var problem = ToProblem(exception);
        if (problem.Status >= 500)
        {
            Log.Unhandled(logger, httpContext.Request.Method, httpContext.Request.Path, exception);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The problem details for <paramref name="exception"/>.</summary>
    public static ProblemDetails ToProblem(Exception exception) => exception switch
    {
        ApiProblemException api => Extend(Create(api.Status, api.Title, api.Message, api.Errors), api.Extensions),
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
            Create(StatusCodes.Status413PayloadTooLarge, "Request body too large", exception.Message, []),
        BadHttpRequestException bad => Create(bad.StatusCode, "Bad request", bad.Message, []),
        JsonException json => Create(StatusCodes.Status400BadRequest, "Malformed JSON", json.Message, [new FieldError(json.Path ?? "$", json.Message)]),
        InstanceAlreadyExistsException taken => Create(StatusCodes.Status409Conflict, "Conflict", taken.Message, []),
        ArgumentException argument => Create(StatusCodes.Status400BadRequest, "Bad request", argument.Message, []),
        _ => Create(StatusCodes.Status500InternalServerError, "Internal server error", "The request failed on the server; it has been logged.", []),
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}.")]
        public static partial void Unhandled(ILogger logger, string method, PathString path, Exception error);
    }
}
