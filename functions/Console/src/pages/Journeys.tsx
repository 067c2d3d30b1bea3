// Journeys: a live list with filters, and one journey with its timeline ("why was this sent") and, for admins, controls.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  getJourney,
  getJourneyTimeline,
  listJourneys,
  resumeJourney,
  suspendJourney,
  terminateJourney,
  type JourneyDetail,
  type JourneyFilter,
  type JourneySummary,
  type JourneyTimeline,
} from '../api';
import { useAuth } from '../auth';
import { JOURNEY_STATUSES, PHASES, fmtTime, phaseColor } from '../format';
import { href } from '../router';
import ProblemView from '../components/ProblemView';
import Timeline from '../components/Timeline';
import { CLOCK_EVENT } from '../components/ClockWidget';

const REFRESH_MS = 5000;

/** Calls `load` again every few seconds while `live`, and when the admin moves the clock. */
function useLive(load: () => void, live: boolean) {
  useEffect(() => {
    window.addEventListener(CLOCK_EVENT, load);
    const timer = live ? window.setInterval(load, REFRESH_MS) : undefined;
    return () => {
      window.removeEventListener(CLOCK_EVENT, load);
      if (timer) window.clearInterval(timer);
    };
  }, [load, live]);
}

export function JourneysPage() {
  const { me } = useAuth();
  const [draft, setDraft] = useState<JourneyFilter>({});
  const [filter, setFilter] = useState<JourneyFilter>({});
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const [items, setItems] = useState<JourneySummary[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(true);
  const [updated, setUpdated] = useState<Date | null>(null);
  const token = pages[pages.length - 1];

  const load = useCallback(() => {
    listJourneys({ ...filter, continuationToken: token })
      .then((p) => {
        setItems(p.items);
        setNext(p.continuationToken ?? null);
        setError(null);
        setUpdated(new Date());
      })
      .catch(setError);
  }, [filter, token]);

  useEffect(load, [load]);
  useLive(load, live);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setPages([null]);
    setFilter({ ...draft });
  };

  const field = (name: keyof JourneyFilter, label: string) => (
    <label>
      {label}{' '}
      <input
        value={(draft[name] as string) ?? ''}
        onChange={(e) => setDraft({ ...draft, [name]: e.target.value || undefined })}
        size={14}
      />
    </label>
  );

  return (
    <section>
      <h1>Journeys</h1>
      <form className="filters" onSubmit={apply} aria-label="Journey filters">
        {field('template', 'Template')}
        {field('version', 'Version')}
        <label>
          Phase{' '}
          <select value={draft.phase ?? ''} onChange={(e) => setDraft({ ...draft, phase: e.target.value || undefined })}>
            <option value="">any</option>
            {PHASES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select value={draft.status ?? ''} onChange={(e) => setDraft({ ...draft, status: e.target.value || undefined })}>
            <option value="">any</option>
            {JOURNEY_STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        {me?.role === 'admin' && field('dealer', 'Dealer')}
        {field('customer', 'Customer')}
        <button type="submit">Filter</button>
        <label className="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
        {updated && <span className="muted small">updated {updated.toLocaleTimeString()}</span>}
      </form>
      <ProblemView error={error} />
      {items && items.length === 0 && <p className="muted">No journeys match.</p>}
      {items && items.length > 0 && (
        <table className="grid" data-testid="journeys">
          <thead>
            <tr>
              <th scope="col">Journey</th>
              <th scope="col">Customer</th>
              <th scope="col">Dealer</th>
              <th scope="col">Template</th>
              <th scope="col">Status</th>
              <th scope="col">Phase</th>
              <th scope="col">Where</th>
              <th scope="col">Last change</th>
            </tr>
          </thead>
          <tbody>
            {items.map((j) => (
              <tr key={j.id}>
                <td>
                  <a href={href('journeys', j.id)}>{j.journeyKey || j.id}</a>
                </td>
                <td>{j.customerId}</td>
                <td>{j.dealerId}</td>
                <td>
                  {j.templateId} v{j.templateVersion}
                </td>
                <td>
                  <span className={`status status-${j.status.toLowerCase()}`}>{j.status}</span>
                </td>
                <td>
                  <PhaseChip phase={j.phase} />
                </td>
                <td>
                  <code>{j.currentSteps.join(', ')}</code>
                </td>
                <td className="nowrap">{fmtTime(j.lastUpdatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" className="secondary" disabled={pages.length < 2} onClick={() => setPages(pages.slice(0, -1))}>
          Previous page
        </button>
        <button type="button" className="secondary" disabled={!next} onClick={() => next && setPages([...pages, next])}>
          Next page
        </button>
      </div>
    </section>
  );
}

function PhaseChip({ phase }: { phase?: string | null }) {
  if (!phase) return <span className="muted">–</span>;
  return (
    <span className="phase" style={{ borderColor: phaseColor(phase), color: phaseColor(phase) }}>
      {phase}
    </span>
  );
}

export function JourneyPage({ id }: { id: string }) {
  const { me } = useAuth();
  const [journey, setJourney] = useState<JourneyDetail | null>(null);
  const [timeline, setTimeline] = useState<JourneyTimeline | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    Promise.all([getJourney(id), getJourneyTimeline(id)])
      .then(([j, t]) => {
        setJourney(j);
        setTimeline(t);
        setError(null);
      })
      .catch(setError);
  }, [id]);

  useEffect(load, [load]);
  useLive(load, false);

  const act = async (action: (id: string, reason?: string) => Promise<unknown>) => {
    setBusy(true);
    setActionError(null);
    try {
      const before = journey?.status;
      await action(id, reason.trim() || undefined);
      // The engine applies the command asynchronously: read the journey until its status moves (at most ~10 s).
      for (let i = 0; i < 40; i++) {
        const j = await getJourney(id);
        setJourney(j);
        if (j.status !== before) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      load();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <p className="crumbs">
        <a href={href('journeys')}>Journeys</a> / {id}
      </p>
      <ProblemView error={error} />
      {journey && (
        <>
          <h1>
            {journey.customerId} · {journey.templateId} v{journey.templateVersion}{' '}
            <span className={`status status-${journey.status.toLowerCase()}`} data-testid="journey-status">
              {journey.status}
            </span>
          </h1>
          <dl className="facts">
            <dt>Dealer</dt>
            <dd>{journey.dealerId}</dd>
            <dt>Journey key</dt>
            <dd>{journey.journeyKey || '–'}</dd>
            <dt>Phase</dt>
            <dd>
              <PhaseChip phase={journey.phase} />
            </dd>
            <dt>Where</dt>
            <dd>
              <code>{journey.currentSteps.join(', ') || '–'}</code>
            </dd>
            <dt>Waiting for</dt>
            <dd>{journey.waitingFor.join(', ') || '–'}</dd>
            <dt>Next timer</dt>
            <dd>{fmtTime(journey.nextTimerDue) || '–'}</dd>
            <dt>Goals reached</dt>
            <dd>{journey.goalsReached.join(', ') || '–'}</dd>
            <dt>Started</dt>
            <dd>{fmtTime(journey.createdAt)}</dd>
          </dl>
          {journey.lastError && <p className="error">Last error: {journey.lastError}</p>}
          {me?.role === 'admin' && (
            <div className="row admin-actions" role="group" aria-label="Admin controls">
              <label>
                Reason{' '}
                <input value={reason} onChange={(e) => setReason(e.target.value)} size={24} />
              </label>
              <button type="button" disabled={busy || journey.status !== 'Running'} onClick={() => act(suspendJourney)}>
                Suspend
              </button>
              <button type="button" disabled={busy || journey.status !== 'Suspended'} onClick={() => act(resumeJourney)}>
                Resume
              </button>
              <button
                type="button"
                className="danger"
                disabled={busy || !['Running', 'Suspended', 'Pending'].includes(journey.status)}
                onClick={() => window.confirm(`Terminate journey ${id}? This cannot be undone.`) && act(terminateJourney)}
              >
                Terminate
              </button>
            </div>
          )}
          <ProblemView error={actionError} />
        </>
      )}
      {timeline && (
        <>
          <h2>Timeline</h2>
          <p className="muted">
            Every step, wait, branch and touchpoint of this journey, replayed from its history. “Why?” on an e-mail or a task
            shows the event or timer that caused it, the branch inputs on the way and the consent or quiet-hour decision.
          </p>
          {!timeline.complete && timeline.problem && <p className="notice">{timeline.problem}</p>}
          <Timeline entries={timeline.entries} dealerTimeZone={timeline.dealerTimeZone} customerTimeZone={timeline.customerTimeZone} />
        </>
      )}
    </section>
  );
}
