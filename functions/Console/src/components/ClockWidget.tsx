// The manual clock (Development): where virtual time stands and a control to move it (admin only).
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, advanceClock, getClock, type Clock } from '../api';
import { fmtTime } from '../format';
import { errorText } from './ProblemView';

export const CLOCK_EVENT = 'journeys:clock';

export default function ClockWidget() {
  const [clock, setClock] = useState<Clock | null>(null);
  const [by, setBy] = useState('P1D');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    getClock()
      .then(setClock)
      .catch((e) => setError(e instanceof ApiError && e.status === 404 ? null : errorText(e)));
  }, []);

  if (!clock && !error) return null;

  const advance = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const c = await advanceClock(by.trim());
      setClock(c);
      window.dispatchEvent(new CustomEvent(CLOCK_EVENT));
    } catch (x) {
      setError(errorText(x));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="clock" onSubmit={advance} aria-label="Manual clock">
      <span data-testid="clock-now" title={clock?.nextDue ? `next timer ${fmtTime(clock.nextDue)}` : undefined}>
        {clock ? <>Clock {fmtTime(clock.now)}</> : null}
      </span>
      {clock?.mode === 'Manual' && (
        <>
          <label htmlFor="clock-by" className="sr-only">
            Advance the clock by (ISO 8601 duration)
          </label>
          <input id="clock-by" value={by} onChange={(e) => setBy(e.target.value)} size={6} />
          <button type="submit" disabled={busy}>
            Advance
          </button>
        </>
      )}
      {error && <span className="error small" role="alert">{error}</span>}
    </form>
  );
}
