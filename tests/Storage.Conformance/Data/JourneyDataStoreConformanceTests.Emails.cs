using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Storage.Conformance.Data;

/// <summary>The API-authored e-mails (<see cref="IEmailContentStore"/>), on every store that implements them.</summary>
public abstract partial class JourneyDataStoreConformanceTests
{
    private IEmailContentStore Emails => Store as IEmailContentStore ?? throw new InvalidOperationException($"{Store.GetType().Name} does not store e-mails.");

    private static EmailContent Email(string subject) => new()
    {
        Name = "spring-offer",
        DefaultLocale = "en",
        Locales = new Dictionary<string, EmailLocaleContent>
        {
            ["en"] = new() { Subject = subject, Html = "<p>Hi {{ customer.firstName }}</p>", Text = "Hi {{ customer.firstName }}" },
            ["nl-NL"] = new() { Subject = "Lente: " + subject, Html = "<p>Hoi {{ customer.firstName }}</p>" },
        },
    };

    [Fact]
    public async Task Emails_AreVersioned_ReadByVersionOrLatest_AndTemplateVersionsPinThem()
    {
        Assert.Null(await Emails.GetEmailAsync("spring-offer"));
        Assert.Equal(1, await Emails.PublishEmailAsync(Email("Spring offer") with { Version = 42 }, T0));
        Assert.Equal(2, await Emails.PublishEmailAsync(Email("Spring offer, better"), T0.AddHours(2)));

        var first = (await Emails.GetEmailAsync("spring-offer", 1))!;
        Assert.Equal((1, "Spring offer", T0), (first.Version, first.Locales["en"].Subject, first.PublishedAt));
        Assert.Equal("Hi {{ customer.firstName }}", first.Locales["en"].Text);
        Assert.Equal("Lente: Spring offer", first.For("nl-BE").Subject); // by language
        Assert.Equal(2, (await Emails.GetEmailAsync("spring-offer"))!.Version);
        Assert.Null(await Emails.GetEmailAsync("spring-offer", 3));

        // A template version pins the e-mail versions it renders.
        var template = new JourneyOrchestrator.Templates.Model.JourneyTemplate { Id = "promo", Name = "Promo", Start = "a", Steps = [new() { Id = "a", Kind = "end" }] };
        await Store.PublishTemplateAsync(template, "id: promo", "application/yaml", T0, new Dictionary<string, int> { ["spring-offer"] = 1 });
        await Store.PublishTemplateAsync(template, "id: promo", "application/yaml", T0);
        Assert.Equal(1, (await Store.GetTemplateAsync("promo", 1))!.EmailVersions["spring-offer"]);
        Assert.Empty((await Store.GetTemplateAsync("promo", 2))!.EmailVersions);

        await Emails.PublishEmailAsync(Email("Other") with { Name = "another" }, T0);
        Assert.Equal([("another", 1), ("spring-offer", 2)], (await Emails.ListEmailsAsync()).Select(e => (e.Name, e.Version)));
    }
}
