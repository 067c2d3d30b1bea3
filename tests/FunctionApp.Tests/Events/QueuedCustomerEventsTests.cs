using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using JourneyOrchestrator.Api.Journeys;
using JourneyOrchestrator.FunctionApp.Events;
using JourneyOrchestrator.FunctionApp.Http;
using JourneyOrchestrator.FunctionApp.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;

namespace JourneyOrchestrator.FunctionApp.Tests.Events;

/// <summary>
/// The bulk event queue's processing (<see cref="QueuedCustomerEvents"/>) with the app's DI, the Durable client as a Moq
/// <see cref="DurableTaskClient"/> and the Azure queue client as a Moq <see cref="QueueClient"/> (the Azure SDK's documented
/// way to test against it): a good message starts the journey, a message that cannot succeed goes to the dead-letter queue
/// at once with its problem, a failure of the engine is thrown for the Functions host to retry.
/// </summary>
public sealed class QueuedCustomerEventsTests : IAsyncLifetime, IDisposable
{
    private const string Good = """
        {"customerId": "anna", "event": {"name": "brochure.downloaded", "eventId": "evt-1", "dealerId": "demo-dealer",
         "customer": {"email": "anna@example.com", "firstName": "Anna", "lastName": "de Vries", "locale": "nl-NL", "consent": {"email": true}}}}
        """;

    private readonly AppServices _app = new();
    private readonly Mock<DurableTaskClient> _durable = new("durable-functions-test");
    private readonly Mock<QueueClient> _poison = new();
    private readonly Mock<QueueClient> _events = new();
    private readonly List<string> _deadLettered = [];
    private readonly List<JourneyInput> _started = [];
    private readonly QueuedCustomerEvents _queue;

    public QueuedCustomerEventsTests()
    {
        _durable.Setup(c => c.GetInstancesAsync(It.IsAny<string>(), It.IsAny<bool>(), It.IsAny<CancellationToken>())).ReturnsAsync((OrchestrationMetadata?)null);
        _durable.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((TaskName _, object? input, StartOrchestrationOptions? options, CancellationToken _) =>
            {
                _started.Add((JourneyInput)input!);
                return options!.InstanceId!;
            });
        _poison.Setup(q => q.SendMessageAsync(It.IsAny<BinaryData>(), It.IsAny<TimeSpan?>(), It.IsAny<TimeSpan?>(), It.IsAny<CancellationToken>()))
            .Callback((BinaryData message, TimeSpan? _, TimeSpan? _, CancellationToken _) => _deadLettered.Add(message.ToString()))
            .ReturnsAsync(Response.FromValue(QueuesModelFactory.SendReceipt("m", DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, "r", DateTimeOffset.UtcNow), Mock.Of<Response>()));
        var queues = new Mock<QueueServiceClient>();
        queues.Setup(q => q.GetQueueClient(EventDeadLetters.PoisonQueueName)).Returns(_poison.Object);
        queues.Setup(q => q.GetQueueClient(EventDeadLetters.QueueName)).Returns(_events.Object);
        _app.Services.GetRequiredService<BoundDurableTaskClient>().Bind(_durable.Object);
        _queue = new QueuedCustomerEvents(_app.Services.GetRequiredService<CustomerEventRouter>(), new EventDeadLetters(queues.Object), NullLogger<QueuedCustomerEvents>.Instance);
    }

    public async Task InitializeAsync() =>
        await _app.Services.GetRequiredService<TemplatePublisher>().PublishFolderAsync(Templates.Tests.Support.Repo.TemplatesFolder, CancellationToken.None);

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _app.Dispose();

    [Fact]
    public async Task AGoodMessage_StartsTheJourneyAsTheHttpRouteDoes_AndNothingIsDeadLettered()
    {
        await _queue.ProcessAsync("msg-1", BinaryData.FromString(Good), dequeueCount: 1, CancellationToken.None);

        var input = Assert.Single(_started);
        Assert.Equal(("new-car-purchase", "demo-dealer", "anna", "evt-1"), (input.TemplateId, input.DealerId, input.CustomerId, input.Trigger!["eventId"]!.GetValue<string>()));
        Assert.Equal("Anna", (await _app.Data.GetCustomerAsync("demo-dealer", "anna"))!.FirstName);
        Assert.Empty(_deadLettered);
    }

    [Theory]
    [InlineData("not json at all", 400, "$")]
    [InlineData("""{"customerId": "anna"}""", 400, "$.event")]
    [InlineData("""{"customerId": "anna", "event": {"name": "brochure.downloaded", "eventId": "e-1"}}""", 400, "$.event.dealerId")]
    [InlineData("""{"customerId": "a/b", "event": {"name": "brochure.downloaded", "dealerId": "demo-dealer"}}""", 400, "$.customerId")]
    public async Task AMessageThatCannotSucceed_IsDeadLetteredAtOnce_WithTheProblemAndTheOriginal(string message, int status, string path)
    {
        await _queue.ProcessAsync("msg-bad", BinaryData.FromString(message), dequeueCount: 1, CancellationToken.None);

        Assert.Empty(_started);
        var envelope = JsonNode.Parse(Assert.Single(_deadLettered))!;
        Assert.Equal(message, envelope["message"]!.GetValue<string>());
        var letter = EventDeadLetters.Describe("peeked-id", BinaryData.FromString(envelope.ToJsonString()), 1, DateTimeOffset.UtcNow);
        Assert.Equal(("msg-bad", "rejected", status), (letter.MessageId, letter.Reason, letter.Status));
        Assert.Contains(letter.Errors, e => e.Path == path);
    }

    [Fact]
    public async Task ATooLargeMessage_IsDeadLetteredWithTheLimitNamed()
    {
        var large = """{"customerId": "anna", "event": {"name": "x", "dealerId": "demo-dealer", "data": {"blob": "__"}}}""".Replace("__", new string('a', QueuedCustomerEvents.MaxMessageBytes), StringComparison.Ordinal);
        await _queue.ProcessAsync("msg-large", BinaryData.FromString(large), dequeueCount: 1, CancellationToken.None);

        var letter = EventDeadLetters.Describe("id", BinaryData.FromString(Assert.Single(_deadLettered)), 1, null);
        Assert.Equal(413, letter.Status);
        Assert.Contains(QueuedCustomerEvents.MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), letter.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheEngineFailing_IsThrownForTheHostToRetry_AndNothingIsDeadLettered()
    {
        _durable.Setup(c => c.ScheduleNewOrchestrationInstanceAsync(It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new RequestFailedException(503, "The storage account is busy."));

        await Assert.ThrowsAsync<RequestFailedException>(() => _queue.ProcessAsync("msg-2", BinaryData.FromString(Good), dequeueCount: 1, CancellationToken.None));
        Assert.Empty(_deadLettered);
    }

    [Fact]
    public void AMessageTheHostMovedAfterItsRetries_IsListedAsRetriesExhausted_WithTheMessage()
    {
        var letter = EventDeadLetters.Describe("poison-1", BinaryData.FromString(Good), 5, DateTimeOffset.UtcNow);

        Assert.Equal(("poison-1", "retries exhausted", 5L), (letter.MessageId, letter.Reason, letter.DequeueCount));
        Assert.Equal("evt-1", letter.Message!["event"]!["eventId"]!.GetValue<string>());
    }
}
