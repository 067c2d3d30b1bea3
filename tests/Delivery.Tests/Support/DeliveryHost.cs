using System.Net;
using System.Text.Json;
using JourneyOrchestrator.Core.Authoring;
using Microsoft.DurableTask;
using JourneyOrchestrator.Core.Client;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Delivery.Consent;
using JourneyOrchestrator.Delivery.Webhooks;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JourneyOrchestrator.Delivery.Tests.Support;

/// <summary>Waits for the first delivery event and finishes with its name and payload.</summary>
public sealed class ListenerJourney : TaskOrchestrator<string?, string>
{
    public static readonly string[] Events =
        ["email.delivered", "email.opened", "email.clicked", "email.bounced", "email.dropped", "email.spamreported", "customer.unsubscribed"];

    public override async Task<string> RunAsync(TaskOrchestrationContext context, string? input)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var cancel = new CancellationTokenSource();
        var waits = new List<Task<JsonElement?>>();
        foreach (var name in Events)
        {
            waits.Add(context.WaitForExternalEvent<JsonElement?>(name, cancel.Token));
            if (waits[^1].IsCompleted)
            {
                break; // buffered: no later wait may take (and lose) another event
            }
        }

        var winner = await Task.WhenAny(waits);
#pragma warning disable CA1849 // Synchronous cancel is the rule in orchestration code.
        cancel.Cancel();
#pragma warning restore CA1849
        var payload = await winner;
        return Events[waits.IndexOf(winner)] + " " + (payload is { ValueKind: not JsonValueKind.Null } json ? json.GetRawText() : null);
    }
}

/// <summary>
/// The delivery endpoints (<see cref="DeliveryEndpoints.MapDeliveryEndpoints"/>) in a Kestrel app on 127.0.0.1 (a free port),
/// over the runtime harness (in-memory store, fake clock) with <see cref="ListenerJourney"/> as the journeys.
/// </summary>
public sealed class DeliveryHost : IAsyncDisposable
{
    public const string Dealer = "d1";

    private readonly WebApplication _app;

    private DeliveryHost(WebApplication app, RuntimeHarness runtime, JourneyEmailOptions options, InMemoryDeliveryStore delivery, InMemoryJourneyDataStore data, InMemoryJourneyIndex index)
    {
        Index = index;
        _app = app;
        Delivery = delivery;
        Data = data;
        Runtime = runtime;
        Options = options;
        Http = new HttpClient { BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
    }

    public RuntimeHarness Runtime { get; }
    public JourneyEmailOptions Options { get; }
    public HttpClient Http { get; }
    public InMemoryDeliveryStore Delivery { get; }
    public InMemoryJourneyDataStore Data { get; }
    public InMemoryJourneyIndex Index { get; }
    public UnsubscribeTokens Tokens => _app.Services.GetRequiredService<UnsubscribeTokens>();

    public static async Task<DeliveryHost> StartAsync(string? webhookPublicKey = null)
    {
        var runtime = new RuntimeHarness(new InMemoryJourneyStore(), b => b.AddOrchestrator<ListenerJourney>("listener"));
        var options = new JourneyEmailOptions
        {
            SendGrid = new SendGridOptions { WebhookPublicKey = webhookPublicKey },
            Unsubscribe = new UnsubscribeOptions { BaseUrl = new Uri("https://journeys.example.com/"), SigningKey = Convert.ToBase64String(new byte[32]) },
        };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var delivery = new InMemoryDeliveryStore();
        var data = new InMemoryJourneyDataStore();
        var index = new InMemoryJourneyIndex();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<TimeProvider>(runtime.Time);
        builder.Services.AddSingleton(runtime.Client);
        builder.Services.AddSingleton<Microsoft.DurableTask.Client.DurableTaskClient>(runtime.Services.GetRequiredService<Microsoft.DurableTask.Client.DurableTaskClient>());
        builder.Services.AddSingleton<IJourneyIndex>(index);
        builder.Services.AddSingleton<IDeliveryStore>(delivery);
        builder.Services.AddSingleton<IJourneyDataStore>(data);
        builder.Services.AddSingleton<IOptionsMonitor<JourneyEmailOptions>>(new TestOptionsMonitor<JourneyEmailOptions>(options));
        builder.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        builder.Services.AddSingleton<UnsubscribeTokens>();
        builder.Services.AddSingleton<ConsentService>();
        builder.Services.AddSingleton<SendGridEventProcessor>();
        var app = builder.Build();
        app.MapDeliveryEndpoints();
        await app.StartAsync();
        return new DeliveryHost(app, runtime, options, delivery, data, index);
    }

    public async Task<string> StartJourneyAsync(string id, string customer)
    {
        await Index.AddOrGetAsync(new JourneyIndexEntry
        {
            JourneyId = id, DealerId = Dealer, CustomerId = customer, TemplateId = "listener", TemplateVersion = 1, CreatedAt = Runtime.Time.GetUtcNow(),
        });
        await Runtime.Client.StartAsync("listener", null, new StartOptions { InstanceId = id });
        await Runtime.RunUntilIdleAsync();
        return id;
    }

    public async Task<string?> OutputAsync(string id)
    {
        await Runtime.RunUntilIdleAsync();
        return JsonData.Deserialize<string>((await Runtime.StatusAsync(id)).Output);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Runtime.DisposeAsync();
    }
}
