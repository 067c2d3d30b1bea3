namespace JourneyOrchestrator.Templates.Scheduling;

/// <summary>
/// A dealer's business hours. Implementations must be pure functions of their arguments and configuration, because the
/// interpreter calls them from orchestration code (replayed): the same time must always give the same answer.
/// </summary>
public interface IBusinessCalendar
{
    /// <summary>True when the dealer is open at <paramref name="time"/>.</summary>
    bool IsOpen(string dealerId, DateTimeOffset time);

    /// <summary><paramref name="time"/> when the dealer is open then; otherwise the next opening time.</summary>
    DateTimeOffset NextOpening(string dealerId, DateTimeOffset time);

    /// <summary>The IANA time zone the dealer's hours are in.</summary>
    TimeZoneInfo TimeZoneOf(string dealerId);

    /// <summary>
    /// <paramref name="time"/> when customer e-mail may go out then; otherwise the end of the dealer's quiet hours (or the
    /// holiday). E-mail due in quiet hours waits for this time. No quiet hours by default.
    /// </summary>
    DateTimeOffset NextSendTime(string dealerId, DateTimeOffset time) => time;

    /// <summary>
    /// When a task created at <paramref name="from"/> with <c>dueIn</c> <paramref name="dueIn"/> is due: counted in business
    /// time (see <see cref="BusinessCalendar.DueAt"/>). By default the calendar duration, moved to the next opening.
    /// </summary>
    DateTimeOffset DueAt(string dealerId, DateTimeOffset from, IsoDuration dueIn) => NextOpening(dealerId, dueIn.AddTo(from));
}
