using JourneyOrchestrator.Core.Storage;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// A repeated event id changes nothing whatever the engine: the host puts the id in the payload and the interpreter remembers
/// the last ids it took (across repeats), so an at-least-once delivery (DTFx has no de-duplication) is ignored.
/// </summary>
public sealed class DuplicateEventTests
{
    private static JourneyTemplate Template() => new()
    {
        Id = "quotes",
        Name = "Quotes",
        Events = ["start"],
        Start = "wait",
        Steps =
        [
            new StepSpec { Id = "wait", Kind = "waitForEvent", Events = ["quote.sent"], Next = "mail" },
            new StepSpec { Id = "mail", Kind = "email", Email = "quote-follow-up", Category = "transactional", Next = "again" },
            new StepSpec { Id = "again", Kind = "repeat", Goto = "wait", Times = 10 },
        ],
    };

    [Fact]
    public async Task SameEventIdTwice_OneEmail_AcrossTheRepeatsContinueAsNew_ANewIdSendsAgain()
    {
        await using var h = JourneyHarness.Create(Template());
        var id = await h.StartAsync("quotes");

        await h.RaiseAsync(id, "quote.sent", eventId: "crm-1");
        await h.RaiseAsync(id, "quote.sent", eventId: "crm-1"); // delivered again: the journey has continued as new since
        var afterRepeat = h.Data.Mail.Count;
        await h.RaiseAsync(id, "quote.sent", eventId: "crm-2");

        Assert.Equal(1, afterRepeat);
        Assert.Equal(2, h.Data.Mail.Count);
        var status = await h.StatusAsync(id);
        Assert.Equal(2, status.Iteration);
        Assert.Equal(InstanceStatus.Running, (await h.InstanceAsync(id)).Status);
    }

    [Fact]
    public async Task SameEventIdTwiceInOneEpisode_BothBuffered_OnlyTheFirstIsTaken()
    {
        await using var h = JourneyHarness.Create(Template());
        var id = await h.StartAsync("quotes");
        await h.Runtime.Client.RaiseEventAsync(id, "quote.sent", new JourneyEventPayload { EventId = "crm-1", Data = [] });
        await h.Runtime.Client.RaiseEventAsync(id, "quote.sent", new JourneyEventPayload { EventId = "crm-1", Data = [] });
        await h.Runtime.RunUntilIdleAsync();

        Assert.Single(h.Data.Mail);
        Assert.Equal("wait", (await h.StatusAsync(id)).CurrentStep);
    }

    [Fact]
    public async Task EntryEventRaisedIntoTheJourneyItStarted_IsARepeat()
    {
        await using var h = JourneyHarness.Create(Template());
        var id = await h.StartAsync("quotes", trigger: "quote.sent"); // the harness's trigger id is evt-0

        await h.RaiseAsync(id, "quote.sent", eventId: "evt-0");

        Assert.Empty(h.Data.Mail);
    }
}
