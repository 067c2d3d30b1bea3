using JourneyOrchestrator.FunctionApp.Configuration;
using JourneyOrchestrator.FunctionApp.Housekeeping;
using JourneyOrchestrator.FunctionApp.Tests.Support;
using JourneyOrchestrator.Templates.Scheduling;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Moq;

namespace JourneyOrchestrator.FunctionApp.Tests;

/// <summary>The purge timer against a Moq <see cref="DurableTaskClient"/>, and the retention settings it is built from.</summary>
public sealed class HousekeepingTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 3, 17, 0, TimeSpan.Zero);

    [Fact]
    public async Task Purge_AsksForFinishedJourneysCreatedInTheWindowBeforeTheCutOff()
    {
        var client = new Mock<DurableTaskClient>("test");
        PurgeInstancesFilter? asked = null;
        client.Setup(c => c.PurgeAllInstancesAsync(It.IsAny<PurgeInstancesFilter>(), It.IsAny<CancellationToken>()))
            .Callback<PurgeInstancesFilter, CancellationToken>((filter, _) => asked = filter)
            .ReturnsAsync(new PurgeResult(12));
        var logger = new ListLogger<PurgeFinishedJourneysFunction>();
        var function = new PurgeFinishedJourneysFunction(new JourneyRetention(IsoDuration.Parse("P90D"), TimeSpan.FromDays(7)), new FakeTimeProvider(Now), logger);

        var purged = await function.PurgeAsync(client.Object, CancellationToken.None);

        Assert.Equal(12, purged);
        Assert.NotNull(asked);
        Assert.Equal(Now.AddDays(-90), asked.CreatedTo);
        Assert.Equal(Now.AddDays(-97), asked.CreatedFrom);
        Assert.Equal(
            [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated],
            asked.Statuses!.Order());
        Assert.Contains(logger.Entries, e => e.Level == LogLevel.Information && e.EventId.Id == 5201 && e.Message.Contains("Purged 12", StringComparison.Ordinal));
        client.Verify(c => c.PurgeAllInstancesAsync(It.IsAny<PurgeInstancesFilter>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task Purge_CalendarRetention_CountsBackInCalendarUnits()
    {
        var client = new Mock<DurableTaskClient>("test");
        PurgeInstancesFilter? asked = null;
        client.Setup(c => c.PurgeAllInstancesAsync(It.IsAny<PurgeInstancesFilter>(), It.IsAny<CancellationToken>()))
            .Callback<PurgeInstancesFilter, CancellationToken>((filter, _) => asked = filter)
            .ReturnsAsync(new PurgeResult(0));
        var function = new PurgeFinishedJourneysFunction(new JourneyRetention(IsoDuration.Parse("P1Y"), TimeSpan.FromDays(1)), new FakeTimeProvider(Now), new ListLogger<PurgeFinishedJourneysFunction>());

        await function.PurgeAsync(client.Object, CancellationToken.None);

        Assert.Equal(new DateTimeOffset(2025, 12, 7, 3, 17, 0, TimeSpan.Zero), asked!.CreatedTo);
        Assert.Equal(new DateTimeOffset(2025, 12, 6, 3, 17, 0, TimeSpan.Zero), asked.CreatedFrom);
    }

    [Fact]
    public async Task Purge_ClientFails_LogsTheWindowAndRethrowsSoTheRunShowsFailed()
    {
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.PurgeAllInstancesAsync(It.IsAny<PurgeInstancesFilter>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new InvalidOperationException("task hub unavailable"));
        var logger = new ListLogger<PurgeFinishedJourneysFunction>();
        var function = new PurgeFinishedJourneysFunction(new JourneyRetention(IsoDuration.Parse("P90D"), TimeSpan.FromDays(7)), new FakeTimeProvider(Now), logger);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => function.PurgeAsync(client.Object, CancellationToken.None));

        Assert.Equal("task hub unavailable", e.Message);
        var entry = Assert.Single(logger.Entries);
        Assert.Equal((LogLevel.Error, 5202), (entry.Level, entry.EventId.Id));
        Assert.Same(e, entry.Exception);
        Assert.Contains(Now.AddDays(-97).ToString("O", System.Globalization.CultureInfo.InvariantCulture), entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Purge_HostStopping_CancelsWithoutLoggingAFailure()
    {
        using var stopping = new CancellationTokenSource();
        await stopping.CancelAsync();
        var client = new Mock<DurableTaskClient>("test");
        client.Setup(c => c.PurgeAllInstancesAsync(It.IsAny<PurgeInstancesFilter>(), It.IsAny<CancellationToken>()))
            .Returns<PurgeInstancesFilter, CancellationToken>((_, token) => Task.FromCanceled<PurgeResult>(token));
        var logger = new ListLogger<PurgeFinishedJourneysFunction>();
        var function = new PurgeFinishedJourneysFunction(new JourneyRetention(IsoDuration.Parse("P90D"), TimeSpan.FromDays(7)), new FakeTimeProvider(Now), logger);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => function.PurgeAsync(client.Object, stopping.Token));

        Assert.Empty(logger.Entries);
    }

    [Theory]
    [InlineData(null, null, "P90D", 7)]
    [InlineData("P30D", "P2D", "P30D", 2)]
    [InlineData("P1Y", "1.00:00:00", "P1Y", 1)]
    public void Retention_ValidSettings_AreRead(string? finished, string? window, string expected, int windowDays)
    {
        var problems = new List<string>();

        var retention = JourneyRetention.Resolve(finished, window, problems);

        Assert.Empty(problems);
        Assert.Equal(IsoDuration.Parse(expected), retention.FinishedJourneys);
        Assert.Equal(TimeSpan.FromDays(windowDays), retention.PurgeWindow);
    }

    [Theory]
    [InlineData("ninety days", null, "Journeys__Retention__FinishedJourneys 'ninety days' is not an ISO 8601 duration")]
    [InlineData("PT12H", null, "Journeys__Retention__FinishedJourneys 'PT12H' is shorter than one day")]
    [InlineData("-P90D", null, "Journeys__Retention__FinishedJourneys '-P90D' is not an ISO 8601 duration")]
    [InlineData(null, "P40D", "Journeys__Retention__PurgeWindow 'P40D' must be")]
    [InlineData(null, "PT0S", "Journeys__Retention__PurgeWindow 'PT0S' must be")]
    [InlineData(null, "P1M", "Journeys__Retention__PurgeWindow 'P1M' must be")]
    public void Retention_BadSettings_AreReportedWithTheSettingNamed(string? finished, string? window, string expected)
    {
        var problems = new List<string>();

        JourneyRetention.Resolve(finished, window, problems);

        Assert.StartsWith(expected, Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_OutsideDevelopmentWithoutErasureKeyApiKeysOrGoodRetention_StopTheStartNamingEach()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["Journeys:Retention:FinishedJourneys"] = "PT1H",
        }).Build();

        var e = Assert.Throws<FunctionAppConfigurationException>(() => FunctionAppSettings.Resolve(configuration, AppServices.Environment(Environments.Production)));

        Assert.Equal(3, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.StartsWith("Journeys__Erasure__HashKey is not set", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.StartsWith("No API keys are configured", StringComparison.Ordinal)); // the development keys work in Development only
        Assert.Contains(e.Problems, p => p.StartsWith("Journeys__Retention__FinishedJourneys", StringComparison.Ordinal));
    }

    [Fact]
    public void Settings_NoDataAccount_FallBackToTheHostStorageOrSayWhatToSet()
    {
        var fallback = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage:accountName"] = "stjourneys",
            ["AzureWebJobsStorage:clientId"] = "client-1",
        }).Build();
        var settings = FunctionAppSettings.Resolve(fallback, AppServices.Environment(Environments.Development));
        Assert.Equal(("stjourneys", "client-1"), (settings.DataStorage.AccountName, settings.DataStorage.ManagedIdentityClientId));

        var e = Assert.Throws<FunctionAppConfigurationException>(() =>
            FunctionAppSettings.Resolve(new ConfigurationBuilder().Build(), AppServices.Environment(Environments.Development)));
        Assert.StartsWith("No storage account for the product data", Assert.Single(e.Problems), StringComparison.Ordinal);
    }
}
