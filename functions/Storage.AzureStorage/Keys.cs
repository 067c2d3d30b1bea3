using System.Globalization;
using System.Text;

namespace JourneyOrchestrator.Storage.AzureStorage;

/// <summary>Row keys of the instance partition and the schedule table, and the stable partition hash.</summary>
/// <remarks>
/// Table keys may not contain <c>/ \ # ?</c> or control characters: those (and <c>%</c>, the escape) are written as
/// <c>%XX</c>. The encoding is character by character, so the key of a prefix is a prefix of the key.
/// </remarks>
internal static class Keys
{
    public const string InstanceRow = "$instance";
    public const string CounterRow = "$seq";
    public const string MessagePrefix = "m-";
    public const string ActivityPrefix = "a-";
    public const string HistoryPrefix = "h-";
    public const string SeenPrefix = "d-";

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

    public static string Message(long id) => MessagePrefix + id.ToString("D19", CultureInfo.InvariantCulture);

    public static long MessageId(string rowKey) => long.Parse(rowKey.AsSpan(MessagePrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);

    public static string Activity(string executionId, int sequence) =>
        ActivityPrefix + Encode(executionId) + "|" + sequence.ToString("D10", CultureInfo.InvariantCulture);

    public static string History(int epoch, long sequence) =>
        HistoryPrefix + epoch.ToString("D6", CultureInfo.InvariantCulture) + "-" + sequence.ToString("D10", CultureInfo.InvariantCulture);

    public static string Seen(string deduplicationId) => SeenPrefix + Encode(deduplicationId);

    /// <summary>The first key after every key that starts with <paramref name="prefix"/>.</summary>
    public static string After(string prefix) => prefix[..^1] + (char)(prefix[^1] + 1);

    /// <summary>A stable (FNV-1a) hash of the instance id, so every process maps an instance to the same partition.</summary>
    public static int Partition(string instanceId, int count)
    {
        var hash = 2166136261u;
        foreach (var c in instanceId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)count);
    }

    public static string Time(long unixMs) => Math.Max(0, unixMs).ToString("D15", CultureInfo.InvariantCulture);
}
