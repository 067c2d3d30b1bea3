using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Simulation;
using Microsoft.AspNetCore.Mvc;

namespace JourneyOrchestrator.Api.Endpoints;

/// <summary>
/// <c>POST /api/simulations</c>: a template (a draft document, or a published version) and a scenario document (YAML or JSON,
/// the format of the CLI's scenario files).
/// </summary>
public sealed record SimulationRequest
{
    /// <summary>A draft template document (YAML or JSON); or give <see cref="TemplateId"/>.</summary>
    public string? Template { get; init; }
    public string? TemplateId { get; init; }
    /// <summary>With <see cref="TemplateId"/>: the version (the latest when left out).</summary>
    public int? TemplateVersion { get; init; }
    /// <summary>The scenario document (YAML or JSON).</summary>
    public string? Scenario { get; init; }
}

/// <summary>
/// The simulation of the CLI (<c>journey simulate</c>) behind the API, for the console and other tools: the same engine, the same
/// timeline, the same bytes. Nothing is stored or sent. Bounded by the document limits, the scenario's limits (events,
/// expectations, a horizon of at most 30 years), the simulator's (episodes, timeline entries), <see cref="Timeout"/> and
/// <see cref="MaxConcurrent"/> simulations at once.
/// </summary>
public static class SimulationEndpoints
{
    /// <summary>Longest run of one simulation before it is stopped (422, limit <c>SimulationTimeout</c>).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Simulations that run at once; another waits for a slot within <see cref="Timeout"/>, else 429.</summary>
    public const int MaxConcurrent = 2;

    private static readonly SemaphoreSlim Slots = new(MaxConcurrent, MaxConcurrent);

    public static IEndpointRouteBuilder MapSimulationEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/simulations", SimulateAsync)
            .RequireAuthorization(Roles.TemplateWritePolicy)
            .WithTags("Templates")
            .WithName("Simulate")
            .WithSummary("Simulate a template against a scenario in virtual time")
            .WithDescription("Runs a draft template (template) or a published version (templateId, templateVersion) against a scenario document " +
                "(customer, dealer calendar, events at times, expectations) on the embedded engine in virtual time, in memory: nothing is stored " +
                "or sent. Answers the timeline (every touchpoint with its cause, wait, decision with its inputs, phase, goal, end; times in UTC, " +
                "after the start and in the dealer's and customer's zones) and each expectation's verdict. The same request gives the same bytes. " +
                "Errors carry paths prefixed template. or scenario. with their lines.")
            .Accepts<SimulationRequest>("application/json")
            .Produces<SimulationResult>(StatusCodes.Status200OK, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return routes;
    }

    private static async Task<IResult> SimulateAsync(
        HttpRequest request, TemplatePublisher publisher, IJourneyDataStore data, IEmailTemplateSource emails, JourneyBudget budget,
        [FromServices] LiquidRenderer renderer, CancellationToken cancellationToken, IEmailContentStore? authored = null)
    {
        var body = await RequestBody.ReadJsonAsync<SimulationRequest>(request, cancellationToken, limit: 2 * publisher.Limits.MaxDocumentBytes + 4096);
        var errors = new FieldErrors();
        if ((body.Template is null) == (body.TemplateId is null))
        {
            errors.Add("$.template", "Give either template (a draft document) or templateId (a published template).");
        }

        if (string.IsNullOrWhiteSpace(body.Scenario))
        {
            errors.Add("$.scenario", "Required: the scenario document (YAML or JSON).");
        }

        if (body.TemplateVersion is < 1)
        {
            errors.Add("$.templateVersion", "Must be 1 or more.");
        }

        errors.ThrowIfAny();
        var (template, pinned) = await TemplateOfAsync(body, publisher, data, cancellationToken);
        var loaded = ScenarioLoader.Load(body.Scenario!, template, "scenario", TemplateLoader.IsJson(body.Scenario!, null) ? "application/json" : "application/yaml");
        if (!loaded.Succeeded)
        {
            throw ApiProblemException.Unprocessable("The scenario is not valid",
                $"The scenario has {loaded.Errors.Count} error(s). See errors: each has the path (and line, column) in the scenario document.",
                [.. loaded.Errors.Select(e => new FieldError("scenario." + e.Path, e.Message, e.Line, e.Column))]);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        if (!await Slots.WaitAsync(Timeout, cancellationToken))
        {
            throw new ApiProblemException(StatusCodes.Status429TooManyRequests, "Too many simulations", $"{MaxConcurrent} simulations are running; try again in a moment.");
        }

        try
        {
            var simulator = new JourneySimulator(emails, authored, renderer.Limits, budget);
            var result = await simulator.RunAsync(template, loaded.Scenario!, pinned, timeout.Token);
            return Results.Text(result.ToJson(), "application/json");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Limit("SimulationTimeout", $"The simulation ran longer than {Timeout.TotalSeconds:F0} s; shorten the horizon.");
        }
        catch (SimulationLimitException e)
        {
            throw Limit(nameof(JourneySimulator.MaxTimelineEntries), e.Message);
        }
        finally
        {
            Slots.Release();
        }
    }

    private static async Task<(JourneyTemplate Template, IReadOnlyDictionary<string, int>? Pinned)> TemplateOfAsync(
        SimulationRequest body, TemplatePublisher publisher, IJourneyDataStore data, CancellationToken cancellationToken)
    {
        if (body.Template is { } text)
        {
            var result = await publisher.ValidateUploadAsync(text, TemplateLoader.IsJson(text, null) ? "application/json" : "application/yaml", cancellationToken);
            var problems = TemplatePublisher.Errors(result, expectedId: null);
            if (result.Template is null || problems.Count > 0)
            {
                throw ApiProblemException.Unprocessable("The template is not valid",
                    $"The template has {problems.Count} error(s); nothing was simulated.", [.. problems.Select(e => e with { Path = "template." + e.Path })]);
            }

            return (result.Template, null);
        }

        if (!InputRules.IsTemplateId(body.TemplateId))
        {
            throw ApiProblemException.Invalid("$.templateId", "A template id is 1-100 lowercase letters, digits and '-', starting and ending with a letter or digit.");
        }

        var published = await data.GetTemplateAsync(body.TemplateId!, body.TemplateVersion, cancellationToken)
            ?? throw ApiProblemException.NotFound(body.TemplateVersion is null ? $"No template '{body.TemplateId}' is published." : $"Template '{body.TemplateId}' has no version {body.TemplateVersion}.");
        return (published.Template, published.EmailVersions);
    }

    private static ApiProblemException Limit(string limit, string message) =>
        new(StatusCodes.Status422UnprocessableEntity, "Simulation limit", message, [new FieldError("scenario", message)])
        {
            Extensions = new Dictionary<string, object?> { ["limit"] = limit },
        };
}
