using JourneyOrchestrator.Templates.Emails;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Validation;

public sealed partial class TemplateValidator
{
    private sealed partial class Run
    {
        private void CheckStep(int index, StepSpec step)
        {
            var path = $"steps[{index}]";
            if (string.IsNullOrEmpty(step.Kind))
            {
                Add($"{path}.kind", $"The step needs a kind: one of {string.Join(", ", StepKinds.All)}.");
                return;
            }

            if (!StepKinds.All.Contains(step.Kind))
            {
                Add($"{path}.kind", $"Unknown kind '{step.Kind}'; use one of: {string.Join(", ", StepKinds.All)}.");
                return;
            }

            var present = StepRules.Present(step).ToHashSet(StringComparer.Ordinal);
            foreach (var property in present.Where(p => !StepRules.IsAllowed(step.Kind, p)))
            {
                Add($"{path}.{property}", $"'{property}' does not belong to a '{step.Kind}' step.");
            }

            foreach (var property in StepRules.Required[step.Kind].Where(p => !present.Contains(p)))
            {
                Add($"{path}.{property}", property == "next"
                    ? $"The '{step.Kind}' step has no way to continue: give it 'next' (or end the journey with an 'end' step)."
                    : $"A step of kind '{step.Kind}' needs '{property}'.");
            }

            CheckPhase($"{path}.phase", step.Phase);
            if (step.Next is not null)
            {
                CheckReference($"{path}.next", step.Next);
            }

            switch (step.Kind)
            {
                case StepKinds.Email:
                    CheckEmail(path, step);
                    break;
                case StepKinds.Task:
                    CheckTask(path, step);
                    break;
                case StepKinds.Approval:
                    CheckApproval(path, step);
                    break;
                case StepKinds.Wait:
                    CheckWait(path, step);
                    break;
                case StepKinds.WaitForEvent:
                    CheckWaitForEvent(path, step);
                    break;
                case StepKinds.Condition:
                    CheckCondition(path, step);
                    break;
                case StepKinds.Split:
                    CheckSplit(path, step);
                    break;
                case StepKinds.Goal:
                    if (step.Goal is { Length: 0 })
                    {
                        Add($"{path}.goal", "The goal name is empty.");
                    }

                    break;
                case StepKinds.Repeat:
                    if (step.Goto is not null)
                    {
                        CheckReference($"{path}.goto", step.Goto);
                    }

                    if (step.Times is < 1)
                    {
                        Add($"{path}.times", $"'times' must be at least 1 (it is {step.Times}); leave it out for no bound.");
                    }

                    break;
                default:
                    break;
            }
        }

        private void CheckEmail(string path, StepSpec step)
        {
            if (step.Category is not null and not "marketing" and not "transactional")
            {
                Add($"{path}.category", $"Unknown category '{step.Category}'; use 'marketing' (needs consent) or 'transactional'.");
            }

            if (step.SendGridTemplateId is not null && !SendGridTemplateIdPattern().IsMatch(step.SendGridTemplateId))
            {
                Add($"{path}.sendGridTemplateId", $"'{step.SendGridTemplateId}' is not a SendGrid dynamic template id ('d-' and 32 lowercase hex digits).");
            }

            if (step.Capped is not null and not "defer" and not "skip")
            {
                Add($"{path}.capped", $"Unknown capped behaviour '{step.Capped}'; use 'defer' (wait until the frequency cap allows it) or 'skip'.");
            }

            if (step.Email is null)
            {
                return;
            }

            if (!FileEmailTemplateSource.IsValidName(step.Email))
            {
                Add($"{path}.email", $"The e-mail name '{step.Email}' must be lowercase letters, digits, '-' or '_' (the file name without .liquid).");
                return;
            }

            if (emails is null || authoredEmails.Contains(step.Email))
            {
                return; // an e-mail published through the API was checked when it was published
            }

            var source = emails.Get(step.Email);
            if (source is null)
            {
                Add($"{path}.email", $"There is no e-mail '{step.Email}': publish it with PUT /api/emails/{step.Email}, or ship emails/{step.Email}.liquid.");
                return;
            }

            var text = EmailTemplateText.TryParse(source, out var error);
            if (text is null)
            {
                Add($"{path}.email", $"The e-mail template '{step.Email}': {error}");
                return;
            }

            if (!LiquidRenderer.TryParse(text.Subject, out error))
            {
                Add($"{path}.email", $"The subject of e-mail template '{step.Email}' has a Liquid error: {error}");
            }
            else
            {
                CheckLimits($"{path}.email", $"The subject of e-mail template '{step.Email}'", text.Subject, html: false);
            }

            if (!LiquidRenderer.TryParse(text.Body, out error))
            {
                Add($"{path}.email", $"The body of e-mail template '{step.Email}' has a Liquid error: {error}");
            }
            else
            {
                CheckLimits($"{path}.email", $"The body of e-mail template '{step.Email}'", text.Body, html: true);
            }
        }

