namespace JourneyOrchestrator.Templates.Emails;

/// <summary>An e-mail template split into its Liquid subject (the first line, <c>subject: ...</c>) and its Liquid HTML body (the rest).</summary>
public sealed record EmailTemplateText(string Subject, string Body)
{
    /// <summary>Splits <paramref name="source"/>; null with <paramref name="error"/> when the first line is not <c>subject: ...</c>.</summary>
    public static EmailTemplateText? TryParse(string source, out string? error)
    {
        ArgumentNullException.ThrowIfNull(source);
        var text = source.TrimStart('\uFEFF');
        var end = text.IndexOf('\n', StringComparison.Ordinal);
        var first = (end < 0 ? text : text[..end]).TrimEnd('\r');
        const string prefix = "subject:";
        if (!first.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) || first.Length == prefix.Length || string.IsNullOrWhiteSpace(first[prefix.Length..]))
        {
            error = "The first line must be 'subject: ...' with the e-mail's subject.";
            return null;
        }

        error = null;
        return new EmailTemplateText(first[prefix.Length..].Trim(), end < 0 ? "" : text[(end + 1)..]);
    }
}
