using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Host.Tests.Support;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.EndToEnd;

/// <summary>
/// Issue 16, finding 1, through the real host process: template uploads built to exhaust the loader (a YAML document nested
/// 50,000 levels, which overflowed the stack and killed the process; a billion laughs; oversized bodies) are answered with
/// 413/422 problems naming the limit, and the process stays up and answers afterwards. One process for the whole class,
/// with one limit set through the environment to show the limits are read from Journeys:Templates:Limits.
/// </summary>
[Collection(EndToEndCollection.Name)]
public sealed class TemplateBombTests(TemplateBombTests.BombHost fixture) : IClassFixture<TemplateBombTests.BombHost>
{
    private const string Marketing = "dev-marketing-key";
    private const int ConfiguredAliases = 40; // above the 34 the billion laughs needs to reach the node limit

    private static readonly string Bomb = "bomb: " + new string('[', 50_000) + new string(']', 50_000) + "\n";

    private static readonly string BillionLaughs = BuildBillionLaughs();

    private const string Small = "id: small\nname: Small\nstart: done\nsteps:\n  - id: done\n    kind: end\n";

    [Fact]
    public async Task Validate_Yaml50000Deep_Is422NamingMaxDepth_AndTheHostStaysUp()
    {
        using var client = fixture.Process.Client(Marketing);

        var problem = await (await client.PostAsync(U("/api/templates/validate"), Text(Bomb, "application/yaml")))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, errorPath: null);

        AssertLimit(problem, "Journeys:Templates:Limits:MaxDepth", 32);
        Assert.StartsWith("bomb[0][0]", problem["path"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(1, problem["line"]!.GetValue<int>());
        await AssertStillServingAsync(client);
    }

    [Fact]
    public async Task Validate_BlockStyleAndJson50000Deep_Are422()
    {
        using var client = fixture.Process.Client(Marketing);
        var block = string.Concat(Enumerable.Repeat("- ", 50_000)) + "x\n";
        var json = "{\"bomb\":" + new string('[', 50_000) + new string(']', 50_000) + "}";

        var fromBlock = await (await client.PostAsync(U("/api/templates/validate"), Text(block, "application/yaml"))).ProblemAsync(HttpStatusCode.UnprocessableEntity);
        var fromJson = await (await client.PostAsync(U("/api/templates/validate"), Text(json, "application/json"))).ProblemAsync(HttpStatusCode.UnprocessableEntity);

        AssertLimit(fromBlock, "Journeys:Templates:Limits:MaxDepth", 32);
        AssertLimit(fromJson, "Journeys:Templates:Limits:MaxDepth", 32);
        await AssertStillServingAsync(client);
    }

    [Fact]
    public async Task Publish_BillionLaughs_Is422NamingMaxNodes_AndNothingIsPublished()
    {
        using var client = fixture.Process.Client(Marketing);

        var problem = await (await client.PutAsync(U("/api/templates/laughs"), Text(BillionLaughs, "application/yaml")))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, "a4[3]"); // a3 holds 11,111 nodes; its fourth alias in a4 passes 50,000

        AssertLimit(problem, "Journeys:Templates:Limits:MaxNodes", 50_000);
        await (await client.GetAsync(U("/api/templates/laughs"))).ProblemAsync(HttpStatusCode.NotFound);
        await AssertStillServingAsync(client);
    }

    [Fact]
    public async Task Validate_MoreAliasesThanConfigured_Is422WithTheConfiguredValue()
    {
        using var client = fixture.Process.Client(Marketing);
        var text = "id: x\nname: &n N\nevents: [" + string.Join(", ", Enumerable.Repeat("*n", ConfiguredAliases + 1)) + "]\n";

        var problem = await (await client.PostAsync(U("/api/templates/validate"), Text(text, "application/yaml")))
            .ProblemAsync(HttpStatusCode.UnprocessableEntity, $"events[{ConfiguredAliases}]");

        AssertLimit(problem, "Journeys:Templates:Limits:MaxAliases", ConfiguredAliases);
        Assert.Equal(3, problem["line"]!.GetValue<int>());
    }

