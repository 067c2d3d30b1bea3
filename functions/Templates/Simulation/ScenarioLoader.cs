using System.Globalization;
using System.Text.Json.Nodes;
using JourneyOrchestrator.Templates.Data;
using JourneyOrchestrator.Templates.Loading;
using JourneyOrchestrator.Templates.Model;
using JourneyOrchestrator.Templates.Scheduling;

namespace JourneyOrchestrator.Templates.Simulation;

/// <summary>A scenario read and checked against its template, or the errors (each with a path, and a line when known).</summary>
public sealed record ScenarioLoadResult(Scenario? Scenario, IReadOnlyList<TemplateError> Errors)
{
    public bool Succeeded => Scenario is not null && Errors.Count == 0;
}

/// <summary>
/// Reads scenario files (<see cref="ScenarioDocument"/>) with the template loader's parsers and limits, and checks them against
/// the template they run: every event name is the template's (or declared), every expectation names an e-mail, task, phase,
/// goal or step the template has, every time is after the start and inside the horizon.
/// </summary>
public static class ScenarioLoader
{
    private const string DefaultDealer = "demo-dealer";
    private static readonly string[] EmailStatuses = ["sent", "suppressed", "capped", "failed", "unknown", "any"];
    private static readonly string[] TaskStatuses = ["created", "escalated", "any"];

    /// <param name="text">The scenario document.</param>
    /// <param name="template">The template it runs (its names are checked).</param>
    /// <param name="defaultName">The scenario's name when it gives none (a file's name).</param>
    /// <param name="contentType">JSON or YAML; guessed from the text when null.</param>
    public static ScenarioLoadResult Load(string text, JourneyTemplate template, string defaultName, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        var read = Read(text, contentType);
        if (read.Document is not { } document)
        {
            return new(null, read.Errors);
        }

        var check = new Checker(template, read.Positions);
        var scenario = check.Build(document, defaultName);
        return check.Errors.Count > 0 ? new(null, check.Errors) : new(scenario, []);
    }

    /// <summary>Only reads the document (for the template id of a scenario before its template is loaded).</summary>
    public static (ScenarioDocument? Document, IReadOnlyList<TemplateError> Errors, IReadOnlyDictionary<string, SourcePosition> Positions) Read(string text, string? contentType = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parsed = TemplateLoader.Parse<ScenarioDocument>(text, contentType, new TemplateLimits(), "The scenario must be a mapping (scenario, customer, events, expect, ...).");
        return (parsed.Errors.Count == 0 ? parsed.Value : null, parsed.Errors, parsed.Positions);
    }

    private sealed class Checker(JourneyTemplate template, IReadOnlyDictionary<string, SourcePosition> positions)
    {
        public List<TemplateError> Errors { get; } = [];

        private DateTimeOffset _start;

