using System.Reflection;
using System.Text.Json;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Validation;

/// <summary>Which properties each step kind takes, and which it requires.</summary>
internal static class StepRules
{
    private static readonly string[] Common = ["id", "kind", "phase", "description"];

    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [StepKinds.Email] = ["email", "category", "sendGridTemplateId", "capped", "next"],
        [StepKinds.Task] = ["task", "title", "dueIn", "onComplete", "escalate", "next"],
        [StepKinds.Wait] = ["duration", "until", "untilData", "offset", "ifPast", "businessHours", "at", "calendar", "next"],
        [StepKinds.WaitForEvent] = ["events", "timeout", "calendar", "on", "onTimeout", "next"],
        [StepKinds.Condition] = ["if", "then", "else"],
        [StepKinds.Split] = ["branches"],
        [StepKinds.SetPhase] = ["next"],
        [StepKinds.Goal] = ["goal", "next"],
        [StepKinds.End] = [],
        [StepKinds.Repeat] = ["goto", "times"],
        [StepKinds.Approval] = ["task", "title", "approver", "dueIn", "timeout", "calendar", "onApproved", "onRejected", "onTimeout"],
    };

    public static readonly IReadOnlyDictionary<string, string[]> Required = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [StepKinds.Email] = ["email", "next"],
        [StepKinds.Task] = ["task", "title", "next"],
        [StepKinds.Wait] = ["next"],
        [StepKinds.WaitForEvent] = ["events"],
        [StepKinds.Condition] = ["if", "then", "else"],
        [StepKinds.Split] = ["branches"],
        [StepKinds.SetPhase] = ["phase", "next"],
        [StepKinds.Goal] = ["goal", "next"],
        [StepKinds.End] = [],
        [StepKinds.Repeat] = ["goto"],
        [StepKinds.Approval] = ["title", "approver", "timeout", "onApproved", "onRejected", "onTimeout"],
    };

    private static readonly (string Name, PropertyInfo Property)[] Properties =
        [.. typeof(StepSpec).GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => (JsonNamingPolicy.CamelCase.ConvertName(p.Name), p))];

    /// <summary>The camelCase names of the properties written on <paramref name="step"/> (non-null).</summary>
    public static IEnumerable<string> Present(StepSpec step) =>
        Properties.Where(p => p.Property.GetValue(step) is not null).Select(p => p.Name);

    public static bool IsAllowed(string kind, string property) => Common.Contains(property) || Allowed[kind].Contains(property);
}
