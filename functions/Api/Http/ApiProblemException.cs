namespace JourneyOrchestrator.Api.Http;

/// <summary>One bad input: where (a JSON path such as <c>$.customer.email</c>, a route or query parameter, or a template path) and what.</summary>
/// <param name="Path">Where the problem is.</param>
/// <param name="Message">What is wrong, in plain English.</param>
/// <param name="Line">1-based line in a template document, when known.</param>
/// <param name="Column">1-based column in a template document, when known.</param>
public sealed record FieldError(string Path, string Message, int? Line = null, int? Column = null);

/// <summary>
/// A request the API refuses, turned into RFC 9457 problem details by <see cref="ApiExceptionHandler"/>: the status, a title,
/// a detail sentence and, for validation problems, every bad field with its path.
/// </summary>
public sealed class ApiProblemException : Exception
{
    public ApiProblemException(int status, string title, string detail, IReadOnlyList<FieldError>? errors = null)
        : base(detail)
    {
        Status = status;
        Title = title;
        Errors = errors ?? [];
    }

    public ApiProblemException()
        : this(StatusCodes.Status400BadRequest, "Bad request", "The request is not valid.")
    {
    }

    public ApiProblemException(string message)
        : this(StatusCodes.Status400BadRequest, "Bad request", message)
    {
    }

    public ApiProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusCodes.Status400BadRequest;
        Title = "Bad request";
        Errors = [];
    }

    public int Status { get; }
    public string Title { get; }
    public IReadOnlyList<FieldError> Errors { get; }

    /// <summary>More members of the problem details, written beside <c>errors</c> (e.g. the <c>limit</c> a template went past).</summary>
    public IReadOnlyDictionary<string, object?> Extensions { get; init; } = new Dictionary<string, object?>();

    public static ApiProblemException Validation(IReadOnlyList<FieldError> errors) =>
        new(StatusCodes.Status400BadRequest, "The request has invalid fields",
            errors.Count == 1 ? $"{errors[0].Path}: {errors[0].Message}" : $"{errors.Count} fields are invalid; see errors.", errors);

    public static ApiProblemException Invalid(string path, string message) => Validation([new FieldError(path, message)]);

    public static ApiProblemException NotFound(string what) => new(StatusCodes.Status404NotFound, "Not found", what);

    public static ApiProblemException Forbidden(string why) => new(StatusCodes.Status403Forbidden, "Forbidden", why);

    public static ApiProblemException Gone(string why) => new(StatusCodes.Status410Gone, "Gone", why);

    public static ApiProblemException Conflict(string why) => new(StatusCodes.Status409Conflict, "Conflict", why);

    public static ApiProblemException Unprocessable(string title, string detail, IReadOnlyList<FieldError> errors) =>
        new(StatusCodes.Status422UnprocessableEntity, title, detail, errors);

    /// <summary>422: the work would go past a documented limit (named in <c>limit</c>, with its value and what was asked).</summary>
    public static ApiProblemException Limit(string limit, long value, long actual, string path, string detail) =>
        new(StatusCodes.Status422UnprocessableEntity, "A limit was reached", detail, [new FieldError(path, detail)])
        {
            Extensions = new Dictionary<string, object?> { ["limit"] = limit, ["value"] = value, ["actual"] = actual },
        };
}
