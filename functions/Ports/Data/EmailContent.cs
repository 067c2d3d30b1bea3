namespace JourneyOrchestrator.Templates.Data;

/// <summary>One version of an e-mail authored through the API: Liquid per locale, with a default locale.</summary>
public sealed record EmailContent
{
    /// <summary>The name steps use (<c>email: quote-follow-up</c>): 1-100 of a-z, 0-9, '-', '_'.</summary>
    public required string Name { get; init; }
    public int Version { get; init; }
    /// <summary>The locale used when the customer's is not there (neither exactly nor by language).</summary>
    public required string DefaultLocale { get; init; }
    public required IReadOnlyDictionary<string, EmailLocaleContent> Locales { get; init; }
    public DateTimeOffset PublishedAt { get; init; }

    /// <summary>The content for <paramref name="locale"/>: exactly, else by its language (nl-BE → nl, nl-NL), else the default.</summary>
    public EmailLocaleContent For(string? locale)
    {
        if (locale is not null)
        {
            if (Locales.TryGetValue(locale, out var exact))
            {
                return exact;
            }

            var language = locale.Split('-')[0];
            var match = Locales.Where(l => l.Key.Split('-')[0].Equals(language, StringComparison.OrdinalIgnoreCase)).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Value).FirstOrDefault();
            if (match is not null)
            {
                return match;
            }
        }

        return Locales[DefaultLocale];
    }
}

/// <summary>The Liquid of one locale: a one-line subject, the HTML body and an optional plain-text body.</summary>
public sealed record EmailLocaleContent
{
    public required string Subject { get; init; }
    public required string Html { get; init; }
    public string? Text { get; init; }
}
