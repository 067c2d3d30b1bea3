namespace JourneyOrchestrator.Templates.Tests.Support;

/// <summary>Paths in the repository (the shipped templates live in functions/journey-templates, beside the projects).</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string TemplatesFolder => Path.Combine(Root, "functions", "journey-templates");

    public static string EmailsFolder => Path.Combine(TemplatesFolder, "emails");

    public static string Read(string relativeToTemplates) => File.ReadAllText(Path.Combine(TemplatesFolder, relativeToTemplates));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JourneyOrchestrator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (JourneyOrchestrator.sln) above " + AppContext.BaseDirectory);
    }
}
