using JourneyOrchestrator.Cli.Tests.Support;

namespace JourneyOrchestrator.Cli.Tests;

/// <summary>The commands that call a host: without an API key they stop before any call, naming the variable to set.</summary>
public sealed class RemoteCommandTests
{
    public static TheoryData<string[], string> Commands() => new()
    {
        { ["inspect", "j-1"], "JOURNEY_API_KEY" },
        { ["inspect", "j-1", "--history", "--json", "--host", "https://journeys.example.com"], "JOURNEY_API_KEY" },
        { ["raise", "anna", "testdrive.booked", "--dealer", "demo-dealer", "--api-key-env", "DEALER_KEY"], "DEALER_KEY" },
        { ["publish", Repo.NewCarPurchase], "JOURNEY_API_KEY" },
        { ["replay", Repo.NewCarPurchase, "--journey", "j-1"], "JOURNEY_API_KEY" },
    };

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Without_an_API_key_nothing_is_sent_and_the_variable_is_named(string[] args, string variable)
    {
        using var handler = new RecordingHandler();
        var asked = new List<string>();

        var run = await CliRun.RunAsync(args, name => { asked.Add(name); return null; }, handler);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains($"set the environment variable {variable}", run.Output, StringComparison.Ordinal);
        Assert.Contains(variable, asked);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task A_blank_key_counts_as_none()
    {
        using var handler = new RecordingHandler();

        var run = await CliRun.RunAsync(["inspect", "j-1"], name => name == "JOURNEY_API_KEY" ? "   " : null, handler);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains("JOURNEY_API_KEY", run.Output, StringComparison.Ordinal);
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task With_a_key_the_host_is_called_with_it_in_the_header_only()
    {
        // The control for the tests above: the same command with a key does reach the (fake) host.
        using var handler = new RecordingHandler();

        var run = await CliRun.RunAsync(["inspect", "j-1", "--json"], name => name == "JOURNEY_API_KEY" ? "secret-key" : null, handler);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var request = Assert.Single(handler.Requests);
        Assert.Equal("http://127.0.0.1:7071/api/journeys/j-1", request.RequestUri!.ToString());
        Assert.Equal(["secret-key"], request.Headers.GetValues("X-Api-Key"));
        Assert.DoesNotContain("secret-key", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"id\": \"j-1\"", run.Output, StringComparison.Ordinal);
    }

    /// <summary>Records every request and answers a small journey; no network.</summary>
    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK)
            {
                Content = new StringContent("{\"id\":\"j-1\",\"status\":\"Running\"}", System.Text.Encoding.UTF8, "application/json"),
            });
        }
    }
}
