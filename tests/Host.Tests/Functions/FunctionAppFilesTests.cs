using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using JourneyOrchestrator.Host.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace JourneyOrchestrator.Host.Tests.Functions;

/// <summary>
/// The Azure Functions app as files: host.json, the function folders, the Bicep app settings they need, and the publish
/// folder that <c>azd deploy</c> zips.
/// </summary>
public sealed partial class FunctionAppFilesTests
{
    private static readonly string Root = typeof(FunctionAppFilesTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static IEnumerable<(string Name, JsonObject Trigger)> Functions() =>
        Directory.GetDirectories(Path.Combine(Root, "functions"))
            .Where(d => File.Exists(Path.Combine(d, "function.json")))
            .Select(d => (Path.GetFileName(d), (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(d, "function.json")))!["bindings"]!.AsArray()
                .First(b => b!["type"]!.GetValue<string>().EndsWith("Trigger", StringComparison.Ordinal))!));

    [Fact]
    public void HttpFunctions_CoverEveryApiRouteAndNoInvocationRoute()
    {
        using var host = new HostFactory();
        var routes = host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!.TrimStart('/')).Distinct().ToList();
        var httpRoutes = Functions().Where(f => f.Trigger["type"]!.GetValue<string>() == "httpTrigger")
            .Select(f => f.Trigger["route"]!.GetValue<string>()).ToList();
        var invocable = Functions().Where(f => f.Trigger["type"]!.GetValue<string>() != "httpTrigger").Select(f => f.Name).ToList();

        Assert.NotEmpty(routes);
        Assert.All(routes, route => Assert.True(httpRoutes.Any(h => Covers(h, route)), $"No HTTP function forwards '/{route}' (routes: {string.Join(", ", httpRoutes)})."));
        Assert.Equal(["control-00", "control-01", "control-02", "control-03", "sweep", "workitems"], invocable.Order(StringComparer.Ordinal));
        Assert.All(invocable, name => Assert.False(httpRoutes.Any(h => Covers(h, name)), $"An HTTP function would forward outside requests to the invocation route /{name}."));
    }

    [Fact]
    public void QueueFunctions_ReadTheirQueueAndConnectionFromAppSettingsTheBicepSets()
    {
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "modules", "functionapp.bicep"));
        var queues = Functions().Where(f => f.Trigger["type"]!.GetValue<string>() == "queueTrigger").ToList();

        Assert.Equal(5, queues.Count);
        foreach (var (name, trigger) in queues)
        {
            var queueName = trigger["queueName"]!.GetValue<string>();
            Assert.Matches("^%[A-Z0-9_]+%$", queueName);
            Assert.Contains($"name: '{queueName.Trim('%')}'", bicep, StringComparison.Ordinal);
            Assert.Equal("doorbell", trigger["name"]!.GetValue<string>());
            var connection = trigger["connection"]!.GetValue<string>();
            foreach (var part in new[] { "accountName", "credential", "clientId" })
            {
                Assert.True(bicep.Contains($"name: '{connection}__{part}'", StringComparison.Ordinal), $"{name}: the Bicep sets no {connection}__{part}.");
            }
        }
    }

    [Fact]
    public async Task Publish_HostJsonFunctionFoldersAndTheExecutableTogether()
    {
        var output = Path.Combine(Path.GetTempPath(), "journeys-publish-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exitCode, log) = await RunAsync("dotnet", "publish", Path.Combine(Root, "functions", "Host"), "-c", "Release", "-o", output, "-nologo");
            Assert.True(exitCode == 0, log);

            var hostJson = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(output, "host.json")))!;
            var handler = hostJson["customHandler"]!;
            Assert.True(handler["enableForwardingHttpRequest"]!.GetValue<bool>());
            var executable = Path.Combine(output, handler["description"]!["defaultExecutablePath"]!.GetValue<string>());
            Assert.True(File.Exists(executable), $"host.json names '{executable}', which the publish folder lacks.");
            if (!OperatingSystem.IsWindows())
            {
                Assert.True((File.GetUnixFileMode(executable) & UnixFileMode.UserExecute) != 0, "the host executable is not executable");
            }

            Assert.True(File.Exists(Path.Combine(output, "libhostfxr.so")), "the publish is not self-contained (the Flex Consumption 'custom' image has no .NET 10)");
            foreach (var (name, _) in Functions())
            {
                Assert.Equal(await File.ReadAllTextAsync(Path.Combine(Root, "functions", name, "function.json")),
                    await File.ReadAllTextAsync(Path.Combine(output, name, "function.json")));
            }

            Assert.True(File.Exists(Path.Combine(output, "templates", "new-car-purchase.yaml")));
            Assert.DoesNotContain(Directory.GetDirectories(output), d => Path.GetFileName(d) is "Host" or "Core");
        }
        finally
        {
            if (Directory.Exists(output))
            {
                Directory.Delete(output, recursive: true);
            }
        }
    }

    /// <summary>Whether the Functions HTTP route template <paramref name="template"/> matches the path <paramref name="path"/>.</summary>
    private static bool Covers(string template, string path)
    {
        if (template.EndsWith("/{*path}", StringComparison.Ordinal))
        {
            var prefix = template[..^"{*path}".Length];
            return path.StartsWith(prefix, StringComparison.Ordinal);
        }

        return string.Equals(template, path, StringComparison.Ordinal) || (ParameterPattern().IsMatch(template) && template.Split('/').Length == path.Split('/').Length
            && template.Split('/').Zip(path.Split('/')).All(p => p.First == p.Second || p.First.StartsWith('{')));
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex ParameterPattern();

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
