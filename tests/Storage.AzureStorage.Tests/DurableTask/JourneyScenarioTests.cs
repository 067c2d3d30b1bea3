using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.DependencyInjection;
using JourneyOrchestrator.Storage.AzureStorage.DurableTask;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.DurableTask;

/// <summary>
/// The journey program (the interpreter and its activities, the shipped new-car-purchase template) on the cluster engine:
/// DTFx over DurableTask.AzureStorage on Azurite. Only event-driven paths: the template's timers are days long and DTFx
/// runs on real time (the embedded engine's scenario tests cover the timers with the fake clock).
/// </summary>
[Collection(AzuriteCollection.Name)]
public sealed class JourneyScenarioTests
{
    private const string Dealer = "demo-dealer";
    private const string TemplateId = "new-car-purchase";

    private readonly AzuriteFixture _azurite;
    private readonly InMemoryJourneyDataStore _data = new();
    private readonly InMemoryTemplateCatalog _catalog = new();
    private readonly CountingEmailSender _sender;
    private readonly RecordingMilestonePublisher _milestones = new();

    public JourneyScenarioTests(AzuriteFixture azurite)
    {
        _azurite = azurite;
        _sender = new CountingEmailSender(new DevMailboxEmailSender(_data, TimeProvider.System));
    }

    private static JourneyTemplate Shipped() => TemplateLoader.Load(Repo.Read("new-car-purchase.yaml")).Template! with { Version = 1 };

    private async Task<DtfxHarness> StartAsync(params JourneyTemplate[] templates)
    {
        foreach (var template in templates.Length == 0 ? [Shipped()] : templates)
        {
            _catalog.Add(template);
        }

        return await DtfxHarness.StartWithAsync(_azurite, (services, options) =>
        {
            services.AddSingleton<ITemplateCatalog>(_catalog).AddSingleton<IJourneyDataStore>(_data).AddSingleton<IEmailSender>(_sender)
                .AddSingleton<IMilestonePublisher>(_milestones);
            services.AddJourneyOrchestrator()
                .AddJourneyTemplates(o => o.EmailTemplateFolder = Repo.EmailsFolder)
                .AddOrchestrator<SendTwiceOrchestrator>(SendTwiceOrchestrator.Name)
                .UseDurableTaskAzureStorage(options);
        });
    }

    /// <summary>Starts a journey as the host does: with its entry event (and its id) in the input.</summary>
    private async Task<string> StartJourneyAsync(DtfxHarness engine, int version = 1, bool publishMilestones = false)
    {
        var customer = new CustomerProfile
        {
            Id = "cust-1",
            DealerId = Dealer,
            Email = "anna@example.com",
            FirstName = "Anna",
            LastName = "de Vries",
            Consent = new ConsentSettings { Email = true },
        };
        await _data.UpsertCustomerAsync(customer);
        return await engine.Client.ScheduleNewOrchestrationInstanceAsync(JourneyNames.Orchestration, new JourneyInput
        {
            TemplateId = TemplateId,
            TemplateVersion = version,
            DealerId = Dealer,
            CustomerId = customer.Id,
            JourneyKey = "deal-" + Guid.NewGuid().ToString("N")[..6],
            Customer = JsonSerializer.SerializeToNode(customer, JsonData.Options)!.AsObject(),
            Data = new JsonObject { ["model"] = "Hybrid X" },
            Trigger = new JsonObject { ["name"] = "brochure.downloaded", ["eventId"] = "evt-0" },
            PublishMilestones = publishMilestones,
        });
    }

    private static Task RaiseAsync(DtfxHarness engine, string id, string name, string eventId, JsonObject? data = null) =>
        engine.Client.RaiseEventAsync(id, name, new JourneyEventPayload { EventId = eventId, Data = data ?? [] });

    private static Task<OrchestrationMetadata> AtStepAsync(DtfxHarness engine, string id, string step) =>
        engine.UntilAsync(id, m => m.ReadCustomStatusAs<JourneyStatus>() is { WaitingFor.Count: > 0 } s && s.CurrentStep == step, "waiting at " + step);

    private List<string> Emails(string journeyId) => [.. _data.Mail.Where(m => m.JourneyId == journeyId).OrderBy(m => m.SentAt).Select(m => m.EmailTemplate)];

