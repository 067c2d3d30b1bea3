using JourneyOrchestrator.Storage.AzureStorage.DurableTask;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JourneyOrchestrator.Storage.AzureStorage.Tests.DurableTask;

/// <summary>The cluster engine's options and registration, without storage.</summary>
public sealed class DurableTaskOptionsTests
{
    private static DurableTaskAzureStorageOptions Valid() => new() { ConnectionString = "UseDevelopmentStorage=true" };

    [Theory]
    [InlineData(nameof(DurableTaskAzureStorageOptions.ConnectionString))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.TaskHubName))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.PartitionCount))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.MaxQueuePollingInterval))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.MaximumTimerInterval))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.MaxConcurrentActivities))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.WorkerId))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.EventStartWait))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.LeaseInterval))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.LeaseRenewInterval))]
    [InlineData(nameof(DurableTaskAzureStorageOptions.WorkItemQueueVisibilityTimeout))]
    public void Validate_names_the_setting_that_is_wrong(string setting)
    {
        var options = Valid();
        switch (setting)
        {
            case nameof(options.ConnectionString): options.ConnectionString = null; break;
            case nameof(options.TaskHubName): options.TaskHubName = "my-hub"; break;
            case nameof(options.PartitionCount): options.PartitionCount = 17; break;
            case nameof(options.MaxQueuePollingInterval): options.MaxQueuePollingInterval = TimeSpan.FromMinutes(5); break;
            case nameof(options.MaximumTimerInterval): options.MaximumTimerInterval = TimeSpan.FromDays(7); break;
            case nameof(options.MaxConcurrentActivities): options.MaxConcurrentActivities = 0; break;
            case nameof(options.WorkerId): options.WorkerId = " "; break;
            case nameof(options.EventStartWait): options.EventStartWait = TimeSpan.FromMinutes(2); break;
            case nameof(options.LeaseInterval): options.LeaseInterval = TimeSpan.FromSeconds(1); break;
            case nameof(options.LeaseRenewInterval): options.LeaseRenewInterval = options.LeaseInterval; break; // must be shorter
            case nameof(options.WorkItemQueueVisibilityTimeout): options.WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(1); break;
        }

        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal(setting, error.ParamName);
    }

    [Fact]
    public void The_defaults_are_valid_with_an_account_and_poll_every_two_seconds_at_most()
    {
        var options = new DurableTaskAzureStorageOptions { AccountName = "journeys" };
        options.Validate();
        Assert.Equal(TimeSpan.FromSeconds(2), options.MaxQueuePollingInterval);
        var settings = TaskHubServiceFactory.Settings(Valid());
        Assert.Equal(TimeSpan.FromSeconds(2), settings.MaxQueuePollingInterval);
        Assert.Equal("journeys", settings.TaskHubName);
        Assert.Equal(4, settings.PartitionCount);
        Assert.Equal(TimeSpan.FromSeconds(10), options.EventStartWait);
        // DurableTask.AzureStorage's own lease and visibility defaults, unless set.
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5)),
            (settings.LeaseInterval, settings.LeaseRenewInterval, settings.ControlQueueVisibilityTimeout, settings.WorkItemQueueVisibilityTimeout));
        // Several processes on one machine never share a lease owner name.
        Assert.Equal($"{Environment.MachineName}-{Environment.ProcessId}", options.WorkerId);
    }

    [Fact]
    public async Task Registration_validates_first_and_adds_the_client_and_the_hosted_worker_only_when_asked()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddDurableTaskAzureStorage(new DurableTaskAzureStorageOptions(), _ => { }));

        await using var worker = new ServiceCollection().AddDurableTaskAzureStorage(Valid(), tasks => tasks.AddOrchestrator<WaitForGoOrchestrator>()).BuildServiceProvider();
        Assert.IsType<DurableTaskAzureStorageWorker>(Assert.Single(worker.GetServices<IHostedService>()));
        Assert.Same(worker.GetRequiredService<DurableTaskAzureStorageClient>(), worker.GetRequiredService<DurableTaskClient>());
        Assert.Same(JourneyDataConverter.Shared, worker.GetRequiredService<DataConverter>());

        var clientOnly = Valid();
        clientOnly.RunWorker = false;
        await using var client = new ServiceCollection().AddDurableTaskAzureStorage(clientOnly, _ => { }).BuildServiceProvider();
        Assert.Empty(client.GetServices<IHostedService>());
        Assert.NotNull(client.GetRequiredService<DurableTaskClient>());
    }

    [Fact]
    public void Several_versions_of_one_name_are_refused_with_the_name()
    {
        var registry = new DurableTaskRegistry()
            .AddOrchestrator("twice", new TaskVersion("1"), () => new WaitForGoOrchestrator())
            .AddOrchestrator("twice", new TaskVersion("2"), () => new WaitForGoOrchestrator());
        var error = Assert.Throws<NotSupportedException>(() => TaskRegistrations.From(registry));
        Assert.Contains("'twice'", error.Message, StringComparison.Ordinal);
    }
}
