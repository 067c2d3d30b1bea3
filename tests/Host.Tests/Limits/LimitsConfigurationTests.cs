using System.Net;
using JourneyOrchestrator.Host.Configuration;
using JourneyOrchestrator.Host.Tests.Support;
using JourneyOrchestrator.Templates.Interpreter;
using JourneyOrchestrator.Templates.Validation;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static JourneyOrchestrator.Host.Tests.Support.Api;

namespace JourneyOrchestrator.Host.Tests.Limits;

/// <summary><c>Journeys:Templates:MinimumLoopWait</c> and <c>Journeys:Templates:Liquid:*</c>: read, checked, and used by the validator.</summary>
public sealed class LimitsConfigurationTests
{
    private const string TenMinuteLoop = """
        id: ten-minute-loop
        name: Ten-minute loop
        events: [loop.start]
        entry: { events: [loop.start] }
        start: call
        steps:
          - { id: call, kind: task, task: call, title: Call, next: pause }
          - { id: pause, kind: wait, duration: PT10M, next: again }
          - { id: again, kind: repeat, goto: call }
        """;

    [Fact]
    public void Defaults_AreOneHourAndTheDocumentedLiquidLimits()
    {
        var settings = Resolve([]);

        Assert.Equal(TimeSpan.FromHours(1), settings.TemplateValidation.MinimumLoopWait);
        Assert.Equal(100_000, settings.TemplateValidation.Liquid.MaxSteps);
        Assert.Equal(256 * 1024, settings.TemplateValidation.Liquid.MaxBodyLength);
        Assert.Equal(1000, settings.TemplateValidation.Liquid.MaxLineLength);
    }

    [Theory]
    [InlineData("PT10M", 600)]
    [InlineData("P1D", 86400)]
    [InlineData("00:05:00", 300)]
    public void MinimumLoopWait_IsRead(string value, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), Resolve(new() { ["Journeys:Templates:MinimumLoopWait"] = value }).TemplateValidation.MinimumLoopWait);

    [Theory]
    [InlineData("Journeys:Templates:MinimumLoopWait", "P1M", "Journeys__Templates__MinimumLoopWait")]
    [InlineData("Journeys:Templates:MinimumLoopWait", "an hour", "Journeys__Templates__MinimumLoopWait")]
    [InlineData("Journeys:Templates:Liquid:MaxSteps", "0", "Journeys__Templates__Liquid__")]
    public void BadLimits_AreRefusedNamingTheSetting(string key, string value, string named)
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new() { [key] = value }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheConfiguredMinimum_IsWhatPublishChecks()
    {
        await using (var strict = new HostFactory())
        {
            var problem = await (await strict.Client(HostFactory.MarketingKey).PutAsync(U("/api/templates/ten-minute-loop"), Text(TenMinuteLoop, "application/yaml")))
                .ProblemAsync(HttpStatusCode.UnprocessableEntity, "steps[0]");
            Assert.Contains("'pause' waits only PT10M", problem["errors"]![0]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }

        await using var lenient = new HostFactory(settings: new Dictionary<string, string?> { ["Journeys:Templates:MinimumLoopWait"] = "PT10M" });
        await (await lenient.Client(HostFactory.MarketingKey).PutAsync(U("/api/templates/ten-minute-loop"), Text(TenMinuteLoop, "application/yaml")))
            .ReadJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public void Budget_IsReadAndReachesTheInterpreter()
    {
        Assert.Equal(new JourneyBudget(), Resolve([]).Budget);
        using var host = new HostFactory(settings: new Dictionary<string, string?> { ["Journeys:Budget:MaxTouchpointsPerHour"] = "3", ["Journeys:Budget:MaxEventBytesPerHour"] = "0" });

        var budget = host.Services.GetRequiredService<JourneyBudget>();

        Assert.Equal(3, budget.MaxTouchpointsPerHour);
        Assert.Equal(0, budget.MaxEventBytesPerHour);
        Assert.Equal(2000, budget.MaxStepsPerHour);
    }

    [Fact]
    public void NegativeBudget_IsRefusedNamingTheSetting()
    {
        var error = Assert.Throws<HostConfigurationException>(() => Resolve(new() { ["Journeys:Budget:MaxStepsPerHour"] = "-1" }));

        Assert.Contains("Journeys__Budget__MaxStepsPerHour (-1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidatorOptions_ReachTheRegisteredValidator()
    {
        using var host = new HostFactory(settings: new Dictionary<string, string?> { ["Journeys:Templates:MinimumLoopWait"] = "PT2H", ["Journeys:Templates:Liquid:MaxLineLength"] = "500" });
        var validator = host.Services.GetRequiredService<TemplateValidator>();

        Assert.Equal(TimeSpan.FromHours(2), validator.Options.MinimumLoopWait);
        Assert.Equal(500, validator.Options.Liquid.MaxLineLength);
    }

    private static JourneyHostSettings Resolve(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return JourneyHostSettings.Resolve(configuration, new Environment());
    }

    private sealed class Environment : Microsoft.Extensions.Hosting.IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Development";
        public string ApplicationName { get; set; } = "JourneyOrchestrator.Host";
        public string ContentRootPath { get; set; } = Path.GetTempPath();
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
