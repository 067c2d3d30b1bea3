using System.CommandLine;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using JourneyOrchestrator.Templates.Simulation;
using Spectre.Console;

namespace JourneyOrchestrator.Cli.Commands;

/// <summary><c>publish</c>, <c>raise</c>, <c>inspect</c> against a running host; <c>replay</c> a real journey's events into a draft.</summary>
internal static class RemoteCommands
{
    private static readonly string[] DetailFields = ["id", "status", "templateId", "templateVersion", "dealerId", "customerId", "phase", "nextTimerDue", "iteration", "lastError", "failure"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Publish(CliContext cli)
    {
        var file = new Argument<FileInfo>("file") { Description = "The template file; validated here first, then published as a new version (PUT /api/templates/{id})." };
        var command = new Command("publish", "Validate a template and publish it to the host as its next version.") { file };
        HostConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => Guarded(cli, async () =>
        {
            var path = parse.GetValue(file)!.FullName;
            var template = ScenarioFiles.LoadTemplate(path);
            if (!template.IsValid)
            {
                return Output.Errors(cli, path, template.Errors);
            }

            var host = HostConnection.From(parse, cli);
            using var request = new HttpRequestMessage(HttpMethod.Put, $"api/templates/{Uri.EscapeDataString(template.Template!.Id)}")
            {
                Content = new StringContent(await File.ReadAllTextAsync(path, cancellationToken), Encoding.UTF8, ScenarioFiles.ContentTypeOf(path)),
            };
            var answer = await host.SendAsync(request, cancellationToken);
            cli.Console.MarkupLineInterpolated($"[green]published[/] {template.Template.Id} version {answer?["version"]?.ToString() ?? "?"}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Raise(CliContext cli)
    {
        var customer = new Argument<string>("customerId") { Description = "The dealer's customer id." };
        var name = new Argument<string>("event") { Description = "The event's name, e.g. testdrive.booked." };
        var dealer = new Option<string>("--dealer") { Description = "The dealer id (the key must be that dealer's, or an admin's).", Required = true };
        var eventId = new Option<string?>("--event-id") { Description = "The event's id (a retry with the same id changes nothing); default: a new one." };
        var data = new Option<string?>("--data") { Description = "The event's data as a JSON object, e.g. '{\"testDriveAt\":\"2027-03-05T10:00:00Z\"}'." };
        var key = new Option<string?>("--journey-key") { Description = "Only the customer's journeys with this key (a deal)." };
        var command = new Command("raise", "Raise a customer event (POST /api/customers/{id}/events): it goes to the customer's journeys and starts those it enters.") { customer, name, dealer, eventId, data, key };
        HostConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => Guarded(cli, async () =>
        {
            JsonNode? payload = null;
            if (parse.GetValue(data) is { } text)
            {
                try
                {
                    payload = JsonNode.Parse(text) as JsonObject ?? throw new CliUsageException("--data must be a JSON object.");
                }
                catch (JsonException e)
                {
                    throw new CliUsageException($"--data is not JSON: {e.Message}");
                }
            }

            var host = HostConnection.From(parse, cli);
            var body = new JsonObject
            {
                ["name"] = parse.GetValue(name),
                ["dealerId"] = parse.GetValue(dealer),
                ["eventId"] = parse.GetValue(eventId),
                ["journeyKey"] = parse.GetValue(key),
                ["data"] = payload,
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, $"api/customers/{Uri.EscapeDataString(parse.GetValue(customer)!)}/events") { Content = JsonContent.Create(body) };
            var answer = await host.SendAsync(request, cancellationToken);
            Output.Raw(cli, answer?.ToJsonString(Indented) ?? "");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Inspect(CliContext cli)
    {
        var id = new Argument<string>("journeyId") { Description = "The journey's id." };
        var history = new Option<bool>("--history") { Description = "Include the current execution's history (what replay reads)." };
        var json = LocalCommands.JsonOption();
        var command = new Command("inspect", "Show a journey: status, phase, current step, what it waits for, its touchpoints (GET /api/journeys/{id}).") { id, history, json };
        HostConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => Guarded(cli, async () =>
        {
            var host = HostConnection.From(parse, cli);
            var detail = await ReadJourneyAsync(host, parse.GetValue(id)!, parse.GetValue(history), cancellationToken);
            if (parse.GetValue(json))
            {
                Output.Raw(cli, detail.ToJsonString(Indented));
                return ExitCodes.Ok;
            }

            var grid = new Grid().AddColumn().AddColumn();
            foreach (var field in DetailFields)
            {
                if (detail[field] is { } value)
                {
                    grid.AddRow(field, Markup.Escape(value.ToString()));
                }
            }

            grid.AddRow("currentSteps", Markup.Escape(string.Join(", ", (detail["currentSteps"] as JsonArray ?? []).Select(s => s?.ToString()))));
            grid.AddRow("waitingFor", Markup.Escape(string.Join(", ", (detail["waitingFor"] as JsonArray ?? []).Select(s => s?.ToString()))));
            grid.AddRow("goalsReached", Markup.Escape(string.Join(", ", (detail["goalsReached"] as JsonArray ?? []).Select(s => s?.ToString()))));
            cli.Console.Write(grid);
            var table = new Table().Border(TableBorder.Simple).AddColumns("at", "step", "touchpoint", "status", "because");
            foreach (var t in (detail["touchpoints"] as JsonArray ?? []).OfType<JsonObject>())
            {
                var cause = t["cause"] as JsonObject;
                table.AddRow(
                    Markup.Escape(t["occurredAt"]?.ToString() ?? ""), Markup.Escape(t["stepId"]?.ToString() ?? ""),
                    Markup.Escape($"{t["channel"]} {t["name"]}"), Markup.Escape(t["status"]?.ToString() ?? ""),
                    Markup.Escape($"{cause?["kind"]} {cause?["name"]} {cause?["eventId"]}".Trim()));
            }

            cli.Console.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Replay(CliContext cli)
    {
        var template = new Argument<FileInfo>("template") { Description = "The draft template file to replay the events into." };
        var journey = new Option<string?>("--journey") { Description = "A journey on the host: its recorded events are read with GET /api/journeys/{id}?history=true." };
        var from = new Option<FileInfo?>("--from") { Description = "A saved journey detail with history (journey inspect <id> --history --json > file)." };
        var after = new Option<string>("--after") { Description = "How long to simulate past the last recorded event (ISO 8601 duration).", DefaultValueFactory = _ => "P1Y" };
        var json = LocalCommands.JsonOption();
        var command = new Command("replay", "Feed a real journey's recorded events into a draft template and print how it would have behaved, beside what the journey did.") { template, journey, from, after, json };
        HostConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => Guarded(cli, async () =>
        {
            var path = parse.GetValue(template)!.FullName;
            var draft = ScenarioFiles.LoadTemplate(path);
            if (!draft.IsValid)
            {
                return Output.Errors(cli, path, draft.Errors);
            }

            if (!IsoDuration.TryParse(parse.GetValue(after), allowNegative: false, out var span))
            {
                throw new CliUsageException($"--after '{parse.GetValue(after)}' is not a duration such as P1Y.");
            }

            JsonNode detail;
            if (parse.GetValue(from) is { } file)
            {
                if (!file.Exists || file.Length > ScenarioFiles.MaxFileBytes)
                {
                    throw new CliUsageException(file.Exists ? $"'{file.FullName}' is larger than {ScenarioFiles.MaxFileBytes:N0} bytes." : $"No file '{file.FullName}'.");
                }

                try
                {
                    detail = JsonNode.Parse(await File.ReadAllTextAsync(file.FullName, cancellationToken)) ?? throw new CliUsageException($"'{file.FullName}' is empty.");
                }
                catch (JsonException e)
                {
                    throw new CliUsageException($"'{file.FullName}' is not JSON: {e.Message}");
                }
            }
            else if (parse.GetValue(journey) is { } id)
            {
                detail = await ReadJourneyAsync(HostConnection.From(parse, cli), id, history: true, cancellationToken);
            }
            else
            {
                throw new CliUsageException("Give --journey <id> (read from the host) or --from <file>.");
            }

            Scenario scenario;
            try
            {
                scenario = RecordedJourney.ToScenario(detail, draft.Template!, span);
            }
            catch (FormatException e)
            {
                throw new CliUsageException(e.Message);
            }

            var result = await new JourneySimulator(draft.Emails).RunAsync(draft.Template!, scenario, cancellationToken: cancellationToken);
            if (parse.GetValue(json))
            {
                Output.Raw(cli, result.ToJson());
                return ExitCodes.Ok;
            }

            Output.Timeline(cli, result);
            var recorded = (detail["touchpoints"] as JsonArray ?? []).OfType<JsonObject>().Select(t => $"{t["channel"]} {t["name"]} ({t["status"]})").ToList();
            var simulated = result.Timeline.Where(e => e.Kind is TimelineKinds.Email or TimelineKinds.Task).Select(e => $"{e.Kind} {e.Name} ({e.Status})").ToList();
            cli.Console.MarkupLineInterpolated($"the journey did:  {string.Join(", ", recorded)}");
            cli.Console.MarkupLineInterpolated($"the draft would:  {string.Join(", ", simulated)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<JsonNode> ReadJourneyAsync(HostConnection host, string id, bool history, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/journeys/{Uri.EscapeDataString(id)}{(history ? "?history=true" : "")}");
        return await host.SendAsync(request, cancellationToken) ?? throw new CliRemoteException("The host answered with no journey.");
    }

    private static async Task<int> Guarded(CliContext cli, Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (CliUsageException e)
        {
            return Output.Usage(cli, e.Message);
        }
        catch (CliRemoteException e)
        {
            cli.Console.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
            return ExitCodes.Remote;
        }
    }
}