        public Scenario? Build(ScenarioDocument d, string defaultName)
        {
            var name = string.IsNullOrWhiteSpace(d.Scenario) ? defaultName : d.Scenario.Trim();
            if (d.Template is { } id && !string.Equals(id, template.Id, StringComparison.Ordinal))
            {
                Add("template", $"The scenario is for template '{id}', not '{template.Id}'.");
            }

            _start = Scenario.DefaultStart;
            if (d.Start is { } startText)
            {
                if (TryInstant(startText, out var start))
                {
                    _start = start;
                }
                else
                {
                    Add("start", $"'{startText}' is not an instant with an offset, such as 2027-03-01T08:00:00Z.");
                }
            }

            var horizon = _start.AddYears(3);
            if (d.Horizon is { } horizonText)
            {
                if (IsoDuration.TryParse(horizonText.Trim(), allowNegative: false, out var span) && !span.IsZero)
                {
                    horizon = span.AddTo(_start);
                    if (horizon > Scenario.MaxHorizon.AddTo(_start))
                    {
                        Add("horizon", $"'{horizonText}' is longer than the longest horizon, P30Y.");
                    }
                }
                else
                {
                    Add("horizon", $"'{horizonText}' is not a duration such as P3Y or P18M.");
                }
            }

            var hours = Hours(d.Dealer, out var dealerId);
            var declared = (d.Declare ?? []).Where(e => !string.IsNullOrWhiteSpace(e)).Select(e => e.Trim()).ToList();
            var known = KnownEvents().Concat(declared).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var customer = Customer(d.Customer, dealerId);
            var events = Events(d.Events ?? [], known, horizon);
            var expectations = Expectations(d.Expect ?? [], horizon);
            if (d.Events is null or { Count: 0 })
            {
                Add("events", "A scenario needs events: the first is the journey's entry event (" + string.Join(", ", template.Entry?.Events ?? []) + ").");
            }
            else if (events.FirstOrDefault() is { Name: { } first } && template.Entry?.Events is { Count: > 0 } entry &&
                !entry.Contains(first, StringComparer.OrdinalIgnoreCase))
            {
                Add("events[0].name", $"The first event starts the journey: it must be an entry event of '{template.Id}' ({string.Join(", ", entry)}), not '{first}'.");
            }

            if (Errors.Count > 0)
            {
                return null;
            }

            return new Scenario
            {
                Name = name,
                Description = d.Description,
                TemplateId = d.Template,
                Start = _start,
                Horizon = horizon,
                Seed = string.IsNullOrWhiteSpace(d.Seed) ? name : d.Seed,
                DealerId = dealerId,
                Hours = hours,
                MaxMarketingEmailsPerWeek = d.Dealer?.MaxMarketingEmailsPerWeek ?? 0,
                Customer = customer!,
                Declared = declared,
                Events = events,
                Expectations = expectations,
            };
        }

        private IEnumerable<string> KnownEvents() =>
            template.Events.Concat(template.Entry?.Events ?? []).Concat(template.Exit?.Events ?? []).Concat(template.Goals.Select(g => g.Event))
                .Concat(template.Steps.SelectMany(s => s.Events ?? []));