        private void CheckTask(string path, StepSpec step)
        {
            if (step.Title is not null && !LiquidRenderer.TryParse(step.Title, out var error))
            {
                Add($"{path}.title", $"The title has a Liquid error: {error}");
            }
            else if (step.Title is not null)
            {
                CheckLimits($"{path}.title", "The title", step.Title, html: false);
            }

            CheckDuration($"{path}.dueIn", step.DueIn, allowNegative: false);
            if (step.OnComplete is not null)
            {
                CheckDeclared($"{path}.onComplete", step.OnComplete);
            }

            if (step.Escalate is not null)
            {
                CheckEscalate($"{path}.escalate", step.Escalate);
            }
        }

        private void CheckApproval(string path, StepSpec step)
        {
            CheckTask(path, step);
            if (step.Approver is not null && (step.Approver.Trim().Length is 0 or > 200 || step.Approver.Any(char.IsControl)))
            {
                Add($"{path}.approver", "The approver is a role or person your CRM knows: 1-200 characters, no control characters.");
            }

            CheckDuration($"{path}.timeout", step.Timeout, allowNegative: false);
            CheckCalendar(path, step);
            foreach (var (name, target) in new[] { ("onApproved", step.OnApproved), ("onRejected", step.OnRejected), ("onTimeout", step.OnTimeout) })
            {
                if (target is not null)
                {
                    CheckReference($"{path}.{name}", target);
                }
            }
        }

        /// <summary>
        /// Renders <paramref name="source"/> with sample data (an empty model) under the Liquid limits: a loop or an output that
        /// exceeds them without any data would exceed them for every customer. Other render errors depend on the data and are
        /// left to the send.
        /// </summary>
        private void CheckLimits(string path, string what, string source, bool html)
        {
            try
            {
                renderer.Render(source, [], html);
            }
            catch (LiquidLimitException e)
            {
                Add(path, $"{what} goes past a Liquid limit even without data: {e.Message}");
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException or ArgumentException or InvalidCastException)
            {
                // depends on the data: the send records it
            }
        }

