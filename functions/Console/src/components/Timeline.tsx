// A timeline (simulation or a live journey): every step, wait, branch and touchpoint with its times in the dealer's and the
// customer's zone. A touchpoint's "Why?" opens its reason: the event or timer that caused it, the branch inputs on the way
// and the consent / quiet-hour decision.
import { Fragment, useMemo, useState } from 'react';
import type { TimelineEntry } from '../api';

const TOUCHPOINT_KINDS = new Set(['email', 'task', 'approval']);

interface Cause {
  kind?: string;
  name?: string | null;
  eventId?: string | null;
  at?: string | null;
}

function causeOf(e: TimelineEntry): Cause | null {
  const c = e.data?.['cause'];
  return c && typeof c === 'object' ? (c as Cause) : null;
}

function causeText(c: Cause): string {
  switch (c.kind) {
    case 'event':
      return `event '${c.name}'${c.eventId ? ` (${c.eventId})` : ''}`;
    case 'timer':
      return `timer of '${c.name}'${c.at ? ' due ' + c.at.replace('+00:00', 'Z') : ''}`;
    case 'start':
      return 'the start of the journey';
    default:
      return `${c.kind ?? 'cause'}${c.name ? " '" + c.name + "'" : ''}`;
  }
}

/** The entries that explain touchpoint `t`: its cause and every decision (condition, split arm) since that cause. */
export function reasons(entries: TimelineEntry[], t: TimelineEntry): { cause: TimelineEntry | null; decisions: TimelineEntry[] } {
  const ci = t.data?.['causeIndex'];
  const cause = typeof ci === 'number' ? entries.find((e) => e.index === ci) ?? null : null;
  const from = cause ? cause.index : 0;
  const decisions = entries.filter(
    (e) =>
      e.index >= from &&
      e.index < t.index &&
      (e.kind === 'decision' || e.kind === 'split' || e.kind === 'condition' || (e.kind === 'wait' && !!e.data?.['why'])),
  );
  return { cause, decisions };
}

function WhyPanel({ entries, entry, onShow }: { entries: TimelineEntry[]; entry: TimelineEntry; onShow: (i: number) => void }) {
  const { cause, decisions } = reasons(entries, entry);
  const c = causeOf(entry);
  const status = entry.status ?? '';
  const consent = entry.data?.['consent'] ?? entry.data?.['reason'];
  return (
    <div className="why" data-testid="why-panel" role="region" aria-label={`Why ${entry.name ?? entry.kind}`}>
      <h4>
        Why {entry.kind === 'email' ? 'this e-mail' : entry.kind === 'task' ? 'this task' : 'this'}: <code>{entry.name}</code>
      </h4>
      <ul>
        <li>
          <strong>Step</strong> <code>{entry.step}</code>
        </li>
        <li data-testid="why-cause">
          <strong>Caused by</strong> {c ? causeText(c) : 'the step before it'}
          {cause && (
            <>
              {' '}
              at {cause.local}{' '}
              <button type="button" className="link" onClick={() => onShow(cause.index)}>
                show #{cause.index}
              </button>
            </>
          )}
        </li>
        {decisions.map((d) => (
          <li key={d.index}>
            <strong>{d.kind === 'wait' ? 'Deferred' : 'Branch'}</strong> <code>{d.step}</code>:{' '}
            {d.kind === 'wait' ? `${String(d.data?.['why'])} (until ${String(d.data?.['until'] ?? '')})` : d.detail}
          </li>
        ))}
        <li>
          <strong>Decision</strong> {status || 'done'}
          {consent !== undefined ? ` (${typeof consent === 'string' ? consent : JSON.stringify(consent)})` : ''}
          {entry.detail && status !== 'sent' && status !== 'created' ? ` — ${entry.detail}` : ''}
        </li>
      </ul>
    </div>
  );
}

export default function Timeline({
  entries,
  dealerTimeZone,
  customerTimeZone,
}: {
  entries: TimelineEntry[];
  dealerTimeZone: string;
  customerTimeZone?: string | null;
}) {
  const [open, setOpen] = useState<number | null>(null);
  const [flash, setFlash] = useState<number | null>(null);
  const [kinds, setKinds] = useState<'all' | 'touchpoints'>('all');
  const showCustomer = entries.some((e) => e.customerLocal);
  const shown = useMemo(
    () => (kinds === 'all' ? entries : entries.filter((e) => TOUCHPOINT_KINDS.has(e.kind) || e.kind === 'start' || e.kind === 'end')),
    [entries, kinds],
  );

  const show = (i: number) => {
    setKinds('all');
    setFlash(i);
    requestAnimationFrame(() => document.getElementById(`tl-${i}`)?.scrollIntoView({ block: 'center' }));
  };

  return (
    <div className="timeline-wrap">
      <div className="toolbar">
        <span className="muted">
          {entries.length} entries · dealer time {dealerTimeZone}
          {customerTimeZone ? ` · customer time ${customerTimeZone}` : ''}
        </span>
        <label>
          Show{' '}
          <select value={kinds} onChange={(e) => setKinds(e.target.value as 'all' | 'touchpoints')}>
            <option value="all">everything</option>
            <option value="touchpoints">touchpoints only</option>
          </select>
        </label>
      </div>
      <table className="timeline" data-testid="timeline">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Dealer time</th>
            {showCustomer && <th scope="col">Customer time</th>}
            <th scope="col">Elapsed</th>
            <th scope="col">What</th>
            <th scope="col">Step</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((e) => {
            const touchpoint = TOUCHPOINT_KINDS.has(e.kind);
            return (
              <Fragment key={e.index}>
                <tr
                  id={`tl-${e.index}`}
                  data-testid="timeline-row"
                  data-kind={e.kind}
                  className={`tl tl-${e.kind}${e.status ? ' tl-' + e.status : ''}${flash === e.index ? ' tl-flash' : ''}`}
                >
                  <td className="num">{e.index}</td>
                  <td className="nowrap">{e.local}</td>
                  {showCustomer && <td className="nowrap">{e.customerLocal ?? ''}</td>}
                  <td className="nowrap muted">{e.elapsed}</td>
                  <td>
                    <span className={`kind kind-${e.kind}`}>{e.kind}</span>
                    {e.name && e.kind !== 'step' ? <> {e.name}</> : null}
                    {e.status ? <span className={`status status-${e.status}`}> {e.status}</span> : null}
                  </td>
                  <td>
                    <code>{e.step ?? ''}</code>
                  </td>
                  <td>
                    {e.detail}
                    {touchpoint && (
                      <>
                        {' '}
                        <button
                          type="button"
                          className="link"
                          aria-expanded={open === e.index}
                          onClick={() => setOpen(open === e.index ? null : e.index)}
                        >
                          Why?
                        </button>
                      </>
                    )}
                  </td>
                </tr>
                {open === e.index && (
                  <tr className="tl-why">
                    <td colSpan={showCustomer ? 7 : 6}>
                      <WhyPanel entries={entries} entry={e} onShow={show} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
