using JourneyOrchestrator.Templates.Conditions;
using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Validation;

public sealed partial class TemplateValidator
{
    private sealed partial class Run
    {
        private void CheckConditionSpec(string path, ConditionSpec condition, int depth)
        {
            if (depth > 16)
            {
                Add(path, "The condition is nested too deeply (more than 16 levels).");
                return;
            }

            var operators = ConditionEvaluator.OperatorsOf(condition).ToList();
            if (operators.Count != 1)
            {
                Add(path, operators.Count == 0
                    ? "The condition needs exactly one operator: equalTo, notEqualTo, exists, greaterThan, greaterOrEqual, lessThan, lessOrEqual, in, contains, all, any or not."
                    : $"The condition has several operators ({string.Join(", ", operators)}); use exactly one, and 'all' to combine.");
            }

            var combinator = condition.All is not null || condition.Any is not null || condition.Not is not null;
            if (combinator && condition.Path is not null)
            {
                Add($"{path}.path", "'path' does not go with all/any/not; put it in the inner conditions.");
            }
            else if (!combinator && operators.Count > 0)
            {
                if (condition.Path is null)
                {
                    Add($"{path}.path", $"The '{operators[0]}' comparison needs a 'path' (e.g. data.model).");
                }
                else
                {
                    CheckPath($"{path}.path", condition.Path);
                }
            }

            CheckList($"{path}.all", condition.All, depth);
            CheckList($"{path}.any", condition.Any, depth);
            if (condition.Not is not null)
            {
                CheckConditionSpec($"{path}.not", condition.Not, depth + 1);
            }
        }

        private void CheckList(string path, List<ConditionSpec>? conditions, int depth)
        {
            if (conditions is null)
            {
                return;
            }

            if (conditions.Count == 0)
            {
                Add(path, "The list of conditions is empty.");
            }

            for (var i = 0; i < conditions.Count; i++)
            {
                CheckConditionSpec($"{path}[{i}]", conditions[i], depth + 1);
            }
        }

        private void CheckPath(string path, string dataPath)
        {
            if (!ModelPath.IsValid(dataPath))
            {
                Add(path, $"The path '{dataPath}' must start with customer., data., event. or journey. and name a property (e.g. data.deliveryDate).");
            }
        }
    }
}
