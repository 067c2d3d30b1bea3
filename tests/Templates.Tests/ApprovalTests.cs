using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.Templates.Tests;

/// <summary>
/// The <c>approval</c> step on the fake clock: a task for the approver, then the decision (the event the tasks API raises)
/// or the timeout decides the way on. A decision for another approval is passed over; an exit still ends the journey.
/// </summary>
public sealed class ApprovalTests
{
    private static readonly DateTimeOffset T0 = RuntimeHarness.Start;

    private static readonly JourneyTemplate Template = TemplateLoader.Load("""
        id: discount
        name: Discount approval
        events: [quote.rejected, customer.unsubscribed]
        exit:
          events: [customer.unsubscribed]
        start: wait-rejection
        steps:
          - id: wait-rejection
            kind: waitForEvent
            phase: choice
            events: [quote.rejected]
            on: { quote.rejected: approve-discount }
          - id: approve-discount
            kind: approval
            phase: choice
            task: approve-discount
            title: "Approve a {{ data.discount }}% discount for {{ customer.firstName }}"
            approver: sales-manager
            timeout: P2D
            onApproved: sharper-offer
            onRejected: standard-offer
            onTimeout: standard-offer
          - id: sharper-offer
            kind: email
            phase: choice
            email: quote-follow-up
            category: transactional
            next: done
          - id: standard-offer
            kind: email
            phase: choice
            email: testdrive-invitation
            category: transactional
            next: done
          - id: done
            kind: end
            phase: choice
        """).Template! with { Version = 1 };

    private static async Task<(JourneyHarness H, string Id, SalesTask Task)> AskedAsync()
    {
        var h = JourneyHarness.Create(Template);
        var id = await h.StartAsync("discount");
        await h.RaiseAsync(id, "quote.rejected", new JsonObject { ["discount"] = 6 });
        return (h, id, Assert.Single(h.Data.Tasks));
    }

    /// <summary>What the tasks API does on approve or reject: the task completed, then its decision raised with its id.</summary>
    private static async Task DecideAsync(JourneyHarness h, string journeyId, string taskId, string outcome)
    {
        await h.Data.CompleteTaskAsync(taskId, outcome, null, h.Now, "jan.jansen");
        await h.RaiseAsync(journeyId, JourneyNames.ApprovalDecidedEvent, new JsonObject { ["taskId"] = taskId, ["outcome"] = outcome, ["decidedBy"] = "jan.jansen" });
    }

    [Fact]
    public async Task Asks_TheApprover_WithATaskDueAtTheTimeout_AndWaits()
    {
        var (h, id, task) = await AskedAsync();
        await using var _ = h;

        Assert.Equal(("approve-discount", "sales-manager", JourneyNames.ApprovalDecidedEvent), (task.Type, task.Assignee, task.OnCompleteEvent));
        Assert.Equal("Approve a 6% discount for Anna", task.Title);
        Assert.Equal(T0.AddDays(2), task.DueAt);
        var status = await h.StatusAsync(id);
        Assert.Equal("approve-discount", status.CurrentStep);
        Assert.Contains(JourneyNames.ApprovalDecidedEvent, status.WaitingFor);
        Assert.Equal(T0.AddDays(2), status.NextTimerDue);
        Assert.Empty(h.Emails());
    }

    [Theory]
    [InlineData(ApprovalOutcomes.Approved, "quote-follow-up")]
    [InlineData(ApprovalOutcomes.Rejected, "testdrive-invitation")]
    public async Task TheDecision_TakesItsWay(string outcome, string email)
    {
        var (h, id, task) = await AskedAsync();
        await using var _ = h;
        await h.AdvanceAsync(TimeSpan.FromHours(5));

        await DecideAsync(h, id, task.Id, outcome);

        Assert.Equal([email], h.Emails());
        Assert.Equal("end", (await h.ResultAsync(id))!.Reason);
        Assert.Equal(T0.AddHours(5), h.Data.Mail.Single().SentAt);
    }

    [Fact]
    public async Task NoDecisionInTime_TakesTheTimeoutWay_AtTheTimeout()
    {
        var (h, id, task) = await AskedAsync();
        await using var _ = h;

        await h.AdvanceAsync(TimeSpan.FromDays(2) - TimeSpan.FromSeconds(1));
        Assert.Empty(h.Emails());
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(["testdrive-invitation"], h.Emails());
        Assert.Equal(T0.AddDays(2), h.Data.Mail.Single().SentAt);
    }

    [Fact]
    public async Task ADecisionForAnotherApproval_IsPassedOver()
    {
        var (h, id, task) = await AskedAsync();
        await using var _ = h;

        await h.RaiseAsync(id, JourneyNames.ApprovalDecidedEvent, new JsonObject { ["taskId"] = "some-other-task", ["outcome"] = ApprovalOutcomes.Approved });
        Assert.Equal("approve-discount", (await h.StatusAsync(id)).CurrentStep);
        Assert.Empty(h.Emails());

        await DecideAsync(h, id, task.Id, ApprovalOutcomes.Rejected);
        Assert.Equal(["testdrive-invitation"], h.Emails());
    }

    [Fact]
    public async Task AnExit_EndsTheJourneyWhileItWaitsForTheDecision()
    {
        var (h, id, _) = await AskedAsync();
        await using var __ = h;

        await h.RaiseAsync(id, "customer.unsubscribed");

        Assert.Equal("exit:customer.unsubscribed", (await h.ResultAsync(id))!.Reason);
        Assert.Empty(h.Emails());
    }
}