    [Fact]
    public async Task Events_raised_before_the_wait_are_kept()
    {
        await using var engine = await StartAsync();
        _sender.Hold(); // the first e-mail's delivery waits: the journey has not reached its first wait yet
        var id = await StartJourneyAsync(engine);
        await _sender.HeldAsync();
        await RaiseAsync(engine, id, "quote.sent", "evt-q1", new JsonObject { ["quoteNumber"] = "Q-1001" });
        _sender.Release();

        await AtStepAsync(engine, id, "wait-quote-answer");
        Assert.Equal(["brochure-follow-up", "quote-follow-up"], Emails(id));
        Assert.Contains("Q-1001", _data.Mail.Single(m => m.EmailTemplate == "quote-follow-up").Body, StringComparison.Ordinal);
        Assert.Equal(["call-quote-reaction"], _data.Tasks.Select(t => t.Type));
    }

    [Fact]
    public async Task Milestones_are_published_beside_the_journey_while_it_waits_and_before_it_ends()
    {
        await using var engine = await StartAsync();
        var id = await StartJourneyAsync(engine, publishMilestones: true);
        await AtStepAsync(engine, id, "wait-booking-before-invite");
        await RaiseAsync(engine, id, "customer.unsubscribed", "evt-u1"); // an exit event: the journey ends

        var done = await engine.CompletionAsync(id);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, done.RuntimeStatus);
        var kinds = _milestones.Published.Where(m => m.JourneyId == id).Select(m => m.Kind).ToList();
        Assert.Contains(MilestoneKinds.EmailSent, kinds);
        Assert.Contains(MilestoneKinds.PhaseChanged, kinds);
        Assert.Equal(MilestoneKinds.JourneyExited, Assert.Single(kinds, k => k is MilestoneKinds.JourneyExited or MilestoneKinds.JourneyCompleted));
        Assert.Equal(kinds.Count, _milestones.Published.Where(m => m.JourneyId == id).Select(m => m.MilestoneId).Distinct().Count());
    }

    [Fact]
    public async Task A_repeated_event_id_changes_nothing()
    {
        await using var engine = await StartAsync();
        var id = await StartJourneyAsync(engine);
        await AtStepAsync(engine, id, "wait-booking-before-invite");

        // At least once: the same quote.sent twice. The repeat waits in the buffer and meets the next quote.sent wait.
        await RaiseAsync(engine, id, "quote.sent", "evt-q1", new JsonObject { ["quoteNumber"] = "Q-1" });
        await RaiseAsync(engine, id, "quote.sent", "evt-q1", new JsonObject { ["quoteNumber"] = "Q-1" });
        await AtStepAsync(engine, id, "wait-quote-answer");
        await RaiseAsync(engine, id, "quote.rejected", "evt-r1");
        await AtStepAsync(engine, id, "wait-revised-quote");
        await RaiseAsync(engine, id, "quote.rejected", "evt-r1"); // not waited for here: buffered, harmless

        // A fresh quote.sent behind the repeat: only it moves the journey on (a repeat taken as new would send first).
        await RaiseAsync(engine, id, "quote.sent", "evt-q2", new JsonObject { ["quoteNumber"] = "Q-2" });
        await AtStepAsync(engine, id, "wait-quote-answer");
        Assert.Equal(["brochure-follow-up", "quote-follow-up", "quote-follow-up"], Emails(id));
        var quotes = _data.Mail.Where(m => m.JourneyId == id && m.EmailTemplate == "quote-follow-up").OrderBy(m => m.SentAt).ToList();
        Assert.Contains("Q-1", quotes[0].Body, StringComparison.Ordinal);
        Assert.Contains("Q-2", quotes[1].Body, StringComparison.Ordinal); // a repeat taken as new would have sent Q-1 again
        Assert.Equal(["call-quote-reaction", "prepare-sharper-offer", "call-quote-reaction"], _data.Tasks.OrderBy(t => t.CreatedAt).Select(t => t.Type));
        Assert.All(_sender.Calls.Values, calls => Assert.Equal(1, calls));
    }

    [Fact]
    public async Task An_email_activity_run_again_after_a_crash_or_a_redelivery_never_sends_twice()
    {
        await using var engine = await StartAsync();
        // A crash between the provider's acceptance and the activity's completion: the sender delivers, then the run dies.
        _sender.CrashAfterDelivering("crash-key");
        var crashed = await engine.Client.ScheduleNewOrchestrationInstanceAsync(SendTwiceOrchestrator.Name, Request("crash-key"));
        // A plain redelivery: the same activity input runs twice (DTFx delivers at least once).
        var redelivered = await engine.Client.ScheduleNewOrchestrationInstanceAsync(SendTwiceOrchestrator.Name, Request("twice-key"));

        var afterCrash = (await engine.CompletionAsync(crashed)).ReadOutputAs<string[]>()!;
        var twice = (await engine.CompletionAsync(redelivered)).ReadOutputAs<string[]>()!;
        Assert.Equal(["crashed", EmailStatuses.Unknown], afterCrash); // the re-run finds the claim pending: not resent
        Assert.Equal([EmailStatuses.Sent, EmailStatuses.Sent], twice);
        Assert.Equal(1, _sender.Calls["crash-key"]);
        Assert.Equal(1, _sender.Calls["twice-key"]);
    }

    [Fact]
    public async Task Versioned_templates_stay_pinned_per_journey()
    {
        var v1 = Shipped();
        var yaml = Repo.Read("new-car-purchase.yaml");
        Assert.Single(yaml.Split("email: quote-follow-up").Skip(1));
        var v2 = TemplateLoader.Load(yaml.Replace("email: quote-follow-up", "email: testdrive-invitation", StringComparison.Ordinal)).Template! with { Version = 2 };
        await using var engine = await StartAsync(v1, v2);

        var old = await StartJourneyAsync(engine, version: 1);
        var current = await StartJourneyAsync(engine, version: 2);
        await AtStepAsync(engine, old, "wait-booking-before-invite");
        await AtStepAsync(engine, current, "wait-booking-before-invite");
        await RaiseAsync(engine, old, "quote.sent", "evt-q1");
        await RaiseAsync(engine, current, "quote.sent", "evt-q1");

        var oldStatus = (await AtStepAsync(engine, old, "wait-quote-answer")).ReadCustomStatusAs<JourneyStatus>()!;
        var currentStatus = (await AtStepAsync(engine, current, "wait-quote-answer")).ReadCustomStatusAs<JourneyStatus>()!;
        Assert.Equal((1, 2), (oldStatus.TemplateVersion, currentStatus.TemplateVersion));
        Assert.Equal(["brochure-follow-up", "quote-follow-up"], Emails(old));
        Assert.Equal(["brochure-follow-up", "testdrive-invitation"], Emails(current));
    }

    private static SendEmailRequest Request(string key) => new()
    {
        JourneyId = "journey-" + key,
        DealerId = Dealer,
        CustomerId = "cust-1",
        TemplateId = TemplateId,
        TemplateVersion = 1,
        StepId = "brochure-follow-up",
        Email = "brochure-follow-up",
        Category = "transactional",
        Model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = "Anna", ["email"] = "anna@example.com" }, ["data"] = new JsonObject { ["model"] = "Hybrid X" } },
        Cause = new TouchpointCause("event"),
        DeliveryKey = key,
    };
}

