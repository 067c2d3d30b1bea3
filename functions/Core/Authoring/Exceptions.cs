namespace JourneyOrchestrator.Core.Authoring;

/// <summary>
/// The orchestration code did something on replay that its history says it did not do the first time.
/// The instance is failed with this error; fix the code or publish a new version.
/// </summary>
public sealed class NonDeterminismException : Exception
{
    public NonDeterminismException(string instanceId, int historyPosition, string expected, string actual)
        : base($"Non-deterministic orchestration '{instanceId}': at history position {historyPosition} the history has {expected}, but the code now does {actual}.")
    {
        InstanceId = instanceId;
        HistoryPosition = historyPosition;
        Expected = expected;
        Actual = actual;
    }

    public string InstanceId { get; }
    /// <summary>The index in the current execution's history of the event that does not match.</summary>
    public int HistoryPosition { get; }
    public string Expected { get; }
    public string Actual { get; }
}
