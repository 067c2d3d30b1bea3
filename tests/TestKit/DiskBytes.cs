// Shared source, compiled into more than one assembly (a linked <Compile Include>): the SQLite store tests and the host's
// end-to-end erasure tests. Keep it free of test-framework types.
using System.Text;

namespace JourneyOrchestrator.Testing;

/// <summary>
/// Looks for text in the raw bytes of every file of a folder (databases, <c>-wal</c>, <c>-shm</c>, anything else), as
/// <c>grep -a</c> would: UTF-8, and also UTF-16 (little-endian), case-insensitively for ASCII. Files another process holds
/// exclusively (the stores' <c>.lock</c> files, which are empty) are skipped.
/// </summary>
public static class DiskBytes
{
    /// <summary>Every (file name, needle) found; empty when none of the needles is in any file.</summary>
    public static IReadOnlyList<string> Find(string folder, params string[] needles)
    {
        ArgumentNullException.ThrowIfNull(needles);
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            byte[] bytes;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var memory = new MemoryStream();
                stream.CopyTo(memory);
                bytes = memory.ToArray();
            }
            catch (IOException)
            {
                continue; // held exclusively: a lock file
            }

            var lowered = Lower(bytes);
            foreach (var needle in needles)
            {
                if (lowered.AsSpan().IndexOf(Lower(Encoding.UTF8.GetBytes(needle))) >= 0 ||
                    lowered.AsSpan().IndexOf(Lower(Encoding.Unicode.GetBytes(needle))) >= 0)
                {
                    found.Add($"{Path.GetRelativePath(folder, file)}: '{needle}'");
                }
            }
        }

        return found;
    }

    /// <summary>The names of the files in the folder with their sizes (for messages).</summary>
    public static string Listing(string folder) =>
        string.Join(", ", Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(folder, f)} ({new FileInfo(f).Length} bytes)"));

    private static byte[] Lower(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        for (var i = 0; i < copy.Length; i++)
        {
            if (copy[i] is >= (byte)'A' and <= (byte)'Z')
            {
                copy[i] = (byte)(copy[i] + 32);
            }
        }

        return copy;
    }
}
