namespace JourneyOrchestrator.Cli.Tests.Support;

/// <summary>A folder of its own for a test that changes templates or scenarios; deleted afterwards.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Root = Directory.CreateTempSubdirectory("journey-cli-tests-").FullName;

    public string Root { get; }

    public string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes <paramref name="text"/> to <paramref name="relative"/> (folders made as needed) and returns its full path.</summary>
    public string Write(string relative, string text)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Copies a shipped template (e.g. <c>new-car-purchase</c>) and the shipped e-mails beside it; returns the template's path.</summary>
    public string CopyTemplate(string id, Func<string, string>? change = null)
    {
        var emails = Path.Combine(Repo.TemplatesFolder, "emails");
        Directory.CreateDirectory(PathOf("emails"));
        foreach (var file in Directory.EnumerateFiles(emails))
        {
            File.Copy(file, Path.Combine(PathOf("emails"), Path.GetFileName(file)), overwrite: true);
        }

        var text = File.ReadAllText(Path.Combine(Repo.TemplatesFolder, id + ".yaml"));
        return Write(id + ".yaml", change is null ? text : change(text));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temp folder left behind harms no test
        }
    }
}

/// <summary>Small helpers for changing copies of shipped files.</summary>
internal static class Text
{
    /// <summary>Replaces the one occurrence of <paramref name="old"/> (fails when it is not there exactly once: the shipped file changed).</summary>
    public static string ReplaceOnce(this string text, string old, string replacement)
    {
        var first = text.IndexOf(old, StringComparison.Ordinal);
        Assert.True(first >= 0, $"'{old}' is not in the text");
        Assert.True(text.IndexOf(old, first + 1, StringComparison.Ordinal) < 0, $"'{old}' is in the text more than once");
        return string.Concat(text.AsSpan(0, first), replacement, text.AsSpan(first + old.Length));
    }

    /// <summary>The 1-based number of the line of <paramref name="text"/> that contains <paramref name="snippet"/> (exactly one must).</summary>
    public static int LineOf(this string text, string snippet)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var found = Enumerable.Range(0, lines.Length).Where(i => lines[i].Contains(snippet, StringComparison.Ordinal)).ToList();
        Assert.True(found.Count == 1, $"'{snippet}' is on {found.Count} lines, not one");
        return found[0] + 1;
    }
}
