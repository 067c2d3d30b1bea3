namespace JourneyOrchestrator.Api;

/// <summary>The host's configuration is unusable; the message lists every problem and how to fix it. The host does not start.</summary>
public sealed class HostConfigurationException : Exception
{
    public HostConfigurationException(IReadOnlyList<string> problems)
        : base("JourneyOrchestrator cannot start; fix its configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
    {
        Problems = problems;
    }

    public HostConfigurationException()
        : this([])
    {
    }

    public HostConfigurationException(string message)
        : base(message)
    {
        Problems = [message];
    }

    public HostConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [message];
    }

    public IReadOnlyList<string> Problems { get; } = [];
}