    [Fact]
    public async Task Validate_ThousandsOfDuplicateKeys_ListsACappedNumberOfErrors()
    {
        using var client = fixture.Process.Client(Marketing);
        var text = new StringBuilder(Small);
        for (var i = 0; i < 20_000; i++)
        {
            text.Append("name: again\n");
        }

        var body = await (await client.PostAsync(U("/api/templates/validate"), Text(text.ToString(), "application/yaml"))).ReadJsonAsync(HttpStatusCode.OK);

        Assert.False(body["valid"]!.GetValue<bool>());
        var errors = body["errors"]!.AsArray();
        Assert.Equal(101, errors.Count);
        Assert.All(errors.Take(100), e => Assert.StartsWith("Duplicate key 'name'", e!["message"]!.GetValue<string>(), StringComparison.Ordinal));
        Assert.StartsWith("…and 19,900 more error(s)", errors[100]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_OverTheSizeLimit_Is413NamingMaxDocumentBytes_WithOrWithoutALength()
    {
        using var client = fixture.Process.Client(Marketing);
        var big = "# " + new string('x', (1024 * 1024) + 10) + "\n" + Small;

        var declared = await (await client.PostAsync(U("/api/templates/validate"), Text(big, "application/yaml"))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        using var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)).AsUnsizedStream());
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/yaml");
        var streamed = await (await client.PostAsync(U("/api/templates/validate"), chunked)).ProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        AssertLimit(declared, "Journeys:Templates:Limits:MaxDocumentBytes", 1024 * 1024);
        AssertLimit(streamed, "Journeys:Templates:Limits:MaxDocumentBytes", 1024 * 1024);
        await AssertStillServingAsync(client);
    }

    [Fact]
    public async Task Start_WithALimitOutOfRange_ExitsWithCode2NamingTheSetting()
    {
        var (exitCode, output) = await HostProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["Journeys__Templates__Limits__MaxDepth"] = "1000",
            ["Journeys__Templates__Limits__MaxNodes"] = "0",
        });

        Assert.Equal(2, exitCode);
        Assert.Contains("Journeys__Templates__Limits__MaxDepth is 1000", output, StringComparison.Ordinal);
        Assert.Contains("Journeys__Templates__Limits__MaxNodes is 0", output, StringComparison.Ordinal);
    }

    private static void AssertLimit(JsonNode problem, string limit, long value)
    {
        Assert.Equal(limit, problem["limit"]?.GetValue<string>());
        Assert.Equal(value, problem["value"]!.GetValue<long>());
        Assert.False(string.IsNullOrEmpty(problem["path"]?.GetValue<string>()));
        Assert.Contains(limit, problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var error = Assert.Single(problem["errors"]!.AsArray());
        Assert.Equal(problem["path"]!.GetValue<string>(), error!["path"]!.GetValue<string>());
    }

    /// <summary>The process answers /health and still validates a small template.</summary>
    private static async Task AssertStillServingAsync(HttpClient client)
    {
        using (var health = await client.GetAsync(U("/health")))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var body = await (await client.PostAsync(U("/api/templates/validate"), Text(Small, "application/yaml"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(body["valid"]!.GetValue<bool>(), body.ToJsonString());
    }

    private static string BuildBillionLaughs()
    {
        var text = new StringBuilder("a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var i = 1; i <= 6; i++)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"a{i}: &a{i} [").Append(string.Join(",", Enumerable.Repeat($"*a{i - 1}", 10))).Append("]\n");
        }

        return text.ToString();
    }

    /// <summary>One host process for the class, with <c>Journeys__Templates__Limits__MaxAliases</c> set.</summary>
    public sealed class BombHost : IAsyncLifetime
    {
        private HostProcess? _process;

        public HostProcess Process => _process ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() =>
            _process = await HostProcess.StartAsync(new Dictionary<string, string>
            {
                ["Journeys__Templates__Limits__MaxAliases"] = ConfiguredAliases.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });

        public async Task DisposeAsync()
        {
            if (_process is not null)
            {
                await _process.DisposeAsync();
            }
        }
    }
}

/// <summary>A stream that does not tell its length, so HttpClient sends it chunked.</summary>
internal static class UnsizedStreamExtensions
{
    public static Stream AsUnsizedStream(this Stream inner) => new Unsized(inner);

    private sealed class Unsized(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
