using System.Diagnostics;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Tests.Support;

namespace JourneyOrchestrator.FunctionApp.Tests;

/// <summary>
/// One <c>dotnet publish</c> of the app per test run (Release, as <c>azd deploy</c> publishes it), into a folder of its own:
/// <c>--artifacts-path</c> keeps its obj and bin apart from the solution's build and from any other publish running in
/// parallel (the Host tests publish the same referenced projects).
/// </summary>
public sealed class PublishFixture : IAsyncLifetime
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "journeys-funcapp-publish-" + Guid.NewGuid().ToString("N"));
    public string Output => Path.Combine(Folder, "out");
    public int ExitCode { get; private set; } = -1;
    public string Log { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
        {
            "publish", Path.Combine(Repo.Root, "functions", "FunctionApp", "FunctionApp.csproj"), "-c", "Release",
            "--artifacts-path", Path.Combine(Folder, "artifacts"), "-o", Output, "--disable-build-servers", "-nologo",
            "-warnaserror", "-warnnotaserror:NU1603",
        })
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild variables would point the child at the test's SDK resolution; let it find its own.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath" })
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        ExitCode = process.ExitCode;
        Log = await stdout + await stderr;
    }

    public Task DisposeAsync()
    {
        if (Directory.Exists(Folder))
        {
            Directory.Delete(Folder, recursive: true);
        }

        return Task.CompletedTask;
    }
}

public sealed class PublishTests(PublishFixture publish) : IClassFixture<PublishFixture>
{
    [Fact]
    public void Publish_Succeeds()
    {
        Assert.True(publish.ExitCode == 0, publish.Log);
    }

    [Fact]
    public async Task Publish_FunctionsMetadataListsEveryFunctionWithItsTrigger()
    {
        Assert.True(publish.ExitCode == 0, publish.Log);
        var functions = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(publish.Output, "functions.metadata")))!.AsArray()
            .ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!["bindings"]!.AsArray().Select(b => b!["type"]!.GetValue<string>()).ToList(), StringComparer.Ordinal);

        var expected = new Dictionary<string, string[]>
        {
            [JourneyNames.Orchestration] = ["orchestrationTrigger"],
            [JourneyNames.SendEmailActivity] = ["activityTrigger"],
            [JourneyNames.CreateTaskActivity] = ["activityTrigger"],
            [JourneyNames.PushTaskToCrmActivity] = ["activityTrigger"],
            [JourneyNames.DeadLetterCrmPushActivity] = ["activityTrigger"],
            [JourneyNames.EscalateTaskActivity] = ["activityTrigger"],
            [JourneyNames.PublishMilestoneActivity] = ["activityTrigger"],
            [Housekeeping.PurgeFinishedJourneysFunction.Name] = ["timerTrigger", "durableClient"],
            [FunctionApp.Http.ApiFunction.Name] = ["httpTrigger", "durableClient", "http"],
            [FunctionApp.Events.QueuedEventsFunction.Name] = ["queueTrigger", "durableClient"],
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), functions.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, bindings) in expected)
        {
            Assert.Equal(bindings, functions[name]);
        }
    }

    [Fact]
    public async Task Publish_CarriesTheDurableExtensionTheWorkerAndTheAppsHostJson()
    {
        Assert.True(publish.ExitCode == 0, publish.Log);
        var extensions = Path.Combine(publish.Output, ".azurefunctions");
        Assert.True(File.Exists(Path.Combine(extensions, "Microsoft.Azure.WebJobs.Extensions.DurableTask.dll")), "no Durable extension in .azurefunctions/");
        var registered = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(publish.Output, "extensions.json")))!["extensions"]!.AsArray();
        Assert.Contains(registered, e => e!["name"]!.GetValue<string>() == "DurableTask");
        Assert.Contains(registered, e => e!["name"]!.GetValue<string>() == "AzureStorageQueues"); // the bulk event queue trigger

        var worker = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(publish.Output, "worker.config.json")))!["description"]!;
        Assert.Equal("dotnet-isolated", worker["language"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(publish.Output, worker["defaultWorkerPath"]!.GetValue<string>())));

        var hostJson = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(publish.Output, "host.json")))!;
        Assert.Null(hostJson["customHandler"]);
        Assert.Null(hostJson["extensionBundle"]); // an isolated app brings its extensions (.azurefunctions/)
        var durable = hostJson["extensions"]!["durableTask"]!;
        Assert.Equal("%JOURNEYS_TASKHUB%", durable["hubName"]!.GetValue<string>());
        Assert.Equal("00:00:02", durable["storageProvider"]!["maxQueuePollingInterval"]!.GetValue<string>());

        Assert.Equal("", hostJson["extensions"]!["http"]!["routePrefix"]!.GetValue<string>()); // the API's paths are the embedded host's
        Assert.True(File.Exists(Path.Combine(publish.Output, "templates", "emails", "brochure-follow-up.liquid")), "the e-mail templates the activity renders are missing");
        Assert.True(File.Exists(Path.Combine(publish.Output, "templates", "new-car-purchase.yaml")), "the shipped templates published at start are missing");
        Assert.False(File.Exists(Path.Combine(publish.Output, "local.settings.json")), "local.settings.json must never be deployed");
    }
}