        private void CheckEscalate(string path, EscalateSpec escalate)
        {
            if (escalate.After is null)
            {
                Add($"{path}.after", "'escalate' needs 'after': how long past the due time (business time, an ISO 8601 duration such as PT4H or P1D).");
            }
            else
            {
                CheckDuration($"{path}.after", escalate.After, allowNegative: false);
            }

            if (escalate.Action is null)
            {
                Add($"{path}.action", $"'escalate' needs an 'action': one of {string.Join(", ", EscalationActions.All)}.");
                return;
            }

            if (!EscalationActions.All.Contains(escalate.Action))
            {
                Add($"{path}.action", $"Unknown escalation action '{escalate.Action}'; use one of: {string.Join(", ", EscalationActions.All)}.");
                return;
            }

            if (escalate.Action == EscalationActions.Event)
            {
                if (escalate.Event is null)
                {
                    Add($"{path}.event", "The 'event' action needs 'event': the event the journey handles when the task is overdue.");
                }
                else
                {
                    CheckDeclared($"{path}.event", escalate.Event);
                }
            }
            else if (escalate.Event is not null)
            {
                Add($"{path}.event", $"'event' belongs to the 'event' action, not to '{escalate.Action}'.");
            }

            if (escalate.Action == EscalationActions.Reassign && string.IsNullOrWhiteSpace(escalate.To))
            {
                Add($"{path}.to", "The 'reassign' action needs 'to': who the task is reassigned to (e.g. sales-manager).");
            }
            else if (escalate.Action == EscalationActions.Event && escalate.To is not null)
            {
                Add($"{path}.to", "'to' belongs to the 'reassign' and 'reminder' actions, not to 'event'.");
            }
            else if (escalate.To is { } to && (to.Length > 200 || to.Trim().Length == 0))
            {
                Add($"{path}.to", "'to' must be 1-200 characters.");
            }
        }

        private void CheckWait(string path, StepSpec step)
        {
            var how = new[] { step.Duration is not null, step.Until is not null, step.UntilData is not null, step.BusinessHours == true }.Count(x => x);
            if (how > 1 || (how == 0 && step.At is null))
            {
                Add(path, how == 0
                    ? "A 'wait' step needs one of 'duration', 'until', 'untilData', 'at' or 'businessHours: true'."
                    : "A 'wait' step takes only one of 'duration', 'until', 'untilData' or 'businessHours: true' (with 'at' for a local time of day).");
            }

            if (step.At is not null)
            {
                if (!LocalCalendar.TryParseTime(step.At, out _))
                {
                    Add($"{path}.at", $"'{step.At}' is not a local time of day such as 10:00 (24-hour HH:mm).");
                }
                else if (step.Until is not null || step.BusinessHours == true)
                {
                    Add($"{path}.at", step.Until is not null
                        ? "'at' does not combine with 'until' (an exact date-time); use 'untilData' or 'duration' with 'at'."
                        : "'at' does not combine with 'businessHours'.");
                }
                else if (step.Calendar == Calendars.Utc)
                {
                    Add($"{path}.calendar", "'at' is a local time of day: leave out 'calendar: utc' (or write 'calendar: local').");
                }
                else if (step.Duration is not null && IsoDuration.TryParse(step.Duration, allowNegative: false, out var d) && (d.Hours != 0 || d.Minutes != 0 || d.Seconds != 0))
                {
                    Add($"{path}.duration", $"With 'at', the duration counts whole days ('{step.Duration}' has hours, minutes or seconds): e.g. P1D with at 10:00 is 10:00 the next day.");
                }
            }

            CheckCalendar(path, step);
            if (step.Calendar is not null && step.Until is not null)
            {
                Add($"{path}.calendar", "'calendar' does not apply to 'until' (an exact date-time with its offset).");
            }

            CheckDuration($"{path}.duration", step.Duration, allowNegative: false);
            if (step.Until is not null && !DateTimeOffset.TryParse(step.Until, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _))
            {
                Add($"{path}.until", $"'{step.Until}' is not an ISO 8601 date-time such as 2026-06-01T09:00:00+02:00.");
            }

            if (step.UntilData is not null)
            {
                CheckPath($"{path}.untilData", step.UntilData);
            }

            if (step.Offset is not null)
            {
                if (step.UntilData is null)
                {
                    Add($"{path}.offset", "'offset' only applies to 'untilData'.");
                }

                CheckDuration($"{path}.offset", step.Offset, allowNegative: true);
            }

            if (step.IfPast is not null)
            {
                if (step.Until is null && step.UntilData is null)
                {
                    Add($"{path}.ifPast", "'ifPast' only applies to 'until' and 'untilData' (a time that can be past when the wait begins).");
                }

                CheckReference($"{path}.ifPast", step.IfPast);
            }

            if (step.BusinessHours == false)
            {
                Add($"{path}.businessHours", "'businessHours: false' means nothing; leave it out.");
            }
        }

