using JourneyOrchestrator.Core.Authoring;
using Microsoft.DurableTask;

namespace JourneyOrchestrator.Storage.AzureStorage.DurableTask;

/// <summary>
/// The one <see cref="DataConverter"/> of the cluster engine, shared by the worker's shim (orchestrator and activity
/// inputs, outputs, events, custom status) and the <see cref="DurableTaskAzureStorageClient"/>: <see cref="JsonData"/>, the
/// embedded engine's System.Text.Json serialisation (web defaults), so payloads read the same on both engines.
/// </summary>
public sealed class JourneyDataConverter : DataConverter
{
    private JourneyDataConverter()
    {
    }

    public static JourneyDataConverter Shared { get; } = new();

    public override string? Serialize(object? value) => JsonData.Serialize(value);

    public override object? Deserialize(string? data, Type targetType) => JsonData.Deserialize(data, targetType);
}
