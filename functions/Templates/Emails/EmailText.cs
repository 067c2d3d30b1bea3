using System.Text;

namespace JourneyOrchestrator.Templates.Emails;

/// <summary>Text that goes into e-mail headers.</summary>
public static class EmailText
{
    /// <summary>Whether <paramref name="c"/> breaks a header line: a control character (CR, LF, tab, NEL, ...) or a Unicode line or paragraph separator.</summary>
    public static bool BreaksLine(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';

    /// <summary>
    /// <paramref name="text"/> on one line: every control character (CR, LF, tab, ...) and the Unicode line and paragraph
    /// separators become a space, runs of them one space; trimmed. A subject can then never start a second header line,
    /// whatever a customer's name or the event data hold.
    /// </summary>
    public static string SingleLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = new StringBuilder(text.Length);
        var gap = false;
        foreach (var c in text)
        {
            if (BreaksLine(c))
            {
                gap = true;
                continue;
            }

            if (gap && line.Length > 0)
            {
                line.Append(' ');
            }

            gap = false;
            line.Append(c);
        }

        return line.ToString().Trim();
    }
}
