using System.Globalization;
using System.Text;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>Table keys of the product data stores: escaping and prefix ranges.</summary>
/// <remarks>
/// Table keys may not contain <c>/ \ # ?</c> or control characters: those (and <c>%</c>, the escape) are written as
/// <c>%XX</c>. The encoding is character by character, so the key of a prefix is a prefix of the key.
/// </remarks>
internal static class Keys
{
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        StringBuilder? builder = null;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c))
            {
                builder ??= new StringBuilder(value, 0, i, value.Length + 8);
                builder.Append('%').Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                builder?.Append(c);
            }
        }

        return builder?.ToString() ?? value;
    }

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static string After(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);
}
