using JourneyOrchestrator.Templates.Emails;

namespace JourneyOrchestrator.Templates.Tests.Support;

/// <summary>E-mail templates from a dictionary.</summary>
public sealed class FakeEmailTemplates(Dictionary<string, string> templates) : IEmailTemplateSource
{
    public FakeEmailTemplates()
        : this(new Dictionary<string, string> { ["hello"] = "subject: Hi {{ customer.firstName }}\n<p>Hello {{ customer.firstName }}</p>" })
    {
    }

    public Dictionary<string, string> Templates { get; } = templates;

    public bool Exists(string name) => Templates.ContainsKey(name);

    public string? Get(string name) => Templates.GetValueOrDefault(name);
}
