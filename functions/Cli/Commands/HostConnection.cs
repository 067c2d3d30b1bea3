using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace JourneyOrchestrator.Cli.Commands;

/// <summary>A configuration problem (no key, a bad profile): printed, exit code 2.</summary>
internal sealed class CliUsageException(string message) : Exception(message);

/// <summary>The host answered with an error or could not be reached: printed, exit code 3.</summary>
internal sealed class CliRemoteException(string message) : Exception(message);

/// <summary>
/// Where the host is and which key to send: <c>--host</c>, else the profile's host, else <c>JOURNEY_HOST</c>, else
/// http://127.0.0.1:7071; the key from the environment variable <c>--api-key-env</c> names (default <c>JOURNEY_API_KEY</c>),
/// else the profile's <c>apiKeyEnv</c> or <c>apiKey</c>. Profiles live in <c>~/.config/journey/profiles.json</c> (or the
/// file <c>JOURNEY_PROFILES</c> names): <c>{"profiles": {"dev": {"host": "...", "apiKeyEnv": "DEV_KEY"}}}</c>. The key is sent
/// in the <c>X-Api-Key</c> header only: never printed, never in a URL.
/// </summary>
internal sealed class HostConnection
{
    public const string DefaultHost = "http://127.0.0.1:7071";
    public const string DefaultKeyVariable = "JOURNEY_API_KEY";

    public static readonly Option<string?> HostOption = new("--host") { Description = "The host's base URL (default: the profile's, JOURNEY_HOST, or http://127.0.0.1:7071)." };
    public static readonly Option<string?> ProfileOption = new("--profile") { Description = "A profile of ~/.config/journey/profiles.json (host and API key)." };
    public static readonly Option<string?> KeyVariableOption = new("--api-key-env") { Description = "The environment variable that holds the API key (default JOURNEY_API_KEY)." };

    public static void AddTo(Command command)
    {
        command.Options.Add(HostOption);
        command.Options.Add(ProfileOption);
        command.Options.Add(KeyVariableOption);
    }

    private HostConnection(HttpClient client) => Client = client;

    public HttpClient Client { get; }

    public static HostConnection From(ParseResult parse, CliContext cli)
    {
        var profile = Profile(parse.GetValue(ProfileOption), cli.Environment);
        var host = parse.GetValue(HostOption) ?? profile?["host"]?.GetValue<string>() ?? cli.Environment("JOURNEY_HOST") ?? DefaultHost;
        if (!Uri.TryCreate(host, UriKind.Absolute, out var baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliUsageException($"'{host}' is not an http(s) URL of a host.");
        }

        var variable = parse.GetValue(KeyVariableOption) ?? profile?["apiKeyEnv"]?.GetValue<string>() ?? DefaultKeyVariable;
        var key = cli.Environment(variable) ?? (parse.GetValue(KeyVariableOption) is null ? profile?["apiKey"]?.GetValue<string>() : null);
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new CliUsageException($"No API key: set the environment variable {variable} (or give a profile with apiKeyEnv or apiKey).");
        }

        var client = cli.Handler is null ? new HttpClient() : new HttpClient(cli.Handler, disposeHandler: false);
        client.BaseAddress = baseUri;
        client.Timeout = TimeSpan.FromSeconds(30);
        client.DefaultRequestHeaders.Add("X-Api-Key", key.Trim());
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return new HostConnection(client);
    }

    /// <summary>Sends and reads the answer as JSON; an error status throws with the problem's title, detail and errors.</summary>
    public async Task<JsonNode?> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await Client.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliRemoteException($"{Client.BaseAddress} could not be reached: {e.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliRemoteException($"{Client.BaseAddress} did not answer within {Client.Timeout.TotalSeconds:F0} s.");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            JsonNode? body = null;
            try
            {
                body = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                // not JSON: reported below with the status
            }

            if (!response.IsSuccessStatusCode)
            {
                var problem = body as JsonObject;
                // The API's problems list errors as [{path, message, line, column}]; ASP.NET's validation problems as {field: [messages]}.
                var errors = problem?["errors"] switch
                {
                    JsonArray list => string.Concat(list.OfType<JsonObject>().Select(e =>
                        $"\n  {e["path"]}{(e["line"] is { } line ? $" (line {line}, column {e["column"]})" : "")}: {e["message"]}")),
                    JsonObject fields => string.Concat(fields.Select(f => $"\n  {f.Key}: {string.Join(" ", (f.Value as JsonArray ?? []).Select(m => m?.ToString()))}")),
                    _ => "",
                };
                throw new CliRemoteException($"{(int)response.StatusCode} {problem?["title"] ?? response.ReasonPhrase}: {problem?["detail"] ?? text}{errors}");
            }

            return body;
        }
    }

    private static JsonObject? Profile(string? name, Func<string, string?> environment)
    {
        if (name is null)
        {
            return null;
        }

        var file = environment("JOURNEY_PROFILES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config", "journey", "profiles.json");
        if (!File.Exists(file))
        {
            throw new CliUsageException($"No profiles file '{file}' (for profile '{name}').");
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(file))?["profiles"]?[name] as JsonObject
                ?? throw new CliUsageException($"The profiles file '{file}' has no profile '{name}'.");
        }
        catch (JsonException e)
        {
            throw new CliUsageException($"The profiles file '{file}' is not JSON: {e.Message}");
        }
    }
}
