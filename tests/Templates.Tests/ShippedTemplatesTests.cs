using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Tests.Support;
using JourneyOrchestrator.Templates.Validation;

namespace JourneyOrchestrator.Templates.Tests;

public sealed class ShippedTemplatesTests
{
    public static TheoryData<string> Templates() => [.. Directory.GetFiles(Repo.TemplatesFolder, "*.yaml").Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Templates))]
    public void Validate_ShippedTemplate_HasNoErrors(string file)
    {
        var validator = new TemplateValidator(new FileEmailTemplateSource(Repo.EmailsFolder));

        var result = validator.LoadAndValidate(Repo.Read(file));

        Assert.Empty(result.Errors.Select(e => e.ToString()));
        Assert.True(result.IsValid);
    }

    [Theory]
    [MemberData(nameof(Templates))]
    public void ShippedTemplate_PointsEditorsAtTheSchema(string file) =>
        Assert.StartsWith("# yaml-language-server: $schema=./journey-template.schema.json", Repo.Read(file), StringComparison.Ordinal);

    [Fact]
    public void NewCarPurchase_UsesEveryEventOfTheDomainNotes()
    {
        var template = Load("new-car-purchase.yaml");
        string[] domain =
        [
            "brochure.downloaded", "testdrive.booked", "testdrive.completed", "quote.sent", "quote.rejected", "quote.accepted",
            "contract.signed", "payment.received", "delivery.scheduled", "vehicle.delivered", "odometer.reported", "service.completed",
            "customer.unsubscribed",
        ];
        var used = template.Steps.SelectMany(s => s.Events ?? []).Concat(template.Entry!.Events).Concat(template.Exit!.Events)
            .Concat(template.Goals.Select(g => g.Event)).ToHashSet();

        Assert.All(domain, e => Assert.Contains(e, used));
        Assert.Equal(["brochure.downloaded"], template.Entry.Events);
        Assert.Equal(["customer.unsubscribed"], template.Exit.Events);
        Assert.Equal("purchase", Assert.Single(template.Goals, g => g.Event == "contract.signed").Phase);
    }

    [Fact]
    public void NewCarPurchase_HasEveryTouchpointOfTheDomainNotes_AndAPhaseOnEveryStep()
    {
        var template = Load("new-car-purchase.yaml");
        var emails = template.Steps.Where(s => s.Kind == StepKinds.Email).Select(s => s.Email).ToHashSet();
        var tasks = template.Steps.Where(s => s.Kind == StepKinds.Task).Select(s => s.Task).ToHashSet();

        Assert.Equal(
            ["brochure-follow-up", "delivery-date-confirmation", "km-check-invitation", "quote-follow-up", "seasonal-check", "testdrive-invitation", "testdrive-reminder", "yearly-service-invitation"],
            emails.Order());
        Assert.Equal(["call-quote-reaction", "call-testdrive-invite", "prepare-sharper-offer", "satisfaction-call"], tasks.Order());
        Assert.Equal("transactional", template.Steps.Single(s => s.Email == "delivery-date-confirmation").Category);
        Assert.All(template.Steps, s => Assert.Contains(s.Phase, Phases.All));
        Assert.Contains(template.Steps, s => s.Kind == StepKinds.Repeat && s.Goto == "yearly-service-invitation");
    }

    private static JourneyTemplate Load(string file) => Loading.TemplateLoader.Load(Repo.Read(file)).Template!;
}
