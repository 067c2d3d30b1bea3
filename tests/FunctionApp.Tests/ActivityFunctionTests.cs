using JourneyOrchestrator.FunctionApp.Journeys;
using JourneyOrchestrator.FunctionApp.Tests.Support;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Delivery;
using System.Text.Json.Nodes;

namespace JourneyOrchestrator.FunctionApp.Tests;

/// <summary>
/// Each activity trigger runs the activity class the other engines run, resolved from the invocation's DI scope of the
/// app's registrations: asserted on what it leaves in the (in-memory) data store, delivery ledger and dead letters.
/// </summary>
public sealed class ActivityFunctionTests
{
    private static readonly TouchpointCause Cause = new("step");

    [Fact]
    public async Task SendEmail_ConsentingCustomer_RendersIntoTheDevMailboxAndLedgerOnce()
    {
        using var app = new AppServices();
        await app.Data.UpsertCustomerAsync(new CustomerProfile
        {
            Id = "c1", DealerId = "d1", Email = "anna@example.com", FirstName = "Anna", Consent = new ConsentSettings { Email = true }, UpdatedAt = AppServices.Now,
        });
        var functions = new JourneyActivityFunctions(app.Registry);
        var request = new SendEmailRequest
        {
            JourneyId = "j1", DealerId = "d1", CustomerId = "c1", TemplateId = "welcome", TemplateVersion = 1, StepId = "mail",
            Email = "brochure-follow-up", Category = "marketing", Cause = Cause, DeliveryKey = "j1:mail:1",
            Model = new JsonObject { ["data"] = new JsonObject { ["model"] = "Hybrid X" } },
        };

        var first = await functions.SendEmailAsync(request, "j1", app.Invocation());
        var again = await functions.SendEmailAsync(request, "j1", app.Invocation()); // a redelivered work item

        Assert.Equal((EmailStatuses.Sent, EmailStatuses.Sent), (first.Status, again.Status));
        var mail = Assert.Single(app.Data.Mail);
        Assert.Equal(("anna@example.com", "Anna, your Hybrid X brochure — and a test drive?"), (mail.To, mail.Subject));
        Assert.Equal(SendStates.Sent, (await app.Delivery.GetSendAsync("j1:mail:1"))!.State);
        Assert.Equal(EmailStatuses.Sent, Assert.Single(app.Data.Touchpoints).Status);
    }

    [Fact]
    public async Task SendEmail_NoConsentForMarketing_SuppressesAndSendsNothing()
    {
        using var app = new AppServices();
        await app.Data.UpsertCustomerAsync(new CustomerProfile { Id = "c1", DealerId = "d1", Email = "anna@example.com", Consent = new ConsentSettings(), UpdatedAt = AppServices.Now });
        var request = new SendEmailRequest
        {
            JourneyId = "j1", DealerId = "d1", CustomerId = "c1", TemplateId = "welcome", TemplateVersion = 1, StepId = "mail",
            Email = "brochure-follow-up", Category = "marketing", Cause = Cause, DeliveryKey = "j1:mail:1",
        };

        var result = await new JourneyActivityFunctions(app.Registry).SendEmailAsync(request, "j1", app.Invocation());

        Assert.Equal(EmailStatuses.Suppressed, result.Status);
        Assert.Empty(app.Data.Mail);
    }

    [Fact]
    public async Task CreateTask_RendersTheTitleAndStoresAnOpenTaskWithItsTouchpoint()
    {
        using var app = new AppServices();
        var due = AppServices.Now.AddDays(1);

        var result = await new JourneyActivityFunctions(app.Registry).CreateTaskAsync(Task("t1", due), "j1", app.Invocation());

        Assert.Equal(new CreateTaskResult("t1", due), result);
        var task = Assert.Single(app.Data.Tasks);
        Assert.Equal(("Call Anna", TaskStatuses.Open, AppServices.Now), (task.Title, task.Status, task.CreatedAt));
        Assert.Equal(("task", "created"), (Assert.Single(app.Data.Touchpoints).Channel, app.Data.Touchpoints[0].Status));
    }

    [Fact]
    public async Task EscalateTask_Reassign_SetsTheAssigneeAndRecordsTheEscalation()
    {
        using var app = new AppServices();
        var functions = new JourneyActivityFunctions(app.Registry);
        await functions.CreateTaskAsync(Task("t1", AppServices.Now), "j1", app.Invocation());

        var result = await functions.EscalateTaskAsync(new EscalateTaskRequest
        {
            IdempotencyKey = "j1:esc:1", JourneyId = "j1", DealerId = "d1", CustomerId = "c1", StepId = "call", TaskId = "t1",
            Action = "reassign", To = "sales-manager", DueAt = AppServices.Now, Cause = Cause,
        }, "j1", app.Invocation());

        Assert.True(result.Escalated);
        Assert.Equal("sales-manager", (await app.Data.GetTaskAsync("t1"))!.Assignee);
        Assert.Contains(app.Data.Touchpoints, t => t.Id == "j1:esc:1" && t.Status == "escalated");
    }

    [Fact]
    public async Task PushTaskToCrm_DealerWithoutCrm_IsSkippedAndLeavesNoDeadLetter()
    {
        using var app = new AppServices();
        var functions = new JourneyActivityFunctions(app.Registry);
        await functions.CreateTaskAsync(Task("t1", AppServices.Now), "j1", app.Invocation());

        var result = await functions.PushTaskToCrmAsync(new CrmPushRequest("t1", "d1"), "j1", app.Invocation());

        Assert.Equal(CrmPushStatuses.Skipped, result.Status);
        Assert.Empty(await app.DeadLetters.ListDeadLettersAsync(null));
    }

    [Fact]
    public async Task DeadLetterCrmPush_KeepsThePushInTheDeadLetters()
    {
        using var app = new AppServices();

        var kept = await new JourneyActivityFunctions(app.Registry).DeadLetterCrmPushAsync(new CrmDeadLetterRequest("t1", "d1", "j1", "503 from the CRM", 5), "j1", app.Invocation());

        Assert.True(kept);
        var letter = Assert.Single(await app.DeadLetters.ListDeadLettersAsync("d1"));
        Assert.Equal(("crm:t1", "503 from the CRM", 5, AppServices.Now), (letter.Id, letter.LastError, letter.Attempts, letter.FailedAt));
    }

    private static CreateTaskRequest Task(string id, DateTimeOffset due) => new()
    {
        TaskId = id, JourneyId = "j1", DealerId = "d1", CustomerId = "c1", StepId = "call", Task = "call-back",
        Title = "Call {{ customer.firstName }}", DueAt = due, Cause = Cause, Model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = "Anna" } },
    };
}
