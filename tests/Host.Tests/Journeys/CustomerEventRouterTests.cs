using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Api.Http;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.Api.Security;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace JourneyOrchestrator.Host.Tests.Journeys;

/// <summary>
/// The customer-event router and the journey commands over the SDK's <see cref="DurableTaskClient"/> (mocked, as the
/// Durable Functions docs do) and an in-memory journey index: which journeys an event reaches, when it starts one, and
/// what survives a start that crashed between the index row and the engine. The same code runs on all three engines.
/// </summary>
public sealed class CustomerEventRouterTests
{
    private const string Dealer = "dealer-a";
    private const string Customer = "cust-1";
    private static readonly Caller DealerA = new(Roles.Dealer, Dealer);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly InMemoryJourneyIndex _index = new();
    private readonly InMemoryJourneyDataStore _data = new();
    private readonly Mock<DurableTaskClient> _client = new("test");
    private readonly Dictionary<string, OrchestrationMetadata> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string?> _inputs = new(StringComparer.Ordinal);
    private readonly List<(string Id, string Name, object? Payload)> _raised = [];
    private readonly List<(string Id, object? Input)> _scheduled = [];
    private readonly JourneyIds _ids = new(new byte[32]);
    private int _failStarts;

    public CustomerEventRouterTests()
    {
        _client.Setup(c => c.GetInstanceAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string id, bool _, CancellationToken _) => _instances.GetValueOrDefault(id));
        _client.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .Returns((TaskName name, object? input, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                if (_failStarts > 0)
                {
                    _failStarts--;
                    throw new TimeoutException("the engine did not answer");
                }

                Assert.Contains(nameof(OrchestrationRuntimeStatus.Completed), options!.DedupeStatuses!); // never replaces a finished journey
                _scheduled.Add((options.InstanceId!, input));
                _inputs[options.InstanceId!] = JsonData.Serialize(input);
                _instances[options.InstanceId!] = Instance(options.InstanceId!, OrchestrationRuntimeStatus.Pending);
                return Task.FromResult(options.InstanceId!);
            });
        _client.Setup(c => c.RaiseEventAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<CancellationToken>()))
            .Callback((string id, string name, object? payload, CancellationToken _) => _raised.Add((id, name, payload)))
            .Returns(Task.CompletedTask);
    }

    [Fact]
    public async Task EntryEvent_StartsTheTemplate_WithTheEventAsItsInput_AndARetryIsADuplicate()
    {
        await PublishAsync();
        var router = Router();

        var first = await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default);
        var retry = await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default);

        var reached = Assert.Single(first.Journeys);
        Assert.Equal("started", reached.Outcome);
        Assert.Equal(_ids.ForEntry(Dealer, Customer, "new-car-purchase", null), reached.Id);
        var (id, input) = Assert.Single(_scheduled);
        Assert.Equal("crm-1", ((JourneyInput)input!).Trigger!["eventId"]!.GetValue<string>()); // the input, never an event raised after the start
        Assert.Equal("duplicate", Assert.Single(retry.Journeys).Outcome);
        Assert.Empty(_raised);
        var row = await _index.GetAsync(id);
        Assert.Equal((Dealer, Customer, "crm-1"), (row!.DealerId, row.CustomerId, row.TriggerEventId));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Start_MarksTheJourneyToPublishMilestones_ExactlyWhenPublishingIsConfigured(bool configured)
    {
        await PublishAsync();
        var lookup = new JourneyLookup(_client.Object, _index);
        var starter = new JourneyStarter(lookup, _ids, _time, NullLogger<JourneyStarter>.Instance, new MilestonePublishing(configured));
        var router = new CustomerEventRouter(lookup, starter, _data, _ids, _time, NullLogger<CustomerEventRouter>.Instance);

        await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default);

        Assert.Equal(configured, ((JourneyInput)Assert.Single(_scheduled).Input!).PublishMilestones);
    }

    [Fact]
    public async Task LaterEvent_IsRaisedIntoTheRunningJourney_WithItsIdInThePayload()
    {
        await PublishAsync();
        var router = Router();
        var id = Assert.Single((await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default)).JourneyIds);
        _instances[id] = Instance(id, OrchestrationRuntimeStatus.Running);

        var accepted = await router.RaiseAsync(Customer, Event("testdrive.booked", "crm-2"), DealerA, default);

        Assert.Equal("raised", Assert.Single(accepted.Journeys).Outcome);
        var (raisedId, name, payload) = Assert.Single(_raised);
        Assert.Equal((id, "testdrive.booked", "crm-2"), (raisedId, name, ((JourneyEventPayload)payload!).EventId));
    }

    [Fact]
    public async Task FinishedJourney_IsMarkedFinished_AndTheEntryEventStartsANewOne()
    {
        await PublishAsync();
        var router = Router();
        var first = Assert.Single((await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default)).JourneyIds);
        _instances[first] = Instance(first, OrchestrationRuntimeStatus.Completed);

        var again = await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-9"), DealerA, default);

        var reached = Assert.Single(again.Journeys);
        Assert.Equal("started", reached.Outcome);
        Assert.NotEqual(first, reached.Id);
        Assert.Equal(_ids.ForReentry(first, "crm-9"), reached.Id);
        Assert.True((await _index.GetAsync(first))!.Finished);
        Assert.Empty(_raised); // nothing raised into the finished one
    }

    [Fact]
    public async Task AnotherDealersJourney_IsNeverReached_AndItsIdIsNeverJoined()
    {
        await PublishAsync();
        var router = Router();
        var mine = _ids.ForEntry(Dealer, Customer, "new-car-purchase", null);
        // Whatever holds the id (no API writes such a row): a journey of another owner.
        await _index.AddOrGetAsync(new JourneyIndexEntry
        {
            JourneyId = mine, DealerId = "dealer-b", CustomerId = Customer, TemplateId = "new-car-purchase", TemplateVersion = 1, CreatedAt = _time.GetUtcNow(),
        });
        _instances[mine] = Instance(mine, OrchestrationRuntimeStatus.Running);

        var accepted = await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default);

        var reached = Assert.Single(accepted.Journeys);
        Assert.Equal("started", reached.Outcome);
        Assert.Equal(_ids.Detour(mine, "crm-1"), reached.Id);
        Assert.Empty(_raised);
        Assert.Equal("dealer-b", (await _index.GetAsync(mine))!.DealerId);
    }

    [Fact]
    public async Task StartThatFailedAfterItsIndexRow_IsStartedByTheRetry()
    {
        await PublishAsync();
        var router = Router();
        _failStarts = 1;

        await Assert.ThrowsAsync<TimeoutException>(() => router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default));
        var retry = await router.RaiseAsync(Customer, Event("brochure.downloaded", "crm-1"), DealerA, default);

        var reached = Assert.Single(retry.Journeys);
        Assert.Equal("started", reached.Outcome);
        Assert.Equal(reached.Id, Assert.Single(_scheduled).Id);
    }

    [Fact]
    public async Task KeyedStart_RetriedByTheCommand_IsOneJourney_AndForeignCallersGetTheSame404()
    {
        await PublishAsync();
        var lookup = new JourneyLookup(_client.Object, _index);
        var commands = new JourneyCommands(lookup, Starter(lookup), _data, _ids, _time);
        var request = new StartJourneyRequest
        {
            Template = "new-car-purchase", DealerId = Dealer, JourneyKey = "deal-7",
            Customer = new CustomerInput { Id = Customer, Email = "anna@example.com", FirstName = "Anna", LastName = "Berg", Locale = "nl-NL", Consent = new ConsentInput { Email = true } },
        };

        var first = await commands.StartAsync(request, DealerA, default);
        var second = await commands.StartAsync(request, DealerA, default);
        var foreign = await Assert.ThrowsAsync<ApiProblemException>(() => commands.RaiseAsync(first.Id, "quote.sent", null, "e-1", new Caller(Roles.Dealer, "dealer-b"), default));
        var unknown = await Assert.ThrowsAsync<ApiProblemException>(() => commands.RaiseAsync("nope", "quote.sent", null, "e-1", new Caller(Roles.Dealer, "dealer-b"), default));

        Assert.Equal(first.Id, second.Id);
        Assert.Single(_scheduled);
        Assert.Equal(404, foreign.Status);
        Assert.Equal(foreign.Message.Replace(first.Id, "ID", StringComparison.Ordinal), unknown.Message.Replace("nope", "ID", StringComparison.Ordinal));
        Assert.NotEqual("deal-7", (await _index.GetAsync(first.Id))!.KeyHash); // a keyed hash, never the key
    }

    private CustomerEventRouter Router()
    {
        var lookup = new JourneyLookup(_client.Object, _index);
        return new CustomerEventRouter(lookup, Starter(lookup), _data, _ids, _time, NullLogger<CustomerEventRouter>.Instance);
    }

    private JourneyStarter Starter(JourneyLookup lookup) => new(lookup, _ids, _time, NullLogger<JourneyStarter>.Instance);

    private async Task PublishAsync()
    {
        var loaded = TemplateLoader.Load(Repo.Read("new-car-purchase.yaml"));
        Assert.True(loaded.Succeeded);
        await _data.PublishTemplateAsync(loaded.Template!, "(yaml)", "application/yaml", _time.GetUtcNow());
        await _data.UpsertCustomerAsync(new CustomerProfile
        {
            Id = Customer, DealerId = Dealer, Email = "anna@example.com", Consent = new ConsentSettings { Email = true }, UpdatedAt = _time.GetUtcNow(),
        });
    }

    private static CustomerEventRequest Event(string name, string eventId) => new() { Name = name, EventId = eventId, DealerId = Dealer };

    /// <summary>The instance with <paramref name="status"/>, keeping the input it was started with (if it was).</summary>
    private OrchestrationMetadata Instance(string id, OrchestrationRuntimeStatus status) => new(JourneyNames.Orchestration, id)
    {
        SerializedInput = _inputs.GetValueOrDefault(id),
        RuntimeStatus = status,
        CreatedAt = _time.GetUtcNow(),
        LastUpdatedAt = _time.GetUtcNow(),
    };
}
