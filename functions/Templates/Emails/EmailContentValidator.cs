using System.Text.RegularExpressions;
using Fluid.Ast;
using JourneyOrchestrator.Templates.Data;

namespace JourneyOrchestrator.Templates.Emails;

/// <summary>One problem of an e-mail document, at its path (<c>$.locales["nl-NL"].subject</c>).</summary>
public sealed record EmailContentError(string Path, string Message);

/// <summary>
/// Checks an API-authored e-mail before it is published: its locales (the default among them), a one-line subject and an
/// HTML body per locale, each Liquid field parsing, staying under the Liquid limits without data, and using only the
/// variables a journey's e-mail has (<see cref="KnownRoots"/>, plus what the template itself assigns or loops over).
/// </summary>
public sealed partial class EmailContentValidator(LiquidRenderer renderer)
{
    /// <summary>What a journey's e-mail model holds (SendEmailActivity): the customer, the journey's data, the last event, the journey, the unsubscribe link.</summary>
    public static readonly IReadOnlyList<string> KnownRoots = ["customer", "data", "event", "journey", "unsubscribe"];

    /// <summary>At most this many locales per e-mail.</summary>
    public const int MaxLocales = 30;

    /// <summary>A subject is at most this long (characters).</summary>
    public const int MaxSubjectLength = 500;

    /// <summary>An HTML or text body is at most this long (characters).</summary>
    public const int MaxBodyLength = 200_000;

    public IReadOnlyList<EmailContentError> Validate(EmailContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var errors = new List<EmailContentError>();
        if (content.Locales is null || content.Locales.Count == 0)
        {
            errors.Add(new("$.locales", "At least one locale is required, e.g. {\"en\": {\"subject\": \"...\", \"html\": \"...\"}}."));
            return errors;
        }

        if (content.Locales.Count > MaxLocales)
        {
            errors.Add(new("$.locales", $"At most {MaxLocales} locales (there are {content.Locales.Count})."));
            return errors;
        }

        if (string.IsNullOrWhiteSpace(content.DefaultLocale))
        {
            errors.Add(new("$.defaultLocale", "Required: the locale sent when the customer's is not there."));
        }
        else if (!content.Locales.ContainsKey(content.DefaultLocale))
        {
            errors.Add(new("$.defaultLocale", $"The default locale '{content.DefaultLocale}' is missing from locales ({string.Join(", ", content.Locales.Keys.Order(StringComparer.Ordinal))})."));
        }

        foreach (var (locale, text) in content.Locales.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            var path = $"$.locales[\"{locale}\"]";
            if (!LocalePattern().IsMatch(locale))
            {
                errors.Add(new(path, $"'{locale}' is not a locale such as en, nl or nl-NL."));
            }

            if (text is null)
            {
                errors.Add(new(path, "Give subject and html."));
                continue;
            }

            if (string.IsNullOrWhiteSpace(text.Subject))
            {
                errors.Add(new($"{path}.subject", "Required."));
            }
            else if (text.Subject.Length > MaxSubjectLength || text.Subject.Contains('\n', StringComparison.Ordinal) || text.Subject.Contains('\r', StringComparison.Ordinal))
            {
                errors.Add(new($"{path}.subject", $"One line of at most {MaxSubjectLength} characters."));
            }
            else
            {
                CheckLiquid($"{path}.subject", text.Subject, html: false, errors);
            }

            if (string.IsNullOrWhiteSpace(text.Html))
            {
                errors.Add(new($"{path}.html", "Required: the HTML body."));
            }
            else if (text.Html.Length > MaxBodyLength)
            {
                errors.Add(new($"{path}.html", $"At most {MaxBodyLength} characters (there are {text.Html.Length})."));
            }
            else
            {
                CheckLiquid($"{path}.html", text.Html, html: true, errors);
            }

            if (text.Text is { } plain)
            {
                if (plain.Length > MaxBodyLength)
                {
                    errors.Add(new($"{path}.text", $"At most {MaxBodyLength} characters (there are {plain.Length})."));
                }
                else
                {
                    CheckLiquid($"{path}.text", plain, html: false, errors);
                }
            }
        }

        return errors;
    }

    private void CheckLiquid(string path, string source, bool html, List<EmailContentError> errors)
    {
        if (!LiquidRenderer.TryParse(source, out var template, out var error))
        {
            errors.Add(new(path, $"Liquid error: {error}"));
            return;
        }

        var roots = new RootCollector();
        roots.VisitTemplate(template!);
        foreach (var unknown in roots.Used.Except(roots.Local, StringComparer.Ordinal).Except(KnownRoots, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            errors.Add(new(path, $"Unknown variable '{unknown}': an e-mail has {string.Join(", ", KnownRoots)} (e.g. customer.firstName, data.model)."));
        }

        try
        {
            renderer.Render(source, [], html);
        }
        catch (LiquidLimitException e)
        {
            errors.Add(new(path, $"Goes past a Liquid limit even without data: {e.Message}"));
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException or InvalidCastException)
        {
            // Depends on the data: the send records it.
        }
    }

    /// <summary>The first segment of every variable the template reads, and the names it defines itself.</summary>
    private sealed class RootCollector : AstVisitor
    {
        public HashSet<string> Used { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Local { get; } = new(StringComparer.Ordinal) { "forloop", "tablerowloop", "empty", "blank", "nil", "null", "true", "false" };

        protected override Expression VisitMemberExpression(MemberExpression memberExpression)
        {
            if (memberExpression.Segments.Count > 0 && memberExpression.Segments[0] is IdentifierSegment first)
            {
                Used.Add(first.Identifier);
            }

            return base.VisitMemberExpression(memberExpression);
        }

        protected override Statement VisitAssignStatement(AssignStatement assignStatement)
        {
            Local.Add(assignStatement.Identifier);
            return base.VisitAssignStatement(assignStatement);
        }

        protected override Statement VisitForStatement(ForStatement forStatement)
        {
            Local.Add(forStatement.Identifier);
            return base.VisitForStatement(forStatement);
        }

        protected override Statement VisitCaptureStatement(CaptureStatement captureStatement)
        {
            Local.Add(captureStatement.Identifier);
            return base.VisitCaptureStatement(captureStatement);
        }
    }

    [GeneratedRegex("^[a-z]{2,3}(-[A-Z]{2})?$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalePattern();
}
