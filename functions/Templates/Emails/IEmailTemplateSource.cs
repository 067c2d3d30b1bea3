namespace JourneyOrchestrator.Templates.Emails;

/// <summary>Where e-mail templates come from: Liquid documents by name whose first line is <c>subject: ...</c>.</summary>
public interface IEmailTemplateSource
{
    bool Exists(string name);

    /// <summary>The template's source, or null when there is none with that name.</summary>
    string? Get(string name);
}