        private void CheckWaitForEvent(string path, StepSpec step)
        {
            var events = step.Events ?? [];
            if (step.Events is { Count: 0 })
            {
                Add($"{path}.events", "A 'waitForEvent' step needs at least one event.");
            }

            for (var i = 0; i < events.Count; i++)
            {
                CheckDeclared($"{path}.events[{i}]", events[i]);
            }

            foreach (var (name, target) in step.On ?? [])
            {
                var onPath = $"{path}.on[\"{name}\"]";
                if (!events.Contains(name))
                {
                    Add(onPath, $"'on' names the event '{name}', which this step does not wait for; add it to 'events'.");
                }

                CheckReference(onPath, target);
            }

            if (step.Next is null)
            {
                foreach (var name in events.Where(e => step.On?.ContainsKey(e) != true))
                {
                    Add($"{path}.next", $"The step has no way to continue after '{name}': give it 'next' or an 'on' entry for it.");
                }

                if (step.Timeout is not null && step.OnTimeout is null)
                {
                    Add($"{path}.onTimeout", "The step has no way to continue after the timeout: give it 'onTimeout' or 'next'.");
                }
            }

            CheckDuration($"{path}.timeout", step.Timeout, allowNegative: false);
            CheckCalendar(path, step);
            if (step.Calendar is not null && step.Timeout is null)
            {
                Add($"{path}.calendar", "'calendar' applies to the 'timeout'; this step has none.");
            }

            if (step.OnTimeout is not null)
            {
                if (step.Timeout is null)
                {
                    Add($"{path}.onTimeout", "'onTimeout' needs a 'timeout'.");
                }

                CheckReference($"{path}.onTimeout", step.OnTimeout);
            }
        }

        private void CheckCondition(string path, StepSpec step)
        {
            if (step.If is not null)
            {
                CheckConditionSpec($"{path}.if", step.If, depth: 0);
            }

            if (step.Then is not null)
            {
                CheckReference($"{path}.then", step.Then);
            }

            if (step.Else is not null)
            {
                CheckReference($"{path}.else", step.Else);
            }
        }

        private void CheckSplit(string path, StepSpec step)
        {
            if (step.Branches is null)
            {
                return;
            }

            if (step.Branches.Count < 2)
            {
                Add($"{path}.branches", "A split needs at least two branches.");
            }

            for (var i = 0; i < step.Branches.Count; i++)
            {
                var branch = step.Branches[i];
                if (branch.Weight is < 1 or > 1000)
                {
                    Add($"{path}.branches[{i}].weight", $"The weight must be 1-1000 (it is {branch.Weight}).");
                }

                CheckReference($"{path}.branches[{i}].next", branch.Next);
            }
        }

        private void CheckCalendar(string path, StepSpec step)
        {
            if (step.Calendar is not null && step.Calendar is not (Calendars.Utc or Calendars.Local))
            {
                Add($"{path}.calendar", $"'{step.Calendar}' is not a calendar: use 'local' (days keep the customer's wall-clock time) or 'utc' (the default).");
            }
        }

        private void CheckDuration(string path, string? text, bool allowNegative)
        {
            if (text is null)
            {
                return;
            }

            if (!IsoDuration.TryParse(text, allowNegative, out _))
            {
                Add(path, allowNegative
                    ? $"'{text}' is not an ISO 8601 duration such as P3D, PT2H, P1Y2M or -P1D."
                    : IsoDuration.TryParse(text, allowNegative: true, out _)
                        ? $"'{text}' is negative; only 'offset' may be negative."
                        : $"'{text}' is not an ISO 8601 duration such as P3D, PT2H or P1Y2M.");
            }
        }
    }
}
