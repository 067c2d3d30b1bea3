namespace JourneyOrchestrator.Core.Client;

/// <summary>Input checks shared by the client and the HTTP host; each throws an <see cref="ArgumentException"/> saying what is wrong.</summary>
public static class Validate
{
    public const int MaxIdLength = 200;
    public const int MaxEventNameLength = 200;

    public static void InstanceId(string? instanceId) => Identifier(instanceId, "instance id", nameof(instanceId));

    public static void EventId(string? eventId) => Identifier(eventId, "event id", nameof(eventId));

    public static void EventName(string? eventName)
    {
        if (string.IsNullOrWhiteSpace(eventName))
        {
            throw new ArgumentException("The event name is empty.", nameof(eventName));
        }

        if (eventName.Length > MaxEventNameLength)
        {
            throw new ArgumentException($"The event name is longer than {MaxEventNameLength} characters.", nameof(eventName));
        }

        if (eventName.Any(char.IsControl))
        {
            throw new ArgumentException("The event name contains control characters.", nameof(eventName));
        }
    }

    private static void Identifier(string? value, string what, string parameter)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"The {what} is empty.", parameter);
        }

        if (value.Length > MaxIdLength)
        {
            throw new ArgumentException($"The {what} is longer than {MaxIdLength} characters.", parameter);
        }

        if (value.Any(c => char.IsControl(c) || c is '/' or '\\' or '?' or '#'))
        {
            throw new ArgumentException($"The {what} contains a control character or one of / \\ ? #.", parameter);
        }
    }
}
