using System.Text.Json.Nodes;
using JourneyOrchestrator.Core.Authoring;
using JourneyOrchestrator.Core.Runtime;
using Microsoft.DurableTask;
using JourneyOrchestrator.Templates.Activities;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace JourneyOrchestrator.Templates.Tests;

public sealed class ActivityTests
{
    private readonly InMemoryJourneyDataStore _data = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 7, 1, 9, 0, 0, TimeSpan.Zero));
    private const string Key = "journey-1:run-1:0:4";
    private readonly TaskActivityContext _context = new EmbeddedActivityContext(new TaskName("journey.send-email"), "journey-1");

    private SendEmailActivity Email(IEmailTemplateSource? templates = null) =>
        new(_data, templates ?? new FileEmailTemplateSource(Repo.EmailsFolder), new LiquidRenderer(), new DevMailboxEmailSender(_data, _time), _time);

    private static SendEmailRequest Request(string email = "seasonal-check", string category = "marketing") => new()
    {
        JourneyId = "journey-1",
        DealerId = "d1",
        CustomerId = "c1",
        TemplateId = "new-car-purchase",
        TemplateVersion = 1,
        StepId = "first-seasonal-check",
        Email = email,
        Category = category,
        Model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = "Old" }, ["data"] = new JsonObject { ["model"] = "Hybrid X" } },
        Cause = new TouchpointCause("timer"),
        DeliveryKey = Key,
    };

    private Task SeedCustomerAsync(bool consent) => _data.UpsertCustomerAsync(new CustomerProfile
    {
        Id = "c1", DealerId = "d1", Email = "anna@example.com", FirstName = "Anna", Consent = new ConsentSettings { Email = consent },
    });

    [Fact]
    public async Task SendEmail_RunTwiceWithTheSameKey_DeliversAndRecordsOnce()
    {
        await SeedCustomerAsync(consent: true);

        var first = await Email().RunAsync(_context, Request());
        var second = await Email().RunAsync(_context, Request());

        Assert.Equal(new SendEmailResult("sent"), first);
        Assert.Equal(first, second);
        var mail = Assert.Single(_data.Mail);
        Assert.Equal(Key, mail.Id);
        Assert.Equal("Ready for the summer holidays, Anna?", mail.Subject); // fresh profile beats the snapshot; July is summer
        Assert.Single(_data.Touchpoints);
    }

    [Fact]
    public async Task SendEmail_HtmlBody_EncodesValues()
    {
        await SeedCustomerAsync(consent: true);
        var request = Request() with { Model = new JsonObject { ["data"] = new JsonObject { ["model"] = "<script>x</script>" } } };

        await Email().RunAsync(_context, request);

        Assert.DoesNotContain("<script>", _data.Mail[0].Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SendEmail_MarketingWithoutConsent_SuppressedTransactionalSent()
    {
        await SeedCustomerAsync(consent: false);

        var marketing = await Email().RunAsync(_context, Request());
        var transactional = await Email().RunAsync(_context, Request("delivery-date-confirmation", "transactional") with { DeliveryKey = "journey-1:run-1:0:5" });

        Assert.Equal(new SendEmailResult("suppressed", "no e-mail consent"), marketing);
        Assert.Equal("sent", transactional.Status);
        Assert.Equal(["delivery-date-confirmation"], _data.Mail.Select(m => m.EmailTemplate));
        Assert.Equal(["suppressed", "sent"], _data.Touchpoints.Select(t => t.Status));
    }

    [Fact]
    public async Task SendEmail_MissingTemplate_RecordsAFailedTouchpointWithoutThrowing()
    {
        await SeedCustomerAsync(consent: true);

        var result = await Email(new FakeEmailTemplates()).RunAsync(_context, Request("nope"));

        Assert.Equal("failed", result.Status);
        Assert.Equal("failed", Assert.Single(_data.Touchpoints).Status);
        Assert.Empty(_data.Mail);
    }

    [Fact]
    public async Task CreateTask_RunTwice_CreatesOneTaskWithTheRenderedTitle()
    {
        var activity = new CreateTaskActivity(_data, new LiquidRenderer(), _time);
        var request = new CreateTaskRequest
        {
            TaskId = Key, JourneyId = "journey-1", DealerId = "d1", CustomerId = "c1", StepId = "call", Task = "satisfaction-call",
            Title = "Call {{ customer.firstName }} about the {{ data.model }}", DueAt = _time.GetUtcNow().AddHours(4),
            Model = new JsonObject { ["customer"] = new JsonObject { ["firstName"] = "Anna" }, ["data"] = new JsonObject { ["model"] = "Hybrid X" } },
            Cause = new TouchpointCause("timer"),
        };

        await activity.RunAsync(_context, request);
        var result = await activity.RunAsync(_context, request);

        var task = Assert.Single(_data.Tasks);
        Assert.Equal((Key, "Call Anna about the Hybrid X", TaskStatuses.Open), (task.Id, task.Title, task.Status));
        Assert.Equal(new CreateTaskResult(task.Id, request.DueAt), result);
        Assert.Equal(("task", "created"), (Assert.Single(_data.Touchpoints).Channel, _data.Touchpoints[0].Status));
    }
}
