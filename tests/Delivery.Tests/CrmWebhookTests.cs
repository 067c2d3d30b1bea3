using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Delivery.Crm;
using JourneyOrchestrator.Delivery.Scheduling;
using JourneyOrchestrator.Storage.Sqlite.Delivery;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using JourneyOrchestrator.Templates.DependencyInjection;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Delivery.Tests;

/// <summary>
/// Sales tasks pushed to a local CRM receiver (Kestrel on 127.0.0.1, a free port) that verifies the signature: retried with
/// back-off on durable timers, dead-lettered in SQLite when retries run out, listed and replayed over the API.
/// </summary>
public sealed class CrmWebhookTests : IAsyncLifetime
{
    private const string Dealer = "d1";
    private const string Secret = "crm-shared-secret";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "crm-tests-" + Guid.NewGuid().ToString("N"));
    private CrmReceiver _crm = null!;

    public async Task InitializeAsync() => _crm = await CrmReceiver.StartAsync(Secret);

    public async Task DisposeAsync()
    {
        await _crm.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // the SQLite file may still be closing; the temp folder is cleaned by the OS
        }
    }

    private static JourneyTemplate CallTemplate() => new()
    {
        Id = "call",
        Name = "Call",
        Start = "call",
        Steps =
        [
            new StepSpec { Id = "call", Kind = "task", Task = "call-back", Title = "Call {{ customer.firstName }}", DueIn = "PT4H", Next = "end" },
            new StepSpec { Id = "end", Kind = "end" },
        ],
    };

    [Fact]
    public async Task Push_Answered500Twice_IsRetriedWithBackOffAndDeliveredSigned()
    {
        _crm.Answers.Enqueue(500);
        _crm.Answers.Enqueue(500);
        await using var rig = await Rig.StartAsync(_crm.Url, _folder);

        await rig.StartAsync();
        Assert.Single(_crm.Received);            // the first attempt at once
        await rig.AdvanceAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(2, _crm.Received.Count);    // after 1 min
        await rig.AdvanceAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(3, _crm.Received.Count);    // after 2 more min: 200
        Assert.All(_crm.Received, r => Assert.True(r.SignatureValid));
        var task = Assert.Single(rig.Data.Tasks);
        Assert.All(_crm.Received, r => Assert.Equal(task.Id, r.Body.GetProperty("taskId").GetString()));
        Assert.Equal("Call Anna", _crm.Received[^1].Body.GetProperty("title").GetString());
        Assert.Equal(rig.Now.AddMinutes(-3).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), _crm.Received[0].Timestamp);
        Assert.Empty(await rig.Letters.ListDeadLettersAsync(null));
        Assert.Equal(InstanceStatus.Completed, (await rig.Runtime.StatusAsync("j1")).Status);
    }

    [Fact]
    public async Task Push_AlwaysFailing_IsDeadLettered_ListedPerDealer_AndReplayedWhenTheCrmRecovers()
    {
        _crm.AlwaysFail = true;
        await using var rig = await Rig.StartAsync(_crm.Url, _folder);

        await rig.StartAsync();
        await rig.AdvanceAsync(TimeSpan.FromHours(2));

        Assert.Equal(6, _crm.Received.Count); // 1 + 5 retries (1, 2, 4, 8, 16 min)
        var letter = Assert.Single(await rig.Letters.ListDeadLettersAsync(Dealer));
        var task = Assert.Single(rig.Data.Tasks);
        Assert.Equal((task.Id, 6, "crm"), (letter.TaskId, letter.Attempts, letter.Channel));
        Assert.Contains("500", letter.LastError, StringComparison.Ordinal);
        Assert.Equal(InstanceStatus.Completed, (await rig.Runtime.StatusAsync("j1")).Status); // the journey goes on

        var admin = await rig.Api.GetFromJsonAsync<JsonElement>("/api/deadletters?as=admin");
        Assert.Equal(letter.Id, admin[0].GetProperty("id").GetString());
        Assert.Equal(0, (await rig.Api.GetFromJsonAsync<JsonElement>("/api/deadletters?as=dealer:other")).GetArrayLength());
        Assert.Equal(1, (await rig.Api.GetFromJsonAsync<JsonElement>($"/api/deadletters?as=dealer:{Dealer}")).GetArrayLength());
        using (var forbidden = await rig.Api.PostAsync($"/api/deadletters/{Uri.EscapeDataString(letter.Id)}/replay?as=dealer:other", null))
        {
            Assert.Equal(HttpStatusCode.NotFound, forbidden.StatusCode);
        }

        using (var stillDown = await rig.Api.PostAsync($"/api/deadletters/{Uri.EscapeDataString(letter.Id)}/replay?as=admin", null))
        {
            Assert.Equal(HttpStatusCode.BadGateway, stillDown.StatusCode);
        }

        Assert.Equal(7, (await rig.Letters.GetDeadLetterAsync(letter.Id))!.Attempts);
        _crm.AlwaysFail = false;
        using (var replayed = await rig.Api.PostAsync($"/api/deadletters/{Uri.EscapeDataString(letter.Id)}/replay?as=dealer:{Dealer}", null))
        {
            Assert.Equal(HttpStatusCode.OK, replayed.StatusCode);
        }

        Assert.Empty(await rig.Letters.ListDeadLettersAsync(null));
        Assert.Equal(8, _crm.Received.Count);
        Assert.True(_crm.Received[^1].SignatureValid);
        Assert.Equal(task.Id, _crm.Received[^1].Body.GetProperty("taskId").GetString());
        Assert.Single(rig.Data.Tasks); // still in the tasks API
    }

    [Fact]
    public async Task Reassign_OverdueTask_IsPushedAgainSignedWithTheNewAssignee()
    {
        var template = CallTemplate() with
        {
            Events = ["task.completed"],
            Steps =
            [
                new StepSpec
                {
                    Id = "call", Kind = "task", Task = "call-back", Title = "Call {{ customer.firstName }}", DueIn = "PT4H", Next = "wait",
                    Escalate = new EscalateSpec { After = "PT1H", Action = "reassign", To = "sales-manager" },
                },
                new StepSpec { Id = "wait", Kind = "wait", Duration = "P1D", Next = "end" },
                new StepSpec { Id = "end", Kind = "end" },
            ],
        };
        await using var rig = await Rig.StartAsync(_crm.Url, _folder, template);
        await rig.StartAsync(); // Monday 10:00 local: due 14:00, escalates 15:00 local (14:00 UTC)

        await rig.AdvanceAsync(TimeSpan.FromHours(5) - TimeSpan.FromSeconds(1));
        Assert.Single(_crm.Received);
        await rig.AdvanceAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(2, _crm.Received.Count);
        Assert.All(_crm.Received, r => Assert.True(r.SignatureValid));
        var task = Assert.Single(rig.Data.Tasks);
        Assert.Equal([task.Id, task.Id], _crm.Received.Select(r => r.Body.GetProperty("taskId").GetString()));
        Assert.Equal(JsonValueKind.Null, _crm.Received[0].Body.GetProperty("assignee").ValueKind);
        Assert.Equal("sales-manager", _crm.Received[1].Body.GetProperty("assignee").GetString());
        Assert.Equal(rig.Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), _crm.Received[1].Timestamp);
    }

    [Fact]
    public void ClaimsDealerScope_ReadsTheHostsRoleAndDealerClaims()
    {
        static HttpContext With(params Claim[] claims) => new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity(claims, "key")) };
        var scope = new ClaimsDealerScope();

        Assert.Equal(new DealerCaller(true, null), scope.Resolve(With(new Claim(ClaimTypes.Role, "admin"))));
        Assert.Equal(new DealerCaller(false, "d1"), scope.Resolve(With(new Claim(ClaimTypes.Role, "dealer"), new Claim("journeys:dealer", "d1"))));
        Assert.Null(scope.Resolve(With(new Claim(ClaimTypes.Role, "marketing"))));
    }

    [Fact]
    public void Signature_IsHmacSha256OverTimestampDotBody()
    {
        var body = "{\"taskId\":\"t1\"}"u8.ToArray();
        var expected = "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData("k"u8, "1767603600.{\"taskId\":\"t1\"}"u8));

        Assert.Equal(expected, CrmSignature.Sign("k", 1767603600, body));
        Assert.True(CrmSignature.Verify("k", "1767603600", body, expected));
        Assert.False(CrmSignature.Verify("k", "1767603601", body, expected));
        Assert.False(CrmSignature.Verify("other", "1767603600", body, expected));
    }

    /// <summary>The interpreter on the runtime harness with the real HTTP pusher, the SQLite dead letters and the API.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private readonly WebApplication _api;

        private Rig(RuntimeHarness runtime, InMemoryJourneyDataStore data, SqliteDeliveryStore letters, WebApplication api)
        {
            Runtime = runtime;
            Data = data;
            Letters = letters;
            _api = api;
            Api = new HttpClient { BaseAddress = new Uri(api.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()) };
        }

        public RuntimeHarness Runtime { get; }
        public InMemoryJourneyDataStore Data { get; }
        public SqliteDeliveryStore Letters { get; }
        public HttpClient Api { get; }
        public DateTimeOffset Now => Runtime.Time.GetUtcNow();

        public static async Task<Rig> StartAsync(Uri crmUrl, string folder, JourneyTemplate? template = null)
        {
            var catalog = new InMemoryTemplateCatalog();
            catalog.Add((template ?? CallTemplate()) with { Version = 1 });
            var data = new InMemoryJourneyDataStore();
            var letters = new SqliteDeliveryStore(Path.Combine(folder, SqliteDeliveryStore.DefaultFileName));
            var crm = new Dictionary<string, CrmSettings> { [Dealer] = new() { Url = crmUrl, Secret = Secret } };
            RuntimeHarness? runtime = null;
            runtime = new RuntimeHarness(
                new InMemoryJourneyStore(),
                b => b.AddJourneyTemplates(o => o.EmailTemplateFolder = Repo.EmailsFolder),
                s => s.AddSingleton<ITemplateCatalog>(catalog).AddSingleton<IJourneyDataStore>(data).AddSingleton<IDeadLetterStore>(letters)
                    .AddSingleton<ICrmTaskPusher>(sp => new HttpCrmTaskPusher(new HttpClient(), crm, sp.GetRequiredService<TimeProvider>())));

            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            builder.Services.AddProblemDetails();
            builder.Services.AddSingleton<TimeProvider>(runtime.Time);
            builder.Services.AddSingleton<IJourneyDataStore>(data);
            builder.Services.AddSingleton<IDeadLetterStore>(letters);
            builder.Services.AddSingleton<IDealerScope>(new QueryDealerScope());
            builder.Services.AddSingleton<ICrmTaskPusher>(new HttpCrmTaskPusher(new HttpClient(), crm, runtime.Time));
            var api = builder.Build();
            api.MapDeadLetterEndpoints();
            await api.StartAsync();
            return new Rig(runtime, data, letters, api);
        }

        public async Task StartAsync()
        {
            await Data.UpsertCustomerAsync(new CustomerProfile { Id = "c1", DealerId = Dealer, Email = "anna@example.com", FirstName = "Anna", Consent = new ConsentSettings { Email = true } });
            await Runtime.Client.StartAsync(JourneyNames.Orchestration, new JourneyInput
            {
                TemplateId = "call",
                TemplateVersion = 1,
                DealerId = Dealer,
                CustomerId = "c1",
                JourneyKey = "k1",
                Customer = new System.Text.Json.Nodes.JsonObject { ["firstName"] = "Anna" },
            }, new Core.Client.StartOptions { InstanceId = "j1" });
            await Runtime.RunUntilIdleAsync();
        }

        /// <summary>Moves the clock, stopping at every timer on the way (the retries' back-off).</summary>
        public async Task AdvanceAsync(TimeSpan by)
        {
            var target = Now + by;
            while (await Runtime.Store.GetNextWakeUpAsync(Now) is { } next && next <= target)
            {
                if (next > Now)
                {
                    Runtime.Time.SetUtcNow(next);
                }

                await Runtime.RunUntilIdleAsync();
            }

            Runtime.Time.SetUtcNow(target);
            await Runtime.RunUntilIdleAsync();
        }

        public async ValueTask DisposeAsync()
        {
            Api.Dispose();
            await _api.StopAsync();
            await _api.DisposeAsync();
            await Runtime.DisposeAsync();
            await Letters.DisposeAsync();
        }
    }

    /// <summary>The test's stand-in for the host's authentication: <c>?as=admin</c> or <c>?as=dealer:{id}</c>.</summary>
    private sealed class QueryDealerScope : IDealerScope
    {
        public DealerCaller? Resolve(HttpContext context)
        {
            var who = context.Request.Query["as"].ToString();
            return who == "admin" ? new DealerCaller(true, null) : who.StartsWith("dealer:", StringComparison.Ordinal) ? new DealerCaller(false, who["dealer:".Length..]) : null;
        }
    }

    /// <summary>A CRM on 127.0.0.1 (a free port) that checks the signature and answers from <see cref="Answers"/> (then 200), or 500 while <see cref="AlwaysFail"/>.</summary>
    private sealed class CrmReceiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private CrmReceiver(WebApplication app) => _app = app;

        public Uri Url => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/crm/tasks");
        public ConcurrentQueue<int> Answers { get; } = new();
        public bool AlwaysFail { get; set; }
        public List<Received> Received { get; } = [];

        public static async Task<CrmReceiver> StartAsync(string secret)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new CrmReceiver(app);
            app.MapPost("/crm/tasks", async (HttpRequest request) =>
            {
                using var buffer = new MemoryStream();
                await request.Body.CopyToAsync(buffer);
                var body = buffer.ToArray();
                var timestamp = request.Headers[CrmSignature.TimestampHeader].ToString();
                var valid = CrmSignature.Verify(secret, timestamp, body, request.Headers[CrmSignature.SignatureHeader].ToString());
                lock (receiver.Received)
                {
                    receiver.Received.Add(new Received(timestamp, valid, JsonDocument.Parse(body).RootElement.Clone()));
                }

                var status = !valid ? 401 : receiver.AlwaysFail ? 500 : receiver.Answers.TryDequeue(out var next) ? next : 200;
                return Results.StatusCode(status);
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private sealed record Received(string Timestamp, bool SignatureValid, JsonElement Body);
}
