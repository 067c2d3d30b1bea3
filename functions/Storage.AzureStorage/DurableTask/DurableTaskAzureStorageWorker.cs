using DurableTask.AzureStorage;
using DurableTask.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>
/// The cluster engine's worker: DurableTask.Core's <see cref="TaskHubWorker"/> over DurableTask.AzureStorage, running the
/// SDK orchestrators and activities of a <see cref="DurableTaskRegistry"/> through the SDK's <see cref="DurableTaskShimFactory"/>.
/// Any number of processes may run one against the same task hub; DurableTask.AzureStorage balances the partitions.
/// </summary>
/// <remarks>
/// <see cref="StartAsync"/> creates the task hub if needed. Every start builds a new orchestration service (a stopped
/// one cannot be started again), so the worker can be stopped and started again.
/// </remarks>
public sealed class DurableTaskAzureStorageWorker : IHostedService, IAsyncDisposable
{
    private readonly DurableTaskAzureStorageOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly TaskRegistrations _tasks;
    private readonly DurableTaskShimFactory _shims;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private TaskHubWorker? _worker;
    private int _disposed;

    public DurableTaskAzureStorageWorker(DurableTaskAzureStorageOptions options, DurableTaskRegistry registry, IServiceProvider services, ILoggerFactory? loggerFactory = null)
        : this(options, TaskRegistrations.From(registry), services, loggerFactory)
    {
    }

    public DurableTaskAzureStorageWorker(DurableTaskAzureStorageOptions options, TaskRegistrations tasks, IServiceProvider services, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tasks);
        ArgumentNullException.ThrowIfNull(services);
        options.Validate();
        _options = options;
        _services = services;
        _loggerFactory = loggerFactory;
        _tasks = tasks;
        _shims = new DurableTaskShimFactory(
            new DurableTaskWorkerOptions { DataConverter = JourneyDataConverter.Shared, MaximumTimerInterval = options.MaximumTimerInterval },
            loggerFactory);
    }

    /// <summary>Whether the worker is started.</summary>
    public bool IsRunning => _worker is not null;

    /// <summary>The service of the running worker (tests read its settings); null when stopped.</summary>
    internal AzureStorageOrchestrationService? Service { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_worker is not null)
            {
                return;
            }

            var service = TaskHubServiceFactory.Create(_options, _loggerFactory);
            try
            {
                await service.CreateIfNotExistsAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
                // Failures as structured details (type, message, stack, inner failure): what the SDK's client reads.
                var worker = new TaskHubWorker(service, _loggerFactory) { ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails };
                worker.AddTaskOrchestrations([.. _tasks.Orchestrators.Select(o => new ShimOrchestrationCreator(o.Key, o.Value, _services, _shims))]);
                worker.AddTaskActivities([.. _tasks.Activities.Select(a => new ShimActivityCreator(a.Key, a.Value, _services, _shims))]);
                await worker.StartAsync().ConfigureAwait(false);
                _worker = worker;
                Service = service;
            }
            catch
            {
                service.Dispose();
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops taking work and waits for the work items in flight (a graceful DTFx stop).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            if (_worker is not { } worker)
            {
                return;
            }

            _worker = null;
            await worker.StopAsync(isForced: cancellationToken.IsCancellationRequested).ConfigureAwait(false);
            worker.Dispose();
            Service?.Dispose();
            Service = null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the worker. Idempotent (a container that registered it as a hosted service too disposes it twice).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