        private BusinessHoursOptions Hours(ScenarioDealerDocument? dealer, out string dealerId)
        {
            dealerId = string.IsNullOrWhiteSpace(dealer?.Id) ? DefaultDealer : dealer.Id.Trim();
            if (dealer is null)
            {
                return new BusinessHoursOptions();
            }

            var zone = dealer.TimeZone?.Trim();
            if (zone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            {
                Add("dealer.timeZone", $"'{zone}' is not an IANA time zone such as Europe/Amsterdam.");
            }

            Dictionary<DayOfWeek, TimeWindow>? week = null;
            if (dealer.OpeningHours is { } table)
            {
                week = [];
                foreach (var (dayName, text) in table)
                {
                    var path = $"dealer.openingHours[\"{dayName}\"]";
                    if (!Enum.TryParse<DayOfWeek>(dayName, ignoreCase: true, out var day) || int.TryParse(dayName, out _))
                    {
                        Add(path, $"'{dayName}' is not a weekday (Monday..Sunday).");
                    }
                    else if (!TimeWindow.TryParse(text, out var window) || window.SpansMidnight)
                    {
                        Add(path, $"'{text}' is not opening hours such as 09:00-17:30 (within one day).");
                    }
                    else
                    {
                        week[day] = window;
                    }
                }
            }

            var holidays = new List<DateOnly>();
            for (var i = 0; i < (dealer.Holidays?.Count ?? 0); i++)
            {
                if (DateOnly.TryParseExact(dealer.Holidays![i]?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    holidays.Add(date);
                }
                else
                {
                    Add($"dealer.holidays[{i}]", $"'{dealer.Holidays[i]}' is not a date yyyy-MM-dd.");
                }
            }

            TimeWindow? quiet = null;
            var none = dealer.QuietHours is { } q && string.Equals(q.Trim(), "none", StringComparison.OrdinalIgnoreCase);
            if (dealer.QuietHours is { } quietText && !none)
            {
                if (TimeWindow.TryParse(quietText, out var window))
                {
                    quiet = window;
                }
                else
                {
                    Add("dealer.quietHours", $"'{quietText}' is not a time window such as 21:00-08:00, or none.");
                }
            }

            if (dealer.MaxMarketingEmailsPerWeek is < 0 or > 100)
            {
                Add("dealer.maxMarketingEmailsPerWeek", "Must be from 0 (no cap) to 100.");
            }

            return new BusinessHoursOptions
            {
                Dealers = new Dictionary<string, DealerHours>(StringComparer.Ordinal)
                {
                    [dealerId] = new DealerHours { TimeZone = zone, OpeningHours = week, Holidays = holidays, QuietHours = quiet, NoQuietHours = none },
                },
            };
        }

        private CustomerProfile? Customer(ScenarioCustomerDocument? c, string dealerId)
        {
            c ??= new ScenarioCustomerDocument();
            CheckProfile(c, "customer");
            return new CustomerProfile
            {
                Id = string.IsNullOrWhiteSpace(c.Id) ? "customer-1" : c.Id.Trim(),
                DealerId = dealerId,
                Email = c.Email ?? "customer@example.com",
                FirstName = c.FirstName ?? "Anna",
                LastName = c.LastName ?? "de Vries",
                Locale = c.Locale ?? "en",
                TimeZone = c.TimeZone,
                Consent = new ConsentSettings { Email = c.Consent ?? true },
                UpdatedAt = _start,
            };
        }

        private void CheckProfile(ScenarioCustomerDocument c, string path)
        {
            if (c.TimeZone is { } zone && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
            {
                Add(path + ".timeZone", $"'{zone}' is not an IANA time zone such as Europe/Amsterdam.");
            }

            if (c.Email is { } email && (email.Length > 254 || email.Count(ch => ch == '@') != 1 || email.Any(char.IsWhiteSpace)))
            {
                Add(path + ".email", $"'{email}' is not one e-mail address, like anna@example.com.");
            }

            if (c.Locale is { } locale && (locale.Length is 0 or > 35 || !locale.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '-')))
            {
                Add(path + ".locale", $"'{locale}' is not a language tag such as nl-NL.");
            }
        }

        private List<ScenarioEvent> Events(List<ScenarioEventDocument> documents, HashSet<string> known, DateTimeOffset horizon)
        {
            var events = new List<ScenarioEvent>();
            if (documents.Count > Scenario.MaxEvents)
            {
                Add("events", $"More than {Scenario.MaxEvents} events (limit of a scenario).");
                return events;
            }

            var taskTypes = template.Steps.Where(s => s.Task is not null).Select(s => s.Task!).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < documents.Count; i++)
            {
                var e = documents[i];
                var path = $"events[{i}]";
                if (e is null)
                {
                    Add(path, "An event needs at least 'at' and 'name' (or 'complete').");
                    continue;
                }

                var at = Time(e.At, path + ".at", horizon, required: true) ?? _start;
                if ((e.Name is null) == (e.Complete is null))
                {
                    Add(path, "An event has either a 'name' or 'complete' (a task type to complete), not both and not neither.");
                }
                else if (e.Name is { } name && !known.Contains(name))
                {
                    Add(path + ".name", $"'{name}' is not an event of template '{template.Id}' ({string.Join(", ", template.Events)}); list it under 'declare' to raise it anyway.");
                }
                else if (e.Complete is { } task && !taskTypes.Contains(task))
                {
                    Add(path + ".complete", $"The template creates no task '{task}' ({string.Join(", ", taskTypes.Order(StringComparer.Ordinal))}).");
                }

                if (e.Data is not null and not JsonObject)
                {
                    Add(path + ".data", "The event's data must be a mapping.");
                }

                if (e.Customer is { } changes)
                {
                    CheckProfile(changes, path + ".customer");
                    if (changes.Id is not null)
                    {
                        Add(path + ".customer.id", "An event changes the scenario's customer; it cannot name another.");
                    }
                }

                // A repeated id is allowed on purpose: a dealer system's retry, which the journey ignores.
                var eventId = string.IsNullOrWhiteSpace(e.Id) ? $"e{i + 1}" : e.Id.Trim();

                events.Add(new ScenarioEvent
                {
                    Path = path,
                    At = at,
                    Name = e.Name,
                    EventId = eventId,
                    Data = e.Data as JsonObject ?? [],
                    Customer = e.Customer,
                    Complete = e.Complete,
                    Outcome = string.IsNullOrWhiteSpace(e.Outcome) ? "done" : e.Outcome.Trim(),
                });
            }

            for (var i = 1; i < events.Count; i++)
            {
                if (events[i].At < events[i - 1].At)
                {
                    Add($"events[{i}].at", $"Events are listed in time order: this one ({Relative(events[i].At)}) is before the one above it ({Relative(events[i - 1].At)}).");
                }
            }

            return events;
        }

        private List<Expectation> Expectations(List<ScenarioExpectationDocument> documents, DateTimeOffset horizon)
        {
            var list = new List<Expectation>();
            if (documents.Count > Scenario.MaxExpectations)
            {
                Add("expect", $"More than {Scenario.MaxExpectations} expectations (limit of a scenario).");
                return list;
            }

            for (var i = 0; i < documents.Count; i++)
            {
                if (documents[i] is { } x && Expectation(x, $"expect[{i}]", horizon) is { } expectation)
                {
                    list.Add(expectation);
                }
                else if (documents[i] is null)
                {
                    Add($"expect[{i}]", "An expectation names an email, task, phase, goal, step or end.");
                }
            }

            return list;
        }

        private Expectation? Expectation(ScenarioExpectationDocument x, string path, DateTimeOffset horizon)
        {
            (ExpectationSubject Subject, string Key, string? Name)[] subjects =
            [
                (ExpectationSubject.Email, "email", x.Email), (ExpectationSubject.Task, "task", x.Task), (ExpectationSubject.Phase, "phase", x.Phase),
                (ExpectationSubject.Goal, "goal", x.Goal), (ExpectationSubject.Step, "step", x.Step), (ExpectationSubject.End, "end", x.End),
            ];
            var given = subjects.Where(s => s.Name is not null).ToList();
            if (given.Count != 1)
            {
                Add(path, "An expectation names exactly one of: email, task, phase, goal, step, end.");
                return null;
            }

            var (subject, key, name) = given[0];
            var known = subject switch
            {
                ExpectationSubject.Email => template.Steps.Where(s => s.Email is not null).Select(s => s.Email!),
                ExpectationSubject.Task => template.Steps.Where(s => s.Task is not null).Select(s => s.Task!),
                ExpectationSubject.Phase => Phases.All,
                ExpectationSubject.Goal => template.Goals.Select(g => g.Name ?? g.Event).Concat(template.Steps.Where(s => s.Goal is not null).Select(s => s.Goal!)),
                ExpectationSubject.Step => template.Steps.Select(s => s.Id),
                _ => ["end", "repeat-limit", "failed", "running", .. (template.Exit?.Events ?? []).Select(e => "exit:" + e)],
            };
            var names = known.Distinct(StringComparer.Ordinal).ToList();
            if (!names.Contains(name!, StringComparer.Ordinal))
            {
                Add($"{path}.{key}", $"Template '{template.Id}' has no {key} '{name}' ({string.Join(", ", names)}).");
            }

            string[] statuses = [];
            if (x.Status is { } status)
            {
                var allowed = subject switch { ExpectationSubject.Email => EmailStatuses, ExpectationSubject.Task => TaskStatuses, _ => [] };
                if (!allowed.Contains(status, StringComparer.Ordinal))
                {
                    Add(path + ".status", allowed.Length == 0 ? $"Only e-mails and tasks have a status." : $"'{status}' is not one of {string.Join(", ", allowed)}.");
                }

                statuses = status == "any" ? [] : [status];
            }
            else if (subject == ExpectationSubject.Email)
            {
                statuses = ["sent"];
            }
            else if (subject == ExpectationSubject.Task)
            {
                statuses = ["created"];
            }

            var counts = new[] { x.Count is not null, x.AtLeast is not null, x.AtMost is not null, x.None is not null };
            if (counts.Count(c => c) > 1 && !(x.AtLeast is not null && x.AtMost is not null && x.Count is null && x.None is null))
            {
                Add(path, "Say how many once: count, atLeast and/or atMost, or none.");
            }

            if (x.Count is < 0 || x.AtLeast is < 0 || x.AtMost is < 0)
            {
                Add(path, "A count is 0 or more.");
            }

            int? min = x.None == true ? 0 : x.Count ?? x.AtLeast ?? (x.AtMost is null ? 1 : 0);
            int? max = x.None == true ? 0 : x.Count ?? x.AtMost;
            DateTimeOffset? after = Time(x.After, path + ".after", horizon, required: false);
            DateTimeOffset? before = Time(x.Before ?? x.By, path + (x.Before is null ? ".by" : ".before"), horizon, required: false);
            if (x.Within is { } within)
            {
                before = IsoDuration.TryParse(within.TrimStart('+'), allowNegative: false, out var span) ? span.AddTo(_start) : Fail(path + ".within", $"'{within}' is not a duration such as P3Y.");
            }

            if (x.Between is { } between)
            {
                if (between.Count != 2)
                {
                    Add(path + ".between", "Two times: [after, before], such as [P1D, P2D].");
                }
                else
                {
                    after = Time(between[0], path + ".between[0]", horizon, required: true);
                    before = Time(between[1], path + ".between[1]", horizon, required: true);
                }
            }

            if (after is { } a && before is { } b && b < a)
            {
                Add(path, "The window ends before it starts.");
            }

            var howMany = min == 0 && max == 0 ? "no" : max is null ? (min == 1 ? (key == "email" ? "an" : "a") : $"at least {min}") : min == max ? $"exactly {min}" : $"{min} to {max}";
            var window = (after, before) switch
            {
                ({ } f, { } t) => $" between {Relative(f)} and {Relative(t)}",
                ({ } f, null) => $" after {Relative(f)}",
                (null, { } t) => $" by {Relative(t)}",
                _ => "",
            };
            var what = subject == ExpectationSubject.End ? $"the journey ends '{name}'" : $"{howMany} {key} '{name}'{(statuses.Length == 1 && x.Status is not null ? $" ({statuses[0]})" : "")}";
            return new Expectation
            {
                Path = path,
                Text = what + window,
                Subject = subject,
                Name = name!,
                Statuses = statuses,
                After = after,
                Before = before,
                Min = min,
                Max = max,
            };
        }

        /// <summary><c>+P3D</c> / <c>P3D</c> (after the start) or an instant; inside [start, horizon].</summary>
        private DateTimeOffset? Time(string? text, string path, DateTimeOffset horizon, bool required)
        {
            if (text is null)
            {
                return required ? Fail(path, "Required: +P1D (after the start) or an instant such as 2027-03-02T09:00:00Z.") : null;
            }

            var trimmed = text.Trim();
            DateTimeOffset at;
            if (trimmed.StartsWith('+') || trimmed.StartsWith('P'))
            {
                if (!IsoDuration.TryParse(trimmed.TrimStart('+'), allowNegative: false, out var span))
                {
                    return Fail(path, $"'{text}' is not a duration after the start such as +P3D or +PT2H.");
                }

                at = span.AddTo(_start);
            }
            else if (TryInstant(trimmed, out var instant))
            {
                at = instant;
            }
            else
            {
                return Fail(path, $"'{text}' is neither a duration after the start (+P3D) nor an instant (2027-03-02T09:00:00Z).");
            }

            if (at < _start)
            {
                return Fail(path, $"'{text}' is before the scenario's start ({_start:O}).");
            }

            if (at > horizon)
            {
                return Fail(path, $"'{text}' is after the scenario's horizon ({horizon:O}); make 'horizon' longer.");
            }

            return at;
        }

        /// <summary>An instant written with its date, time and offset (<c>Z</c> or <c>+01:00</c>), in UTC.</summary>
        private static bool TryInstant(string text, out DateTimeOffset at)
        {
            var t = text.Trim();
            var tee = t.IndexOf('T', StringComparison.Ordinal);
            var hasOffset = tee > 0 && (t.EndsWith('Z') || t.IndexOfAny(['+', '-'], tee) > 0);
            var ok = DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.None, out at);
            at = at.ToUniversalTime();
            return ok && hasOffset;
        }

        public string Relative(DateTimeOffset at) => Timeline.Elapsed(_start, at);

        private DateTimeOffset? Fail(string path, string message)
        {
            Add(path, message);
            return null;
        }

        private void Add(string path, string message)
        {
            var error = new TemplateError(path, message);
            if (positions.TryGetValue(path, out var at) || positions.TryGetValue(path.Split('.')[0], out at))
            {
                error = error with { Line = at.Line, Column = at.Column };
            }

            Errors.Add(error);
        }
    }
}