/// <summary>Runs the send-e-mail activity twice with the same input, as an engine does after a crash or a redelivery.</summary>
internal sealed class SendTwiceOrchestrator : TaskOrchestrator<SendEmailRequest, string[]>
{
    public const string Name = "test.send-twice";

    public override async Task<string[]> RunAsync(TaskOrchestrationContext context, SendEmailRequest input)
    {
        var results = new List<string>();
        for (var run = 0; run < 2; run++)
        {
            try
            {
                results.Add((await context.CallActivityAsync<SendEmailResult>(JourneyNames.SendEmailActivity, input)).Status);
            }
            catch (TaskFailedException)
            {
                results.Add("crashed");
            }
        }

        return [.. results];
    }
}

/// <summary>
/// The dev mailbox sender, counting deliveries per idempotency key (the in-memory mailbox itself is idempotent on ids, so
/// it would hide a second delivery). It can hold deliveries until released, and crash after delivering for a key.
/// </summary>
public sealed class CountingEmailSender(IEmailSender inner) : IEmailSender
{
    private readonly ConcurrentDictionary<string, bool> _crashAfter = new();
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _gate;

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate?.TrySetResult();

    /// <summary>Waits (bounded) until a delivery is held.</summary>
    public Task HeldAsync() => _held.Task.WaitAsync(DtfxHarness.Patience);

    public void CrashAfterDelivering(string key) => _crashAfter[key] = true;

    public async Task SendAsync(OutgoingEmail email, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        if (_gate is { } gate)
        {
            _held.TrySetResult();
            await gate.Task.WaitAsync(DtfxHarness.Patience, cancellationToken);
        }

        Calls.AddOrUpdate(email.IdempotencyKey, 1, (_, n) => n + 1);
        await inner.SendAsync(email, cancellationToken);
        if (_crashAfter.TryRemove(email.IdempotencyKey, out _))
        {
            throw new InvalidOperationException("The worker died after the provider accepted the message.");
        }
    }
}
