namespace JourneyOrchestrator.Templates.Emails;

/// <summary>
/// Bounds on one Liquid render (an e-mail subject, an e-mail body or a task title): a template that hits one fails that
/// render with a <see cref="LiquidLimitException"/> naming the limit. Config <c>Journeys:Templates:Liquid:*</c>; see
/// <c>docs/template-authors.md</c> ("Liquid limits").
/// </summary>
public sealed record LiquidLimits
{
    /// <summary>Statements one render may execute (every tag, output and loop iteration counts): 100,000.</summary>
    public int MaxSteps { get; init; } = 100_000;

    /// <summary>Values in one range <c>(a..b)</c> (Fluid builds a range's values before a loop runs): 10,000.</summary>
    public int MaxRangeLength { get; init; } = 10_000;

    /// <summary>Fluid's recursion limit (includes and nested renders, which journey templates cannot use): 32.</summary>
    public int MaxRecursion { get; init; } = 32;

    /// <summary>Characters of output of an e-mail body: 256 K (SendGrid takes far more, no reader reads that much).</summary>
    public int MaxBodyLength { get; init; } = 256 * 1024;

    /// <summary>Characters of a rendered e-mail subject or task title: 1,000.</summary>
    public int MaxLineLength { get; init; } = 1000;

    /// <summary>Characters of one value made by <c>assign</c> or <c>capture</c> (a string doubled in a loop is stopped here): 256 K.</summary>
    public int MaxValueLength { get; init; } = 256 * 1024;
}

/// <summary>A Liquid render stopped at one of the <see cref="LiquidLimits"/>; a <see cref="FormatException"/>, like a Liquid error.</summary>
public sealed class LiquidLimitException : FormatException
{
    public LiquidLimitException(string limit, long value, string what)
        : base($"Liquid limit reached: {what} (the limit {limit} is {value:N0}).")
    {
        Limit = limit;
    }

    public LiquidLimitException()
    {
        Limit = "";
    }

    public LiquidLimitException(string message)
        : base(message)
    {
        Limit = "";
    }

    public LiquidLimitException(string message, Exception innerException)
        : base(message, innerException)
    {
        Limit = "";
    }

    /// <summary>The name of the limit (<c>MaxSteps</c>, <c>MaxRangeLength</c>, <c>MaxBodyLength</c>, <c>MaxLineLength</c>, <c>MaxValueLength</c>).</summary>
    public string Limit { get; }
}
