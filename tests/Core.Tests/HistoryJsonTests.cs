using System.Text.Json;
using JourneyOrchestrator.Core.History;

namespace JourneyOrchestrator.Core.Tests;

/// <summary>History events are stored as JSON: their type names are a storage contract.</summary>
public sealed class HistoryJsonTests
{
    private static readonly DateTimeOffset At = new(2026, 5, 1, 10, 0, 0, TimeSpan.Zero);

    public static TheoryData<HistoryEvent, string> Events() => new()
    {
        { new JourneyStarted { Timestamp = At, Name = "journey", ExecutionId = "e1", Input = "{\"a\":1}" }, "JourneyStarted" },
        { new EpisodeStarted { Timestamp = At }, "EpisodeStarted" },
        { new ExternalEventReceived { Timestamp = At, Name = "quote.sent", EventId = "q1", Payload = "{}" }, "ExternalEventReceived" },
        { new TimerScheduled { Timestamp = At, Sequence = 1, FireAt = At.AddDays(3) }, "TimerScheduled" },
        { new TimerFired { Timestamp = At, TimerSequence = 1, FireAt = At }, "TimerFired" },
        { new TimerCancelled { Timestamp = At, TimerSequence = 1 }, "TimerCancelled" },
        { new ActivityScheduled { Timestamp = At, Sequence = 2, Name = "email", Input = "\"x\"", Attempt = 2 }, "ActivityScheduled" },
        { new ActivityCompleted { Timestamp = At, ScheduledSequence = 2, Result = "1" }, "ActivityCompleted" },
        { new ActivityFailed { Timestamp = At, ScheduledSequence = 2, Failure = new FailureDetails("T", "m") }, "ActivityFailed" },
        { new ContinuedAsNew { Timestamp = At, Input = "3" }, "ContinuedAsNew" },
        { new JourneyCompleted { Timestamp = At, Output = "4" }, "JourneyCompleted" },
        { new JourneyFailed { Timestamp = At, Failure = new FailureDetails("T", "m", "stack") }, "JourneyFailed" },
        { new JourneyTerminated { Timestamp = At, Reason = "r" }, "JourneyTerminated" },
        { new JourneySuspended { Timestamp = At }, "JourneySuspended" },
        { new JourneyResumed { Timestamp = At }, "JourneyResumed" },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Serialize_EveryEvent_HasItsStableTypeNameAndRoundTrips(HistoryEvent historyEvent, string typeName)
    {
        var json = HistoryJson.Serialize(historyEvent);

        using var document = JsonDocument.Parse(json);
        Assert.Equal(typeName, document.RootElement.GetProperty("type").GetString());
        Assert.Equal(historyEvent, HistoryJson.Deserialize(json));
    }

    [Fact]
    public void Events_EverySealedRecordIsRegistered()
    {
        var registered = Events().Select(row => ((HistoryEvent)row[0]).GetType()).ToHashSet();
        var declared = typeof(HistoryEvent).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(HistoryEvent))).ToHashSet();
        Assert.True(declared.All(t => t.IsSealed), "history events are sealed");
        Assert.Equal(declared.OrderBy(t => t.Name), registered.OrderBy(t => t.Name));
    }

    [Fact]
    public void Deserialize_UnknownType_ThrowsJsonException() =>
        Assert.ThrowsAny<JsonException>(() => HistoryJson.Deserialize("{\"type\":\"Nope\",\"timestamp\":\"2026-01-01T00:00:00Z\"}"));

    [Fact]
    public void Deserialize_StoredShape_IsReadBack()
    {
        const string stored = "{\"type\":\"TimerScheduled\",\"sequence\":7,\"fireAt\":\"2027-01-01T00:00:00+00:00\",\"timestamp\":\"2026-01-01T00:00:00+00:00\"}";
        var timer = Assert.IsType<TimerScheduled>(HistoryJson.Deserialize(stored));
        Assert.Equal(7, timer.Sequence);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), timer.FireAt);
    }
}
