using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests;

/// <summary>
/// Starts Azurite (blob, queue, table; in memory) on free 127.0.0.1 ports for the test collection and stops it at the end.
/// Azurite comes from <c>tests/Storage.AzureStorage.Tests/.azurite/node_modules</c>; when it is missing the fixture installs
/// it there with npm (pinned version, bounded time), so <c>dotnet test</c> works on a fresh clone with node and npm.
/// <c>AZURITE_FOLDER</c> overrides the folder.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string Version = "3.37.0";
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private Process? _process;
    private string? _location;

    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    public string ConnectionString { get; private set; } = string.Empty;

    private string Output => string.Join(Environment.NewLine, _output);

    private void Remember(string? line)
    {
        if (line is not null && _output.Count < 200)
        {
            _output.Enqueue(line);
        }
    }

    public AzureStorageOptions Options(string prefix, TimeProvider? pacing = null) => new()
    {
        ConnectionString = ConnectionString,
        NamePrefix = prefix,
        PacingClock = pacing ?? TimeProvider.System,
    };

    /// <summary>A fresh name prefix, so that every test has its own tables, queues and container.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12];

    public async Task InitializeAsync()
    {
        var folder = Environment.GetEnvironmentVariable("AZURITE_FOLDER")
            ?? typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "AzuriteFolder").Value!;
        var script = Path.Combine(folder, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            await InstallAsync(folder);
        }

        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite was not found at '{script}' after installing it with npm.");
        }

        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        // Azurite writes its debug log and extent metadata to the working directory even in memory: a temp folder.
        _location = Path.Combine(Path.GetTempPath(), "journey-azurite", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_location);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = _location,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            script, "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        foreach (var port in new[] { blob, queue, table })
        {
            while (!await ListensAsync(port))
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode} before it listened on port {port}:{Environment.NewLine}{Output}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Azurite did not listen on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s.");
                }

                await Task.Delay(100);
            }
        }

        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;";
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
        if (_location is not null)
        {
            try
            {
                Directory.Delete(_location, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }

    private static async Task InstallAsync(string folder)
    {
        Directory.CreateDirectory(folder);
        var install = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = folder,
        };
        foreach (var argument in new[] { "install", "--no-audit", "--no-fund", "--no-save", "--prefix", folder, "azurite@" + Version })
        {
            install.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(install) ?? throw new InvalidOperationException("npm could not be started.");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"Azurite is not installed in '{folder}' and npm was not found to install it. Install Node.js with npm, or run " +
                $"'npm install --prefix {folder} azurite@{Version}' yourself.", exception);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(InstallTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"'npm install azurite@{Version}' into '{folder}' did not finish within {InstallTimeout.TotalMinutes} minutes.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"'npm install azurite@{Version}' into '{folder}' failed with exit code {process.ExitCode}:{Environment.NewLine}{await output}{await error}");
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> ListensAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
