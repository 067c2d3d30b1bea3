using JourneyOrchestrator.Core.Authoring;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>
/// The one <see cref="DataConverter"/> of the cluster engine, shared by the worker's shim (orchestrator and activity
/// inputs, outputs, events, custom status) and the <see cref="DurableTaskAzureStorageClient"/>: System.Text.Json over
/// <see cref="JsonData.Options"/> (web defaults), so payloads read the same as on the embedded engine.
/// </summary>
public static class JourneyDataConverter
{
    public static DataConverter Shared { get; } = new JsonDataConverter(JsonData.Options);
}
