using JourneyOrchestrator.Templates.Model;

namespace JourneyOrchestrator.Templates.Validation;

public sealed partial class TemplateValidator
{
    private sealed partial class Run
    {
        /// <summary>The steps a step can lead to (repeat's goto included), existing ones only.</summary>
        private IEnumerable<string> Successors(StepSpec step)
        {
            IEnumerable<string?> targets =
            [
                step.Next, step.Then, step.Else, step.OnTimeout, step.Goto,
                .. (IEnumerable<string>?)step.On?.Values ?? [], .. step.Branches?.Select(b => b.Next) ?? [],
            ];
            return targets.OfType<string>().Where(_stepIndex.ContainsKey).Distinct();
        }

        private void CheckReachability()
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>();
            foreach (var root in template.Goals.Select(g => g.Goto).Append(template.Start))
            {
                if (root is not null && _stepIndex.ContainsKey(root) && seen.Add(root))
                {
                    queue.Enqueue(root);
                }
            }

            while (queue.TryDequeue(out var id))
            {
                foreach (var next in Successors(template.Steps[_stepIndex[id]]).Where(seen.Add))
                {
                    queue.Enqueue(next);
                }
            }

            foreach (var (id, index) in _stepIndex.Where(s => !seen.Contains(s.Key)).OrderBy(s => s.Value))
            {
                Add($"steps[{index}]", $"The step '{id}' cannot be reached from the start or from a goal.");
            }
        }

        /// <summary>A cycle through steps none of which waits would spin for ever: find them (Tarjan's strongly connected components).</summary>
        private void CheckLoops()
        {
            bool Waits(StepSpec s) => s.Kind is StepKinds.WaitForEvent or StepKinds.Repeat
                || (s.Kind == StepKinds.Wait && s.BusinessHours != true);

            var nodes = _stepIndex.Keys.Where(id => !Waits(template.Steps[_stepIndex[id]])).ToHashSet(StringComparer.Ordinal);
            var index = 0;
            var indexes = new Dictionary<string, int>(StringComparer.Ordinal);
            var low = new Dictionary<string, int>(StringComparer.Ordinal);
            var stack = new Stack<string>();
            var onStack = new HashSet<string>(StringComparer.Ordinal);
            var reported = new List<List<string>>();

            void Connect(string v)
            {
                indexes[v] = low[v] = index++;
                stack.Push(v);
                onStack.Add(v);
                foreach (var w in Successors(template.Steps[_stepIndex[v]]).Where(nodes.Contains))
                {
                    if (!indexes.TryGetValue(w, out var wIndex))
                    {
                        Connect(w);
                        low[v] = Math.Min(low[v], low[w]);
                    }
                    else if (onStack.Contains(w))
                    {
                        low[v] = Math.Min(low[v], wIndex);
                    }
                }

                if (low[v] == indexes[v])
                {
                    var component = new List<string>();
                    string w;
                    do
                    {
                        w = stack.Pop();
                        onStack.Remove(w);
                        component.Add(w);
                    }
                    while (w != v);

                    var selfLoop = component.Count == 1 && Successors(template.Steps[_stepIndex[v]]).Contains(v);
                    if (component.Count > 1 || selfLoop)
                    {
                        reported.Add(component);
                    }
                }
            }

            foreach (var id in nodes.OrderBy(id => _stepIndex[id]))
            {
                if (!indexes.ContainsKey(id))
                {
                    Connect(id);
                }
            }

            foreach (var component in reported)
            {
                var ordered = component.OrderBy(id => _stepIndex[id]).ToList();
                Add($"steps[{_stepIndex[ordered[0]]}]",
                    $"The steps {string.Join(", ", ordered.Select(id => $"'{id}'"))} form a loop without a wait; put a 'wait' (with a duration, until or untilData), 'waitForEvent' or 'repeat' step in it.");
            }
        }
    }
}
