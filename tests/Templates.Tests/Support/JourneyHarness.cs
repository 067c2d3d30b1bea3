using System.Text.Json;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Templates.Tests.Support;

/// <summary>
/// The interpreter on the runtime harness (in-memory stores, fake clock) with the real activities, the shipped e-mail
/// templates and the dev mailbox. <see cref="AdvanceAsync"/> moves the clock timer by timer, so every timer fires on time.
/// </summary>
public sealed class JourneyHarness : IAsyncDisposable
{
    public const string Dealer = "demo-dealer";

    private JourneyHarness(RuntimeHarness runtime, InMemoryJourneyDataStore data)
    {
        Runtime = runtime;
        Data = data;
    }

    public RuntimeHarness Runtime { get; }
    public InMemoryJourneyDataStore Data { get; }
    public DateTimeOffset Now => Runtime.Time.GetUtcNow();

    public static JourneyHarness Create(params JourneyTemplate[] templates) => Create(new BusinessHoursOptions(), templates);

    /// <summary>A harness whose business calendar uses <paramref name="hours"/> (quiet hours, holidays, per-dealer windows).</summary>
    public static JourneyHarness Create(BusinessHoursOptions hours, params JourneyTemplate[] templates) => CreateWith(hours, null, templates);

    /// <summary>A harness with services of the test's own (registered first, so they win over the defaults, e.g. a CRM pusher).</summary>
    public static JourneyHarness CreateWith(BusinessHoursOptions hours, Action<IServiceCollection>? services, params JourneyTemplate[] templates)
    {
        var catalog = new InMemoryTemplateCatalog();
        foreach (var template in templates)
        {
            catalog.Add(template.Version == 0 ? template with { Version = 1 } : template);
        }

        var data = new InMemoryJourneyDataStore();
        var runtime = new RuntimeHarness(
            new InMemoryJourneyStore(),
            b => b.AddJourneyTemplates(o =>
            {
                o.EmailTemplateFolder = Repo.EmailsFolder;
                o.BusinessHours = hours;
            }),
            s =>
            {
                services?.Invoke(s);
                s.AddSingleton<ITemplateCatalog>(catalog).AddSingleton<IJourneyDataStore>(data).AddSingleton<IEmailContentStore>(data);
            });
        return new JourneyHarness(runtime, data);
    }

    public static JourneyTemplate LoadShipped(string file) =>
        TemplateLoader.Load(Repo.Read(file)).Template! with { Version = 1 };

    public async Task<string> StartAsync(string templateId, bool consent = true, JsonObject? data = null, string? trigger = null, string? instanceId = null, bool publishMilestones = false, string? customerTimeZone = null)
    {
        var customer = new CustomerProfile
        {
            Id = "cust-1",
            DealerId = Dealer,
            Email = "anna@example.com",
            FirstName = "Anna",
            LastName = "de Vries",
            Consent = new ConsentSettings { Email = consent },
            TimeZone = customerTimeZone,
        };
        await Data.UpsertCustomerAsync(customer);
        var input = new JourneyInput
        {
            TemplateId = templateId,
            TemplateVersion = 1,
            DealerId = Dealer,
            CustomerId = customer.Id,
            JourneyKey = "deal-1",
            Customer = JsonSerializer.SerializeToNode(customer, JsonData.Options)!.AsObject(),
            Data = data ?? new JsonObject { ["model"] = "Hybrid X" },
            Trigger = trigger is null ? null : new JsonObject { ["name"] = trigger, ["eventId"] = "evt-0" },
            PublishMilestones = publishMilestones,
        };
        var id = await Runtime.Client.StartAsync(JourneyNames.Orchestration, input, new StartOptions { InstanceId = instanceId });
        await Runtime.RunUntilIdleAsync();
        return id;
    }

    /// <summary>
    /// Raises an event as the host does, its id in the payload (<paramref name="eventId"/>, or a new one). The id is not given
    /// to the store's de-duplication, so raising the same id again delivers it again, as an at-least-once engine may.
    /// </summary>
    public async Task RaiseAsync(string instanceId, string name, JsonObject? data = null, string? eventId = null)
    {
        await Runtime.Client.RaiseEventAsync(instanceId, name, new JourneyEventPayload { EventId = eventId ?? Guid.NewGuid().ToString("N"), Data = data ?? [] });
        await Runtime.RunUntilIdleAsync();
    }

    /// <summary>Moves the clock by <paramref name="by"/>, stopping at every timer due on the way so it fires at its time.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        var target = Now + by;
        while (true)
        {
            var next = await Runtime.Store.GetNextWakeUpAsync(Now);
            if (next is null || next > target)
            {
                break;
            }

            if (next > Now)
            {
                Runtime.Time.SetUtcNow(next.Value);
            }

            await Runtime.RunUntilIdleAsync();
        }

        Runtime.Time.SetUtcNow(target);
        await Runtime.RunUntilIdleAsync();
    }

    public IReadOnlyList<string> Emails() => [.. Data.Mail.Select(m => m.EmailTemplate)];

    public IReadOnlyList<string> TaskTypes() => [.. Data.Tasks.Select(t => t.Type)];

    public async Task<InstanceRecord> InstanceAsync(string id) => await Runtime.StatusAsync(id);

    public async Task<JourneyStatus> StatusAsync(string id) =>
        JsonData.Deserialize<JourneyStatus>((await Runtime.StatusAsync(id)).CustomStatus)!;

    public async Task<JourneyResult?> ResultAsync(string id) =>
        JsonData.Deserialize<JourneyResult>((await Runtime.StatusAsync(id)).Output);

    public ValueTask DisposeAsync() => Runtime.DisposeAsync();
}
