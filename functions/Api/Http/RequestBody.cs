using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using JourneyOrchestrator.Templates.Loading;
using Microsoft.Net.Http.Headers;

namespace JourneyOrchestrator.Api.Http;

/// <summary>
/// Reads request bodies with a per-route size limit (413 beyond it), a content-type check (415) and strict JSON (400 with
/// the JSON path and position of the problem; unknown properties are refused, so a typo never passes silently).
/// </summary>
public static class RequestBody
{
    /// <summary>Events, customers, journeys, tasks, clock: 256 KB per request (the data in it: <see cref="EventDataRules.MaxBytes"/>).</summary>
    public const int DefaultLimit = 256 * 1024;
    /// <summary>Template documents by default: 1 MiB (<c>Journeys:Templates:Limits:MaxDocumentBytes</c>).</summary>
    public const int TemplateLimit = 1024 * 1024;

    /// <summary>The setting named in a 413 for a template document.</summary>
    public static readonly string TemplateLimitSetting = TemplateLimits.Key(nameof(TemplateLimits.MaxDocumentBytes));

    /// <summary>The content types a template document may have (YAML or JSON).</summary>
    public static readonly IReadOnlyList<string> TemplateContentTypes =
        ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "application/json", "text/plain"];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Options for request JSON: web defaults, no unknown properties, bounded depth.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>A required JSON body bound to <typeparamref name="T"/>; its <c>data</c> checked against <see cref="EventDataRules"/> when it has one (<see cref="IHasEventData"/>).</summary>
    /// <exception cref="ApiProblemException">415 not JSON, 413 too large (the body or the data), 400 empty or malformed, 422 data beyond <see cref="EventDataRules"/>.</exception>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken, int limit = DefaultLimit)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        RequireJson(request);
        var bytes = await ReadBytesAsync(request, limit, cancellationToken);
        if (bytes.Length == 0)
        {
            throw ApiProblemException.Invalid("$", "A JSON body is required.");
        }

        T body;
        try
        {
            body = JsonSerializer.Deserialize<T>(bytes, Json) ?? throw ApiProblemException.Invalid("$", "The body must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            throw Malformed(e);
        }

        if (body is IHasEventData { Data: { } data })
        {
            EventDataRules.Check(data, "$.data");
        }

        return body;
    }

    /// <summary>An optional JSON body of any shape (an event payload, checked against <see cref="EventDataRules"/>); null when the body is empty.</summary>
    /// <exception cref="ApiProblemException">415 not JSON, 413 too large (the body or the data), 400 malformed, 422 data beyond <see cref="EventDataRules"/>.</exception>
    public static async Task<JsonNode?> ReadOptionalJsonAsync(HttpRequest request, CancellationToken cancellationToken, int limit = DefaultLimit)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength == 0 || (request.ContentLength is null && request.ContentType is null && !request.Headers.ContainsKey(HeaderNames.TransferEncoding)))
        {
            return null;
        }

        RequireJson(request);
        var bytes = await ReadBytesAsync(request, limit, cancellationToken);
        if (bytes.Length == 0)
        {
            return null;
        }

        JsonNode? data;
        try
        {
            data = JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            throw Malformed(e);
        }

        EventDataRules.Check(data, "$");
        return data;
    }

    /// <summary>
    /// A template document (YAML or JSON) as text, with its media type. A declared length over <paramref name="limit"/> is
    /// refused before any of the body is read; a body without one (chunked) is read up to the limit and no further.
    /// </summary>
    /// <exception cref="ApiProblemException">415 another media type, 413 larger than <paramref name="limit"/> bytes (naming the setting), 400 empty or not UTF-8.</exception>
    public static async Task<(string Text, string ContentType)> ReadTemplateAsync(HttpRequest request, CancellationToken cancellationToken, int limit = TemplateLimit)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mediaType = MediaType(request);
        if (mediaType is null || !TemplateContentTypes.Contains(mediaType))
        {
            throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"A template is sent as YAML or JSON: Content-Type {string.Join(", ", TemplateContentTypes)}; got '{request.ContentType ?? "(none)"}'.");
        }

        byte[] bytes;
        try
        {
            bytes = await ReadBytesAsync(request, limit, cancellationToken);
        }
        catch (ApiProblemException e) when (e.Status == StatusCodes.Status413PayloadTooLarge)
        {
            var message = $"The template document is larger than {limit:N0} bytes ({TemplateLimitSetting}).";
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "Template too large", message, [new FieldError("$", message)])
            {
                Extensions = new Dictionary<string, object?> { ["limit"] = TemplateLimitSetting, ["value"] = limit, ["path"] = "$" },
            };
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw ApiProblemException.Invalid("$", "The document is not valid UTF-8.");
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw ApiProblemException.Invalid("$", "The template document is empty.");
        }

        return (text, mediaType == "text/plain" ? (text.TrimStart().StartsWith('{') ? "application/json" : "application/yaml") : mediaType);
    }

    private static void RequireJson(HttpRequest request)
    {
        var mediaType = MediaType(request);
        if (mediaType is null || !(mediaType == "application/json" || mediaType.EndsWith("+json", StringComparison.Ordinal)))
        {
            throw new ApiProblemException(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"The body must be JSON (Content-Type: application/json); got '{request.ContentType ?? "(none)"}'.");
        }
    }

    private static string? MediaType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;

    private static async Task<byte[]> ReadBytesAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw TooLarge(limit);
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw TooLarge(limit);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ApiProblemException TooLarge(int limit) =>
        new(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"The body is larger than this route's limit of {limit / 1024} KB.");

    private static ApiProblemException Malformed(JsonException e)
    {
        var path = string.IsNullOrEmpty(e.Path) ? "$" : e.Path;
        var where = e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
            ? "Unknown property: this request does not take it." + where
            : e.InnerException is FormatException or InvalidOperationException || e.Message.Contains("could not be converted", StringComparison.Ordinal)
                ? "Wrong type or format for this field." + where
                : "Malformed JSON" + where + ".";
        return new ApiProblemException(StatusCodes.Status400BadRequest, "Malformed JSON", $"{path}: {message}", [new FieldError(path, message)]);
    }
}
