namespace JourneyOrchestrator.Cli.Tests.Support;

/// <summary>Paths in the repository (the shipped templates live in functions/journey-templates, beside the projects).</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string TemplatesFolder => Path.Combine(Root, "functions", "journey-templates");

    public static string NewCarPurchase => Path.Combine(TemplatesFolder, "new-car-purchase.yaml");

    public static string Scenario(string template, string name) => Path.Combine(TemplatesFolder, "scenarios", template, name + ".yaml");

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
