using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Configuration;

namespace JourneyOrchestrator.Host.Functions;

/// <summary>What a function's trigger is, as far as the custom handler is concerned.</summary>
public enum FunctionTrigger
{
    /// <summary>An HTTP function: the Functions host forwards its requests as they are (enableForwardingHttpRequest).</summary>
    Http,
    /// <summary>A queue trigger on one of the runtime store's doorbell queues: binding <c>doorbell</c>.</summary>
    Queue,
    /// <summary>A timer trigger (the safety sweep): binding <c>timer</c>.</summary>
    Timer,
}

/// <summary>One function of the app: its folder name (the invocation route <c>POST /{name}</c>), trigger and, for a queue trigger, the queue.</summary>
/// <param name="Name">The folder name holding its function.json.</param>
/// <param name="Trigger">The trigger kind.</param>
/// <param name="Queue">The queue name, binding expressions resolved from configuration (queue triggers only).</param>
public sealed record FunctionDefinition(string Name, FunctionTrigger Trigger, string? Queue);

/// <summary>
/// The function.json folders beside the host (the Functions app root: the publish folder) read at start-up, and checked
/// against the runtime store: every doorbell queue of the Azure Storage store needs a queue-triggered function (otherwise a
/// scaled-to-zero app is not woken by its work), and every non-HTTP function must be one the handler serves.
/// </summary>
public sealed class FunctionAppLayout
{
    /// <summary>The binding name of the queue triggers' message.</summary>
    public const string QueueBinding = "doorbell";

    /// <summary>The binding name of the timer trigger's timer info.</summary>
    public const string TimerBinding = "timer";

    private readonly Dictionary<string, FunctionDefinition> _functions;

    private FunctionAppLayout(string root, Dictionary<string, FunctionDefinition> functions)
    {
        Root = root;
        _functions = functions;
    }

    /// <summary>The folder the function.json folders were read from.</summary>
    public string Root { get; }

    public IReadOnlyCollection<FunctionDefinition> Functions => _functions.Values;

    /// <summary>The non-HTTP function called <paramref name="name"/> (ordinal, as the Functions host posts it), if any.</summary>
    public FunctionDefinition? FindInvocable(string name) =>
        _functions.TryGetValue(name, out var function) && function.Trigger != FunctionTrigger.Http ? function : null;

    /// <summary>An empty layout (the host is not a custom handler).</summary>
    public static FunctionAppLayout None { get; } = new(string.Empty, []);

    /// <summary>Reads <c>{root}/*/function.json</c> and checks it; every problem is added to <paramref name="problems"/>.</summary>
    public static FunctionAppLayout Load(string root, IConfiguration configuration, JourneyHostSettings settings, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(problems);
        var functions = new Dictionary<string, FunctionDefinition>(StringComparer.Ordinal);
        var files = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "function.json")).Where(File.Exists).Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
        {
            problems.Add($"{JourneyHostSettings.CustomHandlerPortVariable} is set (Azure Functions custom handler) but no function folders (*/function.json) are beside the host in '{root}'; publish with 'dotnet publish functions/Host' (host.json and the function folders travel with it).");
            return new FunctionAppLayout(root, functions);
        }

        foreach (var file in files)
        {
            var name = Path.GetFileName(Path.GetDirectoryName(file)!);
            if (Read(file, name, configuration, problems) is { } function)
            {
                functions[name] = function;
            }
        }

        if (settings.Storage == StorageProvider.AzureStorage && settings.AzureStorage is { } azure)
        {
            var prefix = azure.NamePrefix;
            var storeQueues = Enumerable.Range(0, azure.PartitionCount).Select(i => $"{prefix}-control-{i:D2}").Append(prefix + "-workitems").ToList();
            var listened = functions.Values.Where(f => f.Trigger == FunctionTrigger.Queue).ToList();
            foreach (var queue in storeQueues.Where(q => listened.All(f => f.Queue != q)))
            {
                problems.Add($"No queue-triggered function listens on the doorbell queue '{queue}' (Journeys__Storage__AzureStorage__NamePrefix '{prefix}', PartitionCount {azure.PartitionCount}): " +
                    "a scaled-to-zero app would not wake for its work. Add a function folder like functions/control-00 whose queueName resolves to it (docs/azure-deployment.md).");
            }

            foreach (var function in listened.Where(f => !storeQueues.Contains(f.Queue!)))
            {
                problems.Add($"Function '{function.Name}' listens on queue '{function.Queue}', which is not a doorbell queue of the store ({string.Join(", ", storeQueues)}); check its queueName setting and Journeys__Storage__AzureStorage__NamePrefix.");
            }
        }

        return new FunctionAppLayout(root, functions);
    }

    private static FunctionDefinition? Read(string file, string name, IConfiguration configuration, List<string> problems)
    {
        JsonNode? document;
        try
        {
            document = JsonNode.Parse(File.ReadAllText(file));
        }
        catch (JsonException e)
        {
            problems.Add($"'{file}' is not valid JSON: {e.Message}");
            return null;
        }

        var trigger = (document?["bindings"] as JsonArray)?.OfType<JsonObject>()
            .FirstOrDefault(b => (b["type"] as JsonValue)?.TryGetValue<string>(out var type) == true && type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase));
        var type = (trigger?["type"] as JsonValue)?.GetValue<string>();
        var binding = (trigger?["name"] as JsonValue)?.TryGetValue<string>(out var b) == true ? b : null;
        switch (type?.ToLowerInvariant())
        {
            case "httptrigger":
                return new FunctionDefinition(name, FunctionTrigger.Http, null);
            case "queuetrigger" when binding == QueueBinding:
                var expression = (trigger!["queueName"] as JsonValue)?.TryGetValue<string>(out var q) == true ? q : null;
                var queue = Resolve(expression, configuration);
                if (queue is null)
                {
                    problems.Add($"Function '{name}' ({file}): its queueName '{expression}' does not resolve; set the app setting it names ({expression?.Trim('%')}).");
                    return null;
                }

                return new FunctionDefinition(name, FunctionTrigger.Queue, queue);
            case "timertrigger" when binding == TimerBinding:
                return new FunctionDefinition(name, FunctionTrigger.Timer, null);
            default:
                problems.Add($"Function '{name}' ({file}) has trigger '{type ?? "(none)"}' with binding '{binding ?? "(none)"}'; the handler serves HTTP triggers, " +
                    $"queue triggers with binding '{QueueBinding}' and timer triggers with binding '{TimerBinding}'.");
                return null;
        }
    }

    /// <summary>A binding expression: <c>%Setting%</c> is the app setting's value; anything else is literal.</summary>
    private static string? Resolve(string? expression, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            return null;
        }

        if (expression.Length > 2 && expression[0] == '%' && expression[^1] == '%')
        {
            var value = configuration[expression[1..^1]];
            return string.IsNullOrWhiteSpace(value) ? null : value;
        }

        return expression.Contains('%', StringComparison.Ordinal) ? null : expression;
    }
}
