using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Messaging.ServiceBus;
using JourneyOrchestrator.Delivery.DependencyInjection;
using JourneyOrchestrator.Delivery.Milestones;
using JourneyOrchestrator.Templates.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Moq;
using Xunit;

namespace JourneyOrchestrator.Delivery.Tests;

public sealed class ServiceBusMilestonePublisherTests
{
    private static JourneyMilestone Milestone() => new()
    {
        MilestoneId = "inst-1:run-1:0:welcome:milestone",
        Kind = MilestoneKinds.EmailSent,
        JourneyId = "inst-1",
        DealerId = "dealer-7",
        TemplateId = "welcome",
        TemplateVersion = 3,
        StepId = "welcome",
        Phase = "onboarding",
        OccurredAt = new DateTimeOffset(2026, 12, 7, 7, 0, 0, TimeSpan.Zero),
        Details = new JsonObject { ["deliveryKey"] = "inst-1:run-1:0:welcome:1" },
    };

    [Fact]
    public async Task Message_carries_body_ids_subject_and_filter_properties()
    {
        var sent = new List<ServiceBusMessage>();
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Callback<ServiceBusMessage, CancellationToken>((m, _) => sent.Add(m)).Returns(Task.CompletedTask);

        await new ServiceBusMilestonePublisher(sender.Object).PublishAsync(Milestone());

        var message = Assert.Single(sent);
        Assert.Equal("inst-1:run-1:0:welcome:milestone", message.MessageId);
        Assert.Equal(MilestoneKinds.EmailSent, message.Subject);
        Assert.Equal("dealer-7", message.ApplicationProperties["dealerId"]);
        Assert.Equal(MilestoneKinds.EmailSent, message.ApplicationProperties["kind"]);
        var body = JsonDocument.Parse(message.Body.ToString()).RootElement;
        Assert.Equal("touchpoint.email-sent", body.GetProperty("kind").GetString());
        Assert.Equal("inst-1", body.GetProperty("journeyId").GetString());
        Assert.Equal("dealer-7", body.GetProperty("dealerId").GetString());
        Assert.Equal("welcome", body.GetProperty("templateId").GetString());
        Assert.Equal(3, body.GetProperty("templateVersion").GetInt32());
        Assert.Equal("onboarding", body.GetProperty("phase").GetString());
        Assert.Equal("inst-1:run-1:0:welcome:1", body.GetProperty("details").GetProperty("deliveryKey").GetString());
    }

    [Fact]
    public async Task Outage_surfaces_for_retry_and_a_retry_sends_the_same_message_id()
    {
        var ids = new List<string>();
        var sender = new Mock<ServiceBusSender>();
        sender.Setup(s => s.SendMessageAsync(It.IsAny<ServiceBusMessage>(), It.IsAny<CancellationToken>()))
            .Returns<ServiceBusMessage, CancellationToken>((m, _) =>
            {
                ids.Add(m.MessageId);
                return ids.Count == 1
                    ? Task.FromException(new ServiceBusException("down", ServiceBusFailureReason.ServiceBusy))
                    : Task.CompletedTask;
            });
        var publisher = new ServiceBusMilestonePublisher(sender.Object);

        var first = await Assert.ThrowsAsync<ServiceBusException>(() => publisher.PublishAsync(Milestone()));
        Assert.True(first.IsTransient);
        await publisher.PublishAsync(Milestone());
        await publisher.PublishAsync(Milestone());

        Assert.Equal(3, ids.Count);
        Assert.All(ids, id => Assert.Equal("inst-1:run-1:0:welcome:milestone", id));
    }

    [Fact]
    public async Task Unconfigured_PublishesNothing_AndThePublisherSaysWhichSettingIsMissing()
    {
        await using var services = Services([]);

        Assert.False(services.GetRequiredService<MilestonePublishing>().Enabled);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => services.GetRequiredService<IMilestonePublisher>().PublishAsync(Milestone()));
        Assert.Contains("Journeys:Milestones:ServiceBus:FullyQualifiedNamespace", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionString_RegistersTheServiceBusPublisherOnTheTopic_AndTurnsPublishingOn()
    {
        await using var services = Services(new()
        {
            ["Journeys:Milestones:ServiceBus:ConnectionString"] = "Endpoint=sb://localhost/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0;UseDevelopmentEmulator=true",
            ["Journeys:Milestones:ServiceBus:Topic"] = "crm-milestones",
        });

        Assert.True(services.GetRequiredService<MilestonePublishing>().Enabled);
        Assert.IsType<ServiceBusMilestonePublisher>(services.GetRequiredService<IMilestonePublisher>());
        Assert.Equal("crm-milestones", services.GetRequiredService<ServiceBusSender>().EntityPath);
    }

    [Fact]
    public async Task Namespace_UsesTheIdentity_OnTheDefaultTopic()
    {
        await using var services = Services(new() { ["Journeys:Milestones:ServiceBus:FullyQualifiedNamespace"] = "sb-journeys.servicebus.windows.net" });

        var client = services.GetRequiredService<ServiceBusClient>();
        Assert.Equal("sb-journeys.servicebus.windows.net", client.FullyQualifiedNamespace);
        Assert.Equal("journey-milestones", services.GetRequiredService<ServiceBusSender>().EntityPath);
    }

    [Fact]
    public void BothNamespaceAndConnectionString_AreRefused_NamingTheSection()
    {
        var error = Assert.Throws<ArgumentException>(() => Services(new()
        {
            ["Journeys:Milestones:ServiceBus:FullyQualifiedNamespace"] = "sb-journeys.servicebus.windows.net",
            ["Journeys:Milestones:ServiceBus:ConnectionString"] = "Endpoint=sb://localhost/;SharedAccessKeyName=k;SharedAccessKey=c2VjcmV0",
        }));
        Assert.Contains("Journeys:Milestones:ServiceBus", error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddJourneyMilestones(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider();
}
