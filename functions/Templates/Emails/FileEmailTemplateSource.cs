using System.Text.RegularExpressions;

namespace JourneyOrchestrator.Templates.Emails;

/// <summary>E-mail templates as files <c>{folder}/{name}.liquid</c>. Names are lowercase letters, digits, '-' and '_' (no paths).</summary>
public sealed partial class FileEmailTemplateSource(string folder) : IEmailTemplateSource
{
    public string Folder { get; } = Path.GetFullPath(folder ?? throw new ArgumentNullException(nameof(folder)));

    public bool Exists(string name) => PathOf(name) is { } path && File.Exists(path);

    public string? Get(string name) => PathOf(name) is { } path && File.Exists(path) ? File.ReadAllText(path) : null;

    /// <summary>True for names a template may use: 1-100 of a-z, 0-9, '-', '_'.</summary>
    public static bool IsValidName(string? name) => name is not null && NamePattern().IsMatch(name);

    private string? PathOf(string name) => IsValidName(name) ? Path.Combine(Folder, name + ".liquid") : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9_-]{0,99}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
