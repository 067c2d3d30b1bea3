using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;

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
                step.Next, step.Then, step.Else, step.OnTimeout, step.Goto, step.IfPast, step.OnApproved, step.OnRejected,
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

        /// <summary>
        /// A loop of steps that can go round without a real wait would run away (hundreds of e-mails or tasks a second): find
        /// every cycle of the steps' <see cref="InstantSuccessors"/> (Tarjan's strongly connected components).
        /// </summary>
        private void CheckLoops()
        {
            var instant = _stepIndex.ToDictionary(s => s.Key, s => InstantSuccessors(template.Steps[s.Value]), StringComparer.Ordinal);
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
                foreach (var (w, _) in instant[v])
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

                    if (component.Count > 1 || instant[v].Any(e => e.Target == v))
                    {
                        reported.Add(component);
                    }
                }
            }

            foreach (var id in _stepIndex.OrderBy(s => s.Value).Select(s => s.Key))
            {
                if (!indexes.ContainsKey(id))
                {
                    Connect(id);
                }
            }

            var minimum = TemplateValidationOptions.Format(options.MinimumLoopWait);
            foreach (var component in reported)
            {
                var members = component.ToHashSet(StringComparer.Ordinal);
                var ordered = component.OrderBy(id => _stepIndex[id]).ToList();
                var why = ordered.SelectMany(id => instant[id].Where(e => members.Contains(e.Target) && e.Why is not null).Select(e => e.Why!)).Distinct().ToList();
                Add($"steps[{_stepIndex[ordered[0]]}]",
                    $"The steps {string.Join(", ", ordered.Select(id => $"'{id}'"))} form a loop that can go round without waiting at least {minimum}"
                    + (why.Count == 0 ? "" : $" ({string.Join("; ", why)})")
                    + $"; put a 'wait' with a duration of at least {minimum} in it, or a 'waitForEvent' for an event from the dealer's systems (with no timeout, or one of at least {minimum}).");
            }
        }

        /// <summary>
        /// The steps <paramref name="step"/> can lead to without a real wait in between (at least the minimum loop wait, or an
        /// event only the dealer's systems raise), each with why it is not a real wait when the step is a wait or a repeat.
        /// Goal jumps are not edges here: a goal is reached once per journey (repeats keep it), so it cannot go round.
        /// Exit events end the journey.
        /// </summary>
        private List<(string Target, string? Why)> InstantSuccessors(StepSpec step)
        {
            var edges = new List<(string Target, string? Why)>();
            void Edge(string? target, string? why = null)
            {
                if (target is not null && _stepIndex.ContainsKey(target))
                {
                    edges.Add((target, why));
                }
            }

            switch (step.Kind)
            {
                case StepKinds.Wait:
                    if (WaitIsShort(step) is { } why)
                    {
                        Edge(step.Next, why);
                    }

                    Edge(step.IfPast, $"'{step.Id}' goes to '{step.IfPast}' at once when its time has passed");

                    break;
                case StepKinds.WaitForEvent:
                    foreach (var name in step.Events ?? [])
                    {
                        if (SelfRaised(name) is { } raisedBy)
                        {
                            Edge(step.On?.GetValueOrDefault(name) ?? step.Next, $"'{step.Id}' wakes on '{name}', which {raisedBy}");
                        }
                    }

                    if (step.Timeout is not null && IsoDuration.TryParse(step.Timeout, allowNegative: false, out var timeout)
                        && TemplateValidationOptions.ShortestOf(timeout) < options.MinimumLoopWait)
                    {
                        Edge(step.OnTimeout ?? step.Next, $"'{step.Id}' times out after {step.Timeout}");
                    }

                    break;
                case StepKinds.Approval:
                    // A person decides (a real wait); only a timeout shorter than the minimum goes round at once.
                    if (step.Timeout is not null && IsoDuration.TryParse(step.Timeout, allowNegative: false, out var approvalTimeout)
                        && TemplateValidationOptions.ShortestOf(approvalTimeout) < options.MinimumLoopWait)
                    {
                        Edge(step.OnTimeout, $"'{step.Id}' times out after {step.Timeout}");
                    }

                    break;
                case StepKinds.Repeat:
                    Edge(step.Goto, $"'{step.Id}' starts over at once" + (step.Times is { } times ? $" ({times} times)" : ""));
                    break;
                default:
                    foreach (var next in Successors(step))
                    {
                        Edge(next);
                    }

                    break;
            }

            return edges;
        }

        /// <summary>Why a <c>wait</c> step may not wait the minimum; null when it does.</summary>
        private string? WaitIsShort(StepSpec step)
        {
            if (step.At is not null && step.UntilData is null)
            {
                // The next local time of day: a round that woke at it waits about a day (23 h across the spring change) or
                // the duration's whole days (less an hour for the change) for the next.
                var days = step.Duration is null ? TimeSpan.FromHours(23)
                    : IsoDuration.TryParse(step.Duration, allowNegative: false, out var whole) ? TemplateValidationOptions.ShortestOf(whole) - TimeSpan.FromHours(1) : TimeSpan.Zero;
                return days >= options.MinimumLoopWait ? null : $"'{step.Id}' waits only until {step.Duration ?? "the next"} {step.At}";
            }

            if (step.Duration is not null)
            {
                return IsoDuration.TryParse(step.Duration, allowNegative: false, out var duration) && TemplateValidationOptions.ShortestOf(duration) >= options.MinimumLoopWait
                    ? null
                    : $"'{step.Id}' waits only {step.Duration}";
            }

            if (step.Until is not null)
            {
                return $"'{step.Id}' waits until {step.Until}, which has passed on the next round";
            }

            if (step.UntilData is not null)
            {
                return $"'{step.Id}' waits until {step.UntilData}, which may be missing or past";
            }

            return $"'{step.Id}' waits for business hours, which is no wait while the dealer is open";
        }

        /// <summary>Which task's escalation raises <paramref name="name"/> sooner than the minimum after the task (null when none).</summary>
        private string? SelfRaised(string name)
        {
            foreach (var task in template.Steps.Where(s => s.Kind == StepKinds.Task && s.Escalate is { Action: EscalationActions.Event } e && e.Event == name))
            {
                var due = task.DueIn is not null && IsoDuration.TryParse(task.DueIn, allowNegative: false, out var d) ? TemplateValidationOptions.ShortestOf(d) : TimeSpan.Zero;
                var after = IsoDuration.TryParse(task.Escalate!.After, allowNegative: false, out var a) ? TemplateValidationOptions.ShortestOf(a) : TimeSpan.Zero;
                if (due < options.MinimumLoopWait && after < options.MinimumLoopWait - due)
                {
                    return $"the escalation of task '{task.Id}' raises {TemplateValidationOptions.Format(due + after)} after the task";
                }
            }

            return null;
        }
    }
}
