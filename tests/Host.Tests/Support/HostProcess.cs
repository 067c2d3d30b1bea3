using JourneyOrchestrator.Testing;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace JourneyOrchestrator.Host.Tests.Support;

/// <summary>
/// The real host process (<c>dotnet JourneyOrchestrator.Host.dll</c>, as built) on a free port of 127.0.0.1, in Development
/// with the manual clock starting Monday 5 January 2026, 09:00 UTC, on a temporary data folder. Stopped with SIGTERM.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    private readonly TestDirectory _directory = new();
    private readonly StringBuilder _output = new();
    private readonly Process _process;
    private readonly HttpClient _http;

    private HostProcess(IReadOnlyDictionary<string, string> environment)
    {
        Port = Loopback.FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _directory.Path,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(HostDll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseAddress.ToString().TrimEnd('/'));

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Journeys__Clock"] = "Manual";
        start.Environment["Journeys__ManualClock__Start"] = Start.ToString("O");
        start.Environment["Journeys__Storage__Sqlite__Path"] = Path.Combine(_directory.Path, "data");
        start.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in environment)
        {
            if (value.Length == 0)
            {
                start.Environment.Remove(key); // an empty value removes a default (e.g. Journeys__Clock)
            }
            else
            {
                start.Environment[key] = value;
            }
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
    }

    public int Port { get; }
    public Uri BaseAddress { get; }

    /// <summary>The data folder (Journeys__Storage__Sqlite__Path) of this process.</summary>
    public string DataFolder => Path.Combine(_directory.Path, "data");

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>The built host next to the tests' build (same configuration).</summary>
    public static string HostDll
    {
        get
        {
            var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var framework = testOutput.Name;
            var configuration = testOutput.Parent!.Name;
            for (var dir = testOutput; dir is not null; dir = dir.Parent)
            {
                var dll = Path.Combine(dir.FullName, "functions", "Host", "bin", configuration, framework, "JourneyOrchestrator.Host.dll");
                if (File.Exists(dll))
                {
                    return dll;
                }
            }

            throw new InvalidOperationException($"The built host (functions/Host/bin/{configuration}/{framework}/JourneyOrchestrator.Host.dll) was not found above {testOutput}.");
        }
    }

    /// <summary>Starts the process and waits (at most a minute) until <c>/health</c> answers.</summary>
    /// <param name="environment">Environment variables over the defaults (an empty value removes a default).</param>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var host = new HostProcess(environment ?? new Dictionary<string, string>());
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (host._process.HasExited)
            {
                throw new InvalidOperationException($"The host exited with code {host._process.ExitCode} before it answered:\n{host.Output}");
            }

            try
            {
                using var response = await host._http.GetAsync(new Uri("health", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await host.DisposeAsync();
                throw new TimeoutException($"The host did not answer /health within a minute:\n{host.Output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs the host to its exit without waiting for it to answer (for start-up failures); returns the exit code.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> environment)
    {
        await using var host = new HostProcess(environment);
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host._process.WaitForExitAsync(timeout.Token);
        host._process.WaitForExit();
        return (host._process.ExitCode, host.Output);
    }

    public HttpClient Client(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    /// <summary>Sends SIGTERM and waits (at most 30 s) for a graceful exit; returns the exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
                throw new TimeoutException($"The host did not stop within 30 s of SIGTERM:\n{Output}");
            }
        }

        _process.WaitForExit(); // flush the output readers
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as a crash: no shutdown, no lock released, nothing flushed. Waits for the process to be gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync();
            }
            catch (TimeoutException)
            {
                // Killed; the failing test reports its own error.
            }
        }

        _process.Dispose();
        _http.Dispose();
        _directory.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

}
