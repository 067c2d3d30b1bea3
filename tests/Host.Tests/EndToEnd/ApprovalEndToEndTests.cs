using System.Net;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// A human approval over HTTP against the real host process: the journey asks the sales manager (a task), the decision is
/// made through the tasks API in the approver's role, once, and the journey's timeline shows who decided.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class ApprovalEndToEndTests
{
    private const string Template = """
        id: discount-approval
        name: Discount approval
        events: [lead.created, quote.rejected]
        entry:
          events: [lead.created]
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
            title: "Approve a {{ data.discount }}% discount for {{ customer.firstName }} {{ customer.lastName }}"
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
        """;

    [Fact]
    public async Task Approval_DecidedOnceInTheApproversRole_TheJourneyTakesTheApprovedWay_AndTheTimelineSaysWho()
    {
        await using var host = await HostProcess.StartAsync();
        using (var marketing = host.Client("dev-marketing-key"))
        {
            await (await marketing.PutJsonAsync("/api/templates/discount-approval", Text(Template, "application/yaml"))).ReadJsonAsync(HttpStatusCode.Created);
        }

        var anna = new JourneyDriver(host, journeyKey: "deal-7");
        await anna.RaiseAsync("lead.created", withProfile: true);
        await anna.RaiseAsync("quote.rejected", new { discount = 6 });
        await anna.UntilJourneyAsync(j => j["waitingFor"]!.AsArray().Any(e => e!.GetValue<string>() == "approval.decided"), "waiting for the decision");
        var task = (await anna.TasksAsync()).Single();
        Assert.Equal(("approve-discount", "sales-manager"), (task["type"]!.GetValue<string>(), task["assignee"]!.GetValue<string>()));
        Assert.Equal("Approve a 6% discount for Anna de Vries", task["title"]!.GetValue<string>());
        var id = task["id"]!.GetValue<string>();
        var dealer = host.Client("dev-dealer-key");

        // The wrong role, a plain completion, a body without who: refused, nothing changes.
        await (await dealer.PostJsonAsync($"/api/tasks/{id}/approve", new { by = "piet", role = "sales" })).ProblemAsync(HttpStatusCode.Forbidden);
        await (await dealer.PostJsonAsync($"/api/tasks/{id}/complete", new { outcome = "approved" })).ProblemAsync(HttpStatusCode.Conflict);
        await (await dealer.PostJsonAsync($"/api/tasks/{id}/approve", new { role = "sales-manager" })).ProblemAsync(HttpStatusCode.BadRequest, "$.by");
        Assert.Equal("open", (await anna.TasksAsync()).Single()["status"]!.GetValue<string>());

        var decided = await (await dealer.PostJsonAsync($"/api/tasks/{id}/approve", new { by = "jan.jansen", role = "sales-manager", notes = "within the Q1 budget" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(("raised", "approval.decided"), (decided["delivery"]!.GetValue<string>(), decided["eventName"]!.GetValue<string>()));
        await anna.UntilJourneyAsync(j => j["status"]!.GetValue<string>() == "Completed", "completed");

        // Twice: a decision is final, whatever it says.
        var again = await (await dealer.PostJsonAsync($"/api/tasks/{id}/reject", new { by = "piet", role = "sales-manager" })).ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("approved by jan.jansen", again["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var touchpoints = await anna.TouchpointsAsync();
        var decision = Assert.Single(touchpoints, t => t.Status == "approved");
        Assert.Equal(("task", "approve-discount", "event", "approval.decided"), (decision.Channel, decision.Name, decision.CauseKind, decision.CauseName));
        var detail = (await dealer.OkJsonAsync($"/api/journeys/{anna.JourneyId}/touchpoints")).AsArray().Single(t => t!["status"]!.GetValue<string>() == "approved")!["detail"]!.GetValue<string>();
        Assert.Equal("approved by jan.jansen (sales-manager): within the Q1 budget", detail);
        Assert.Contains(touchpoints, t => t.Channel == "email" && t.Name == "quote-follow-up");
        Assert.DoesNotContain(touchpoints, t => t.Name == "testdrive-invitation");
    }
}
