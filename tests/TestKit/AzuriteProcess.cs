// Shared source, compiled into more than one assembly (a linked <Compile Include>): the Azure Storage tests' fixture
// (tests/Storage.AzureStorage.Tests/AzuriteFixture.cs) and the Azurite benchmark (benchmarks/Benchmarks). Keep it free of
// test-framework and benchmark types.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace JourneyOrchestrator.Testing;

/// <summary>
/// One Azurite process (blob, queue and table services, in memory) on free 127.0.0.1 ports, started with
/// <c>--inMemoryPersistence --skipApiVersionCheck --loose</c>; <see cref="DisposeAsync"/> kills it and deletes its working folder.
/// </summary>
/// <remarks>
/// Azurite is <c>{folder}/node_modules/azurite</c>; when it is missing, <see cref="StartAsync"/> installs the pinned
/// <see cref="Version"/> there with npm (bounded time, a clear error without npm). Needs <c>node</c> on the PATH.
/// </remarks>
public sealed class AzuriteProcess : IAsyncDisposable
{
    public const string Version = "3.37.0";

    /// <summary>The environment variable that points every user of this class at one Azurite installation.</summary>
    public const string FolderVariable = "AZURITE_FOLDER";

    /// <summary>Azurite's well-known development account key (public, not a secret).</summary>
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _location;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private AzuriteProcess(Process process, string location, System.Collections.Concurrent.ConcurrentQueue<string> output, string connectionString)
    {
        _process = process;
        _location = location;
        _output = output;
        ConnectionString = connectionString;
    }

    /// <summary>A shared-key connection string to the three services of this process.</summary>
    public string ConnectionString { get; }

    /// <summary>The node process id (to read its CPU time).</summary>
    public int ProcessId => _process.Id;

    /// <summary>The first 200 lines Azurite wrote (for error messages).</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>
    /// The Azurite folder: <c>AZURITE_FOLDER</c> when set, else <paramref name="fallback"/> (the caller's default, usually
    /// <c>tests/Storage.AzureStorage.Tests/.azurite</c>).
    /// </summary>
    public static string Folder(string fallback) => Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } folder ? folder : fallback;

    /// <summary>Installs Azurite in <paramref name="folder"/> if needed, starts it, and returns once all three ports listen.</summary>
    /// <exception cref="InvalidOperationException">Azurite could not be installed or exited during start-up.</exception>
    /// <exception cref="TimeoutException">Installing or starting took too long.</exception>
    public static async Task<AzuriteProcess> StartAsync(string folder)
    {
        var script = Path.Combine(folder, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            await InstallAsync(folder).ConfigureAwait(false);
        }

        if (!File.Exists(script))
        {
            throw new InvalidOperationException($"Azurite was not found at '{script}' after installing it with npm.");
        }

        var (blob, queue, table) = (Loopback.FreePort(), Loopback.FreePort(), Loopback.FreePort());
        // Azurite writes its debug log and extent metadata to the working directory even in memory: a temp folder.
        var location = Path.Combine(Path.GetTempPath(), "journey-azurite", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(location);
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = location,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            script, "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
            "--blobPort", blob.ToString(CultureInfo.InvariantCulture),
            "--queuePort", queue.ToString(CultureInfo.InvariantCulture),
            "--tablePort", table.ToString(CultureInfo.InvariantCulture),
            "--inMemoryPersistence", "--skipApiVersionCheck", "--loose", "--silent",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Remember(string? line)
        {
            if (line is not null && output.Count < 200)
            {
                output.Enqueue(line);
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started.");
        var azurite = new AzuriteProcess(process, location, output,
            $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{blob}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{queue}/devstoreaccount1;" +
            $"TableEndpoint=http://127.0.0.1:{table}/devstoreaccount1;");
        try
        {
            process.OutputDataReceived += (_, e) => Remember(e.Data);
            process.ErrorDataReceived += (_, e) => Remember(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var deadline = DateTime.UtcNow + StartTimeout;
            foreach (var port in new[] { blob, queue, table })
            {
                while (!await ListensAsync(port).ConfigureAwait(false))
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"Azurite exited with code {process.ExitCode} before it listened on port {port}:{Environment.NewLine}{azurite.Output}");
                    }

                    if (DateTime.UtcNow > deadline)
                    {
                        throw new TimeoutException($"Azurite did not listen on 127.0.0.1:{port} within {StartTimeout.TotalSeconds} s.");
                    }

                    await Task.Delay(100).ConfigureAwait(false);
                }
            }

            return azurite;
        }
        catch
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the process (and its children) and deletes its working folder. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().ConfigureAwait(false);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
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
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"'npm install azurite@{Version}' into '{folder}' did not finish within {InstallTimeout.TotalMinutes} minutes.");
            }

            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"'npm install azurite@{Version}' into '{folder}' failed with exit code {process.ExitCode}:{Environment.NewLine}{await output.ConfigureAwait(false)}{await error.ConfigureAwait(false)}");
            }
        }
    }


    private static async Task<bool> ListensAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
