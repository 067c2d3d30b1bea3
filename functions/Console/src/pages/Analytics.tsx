// Funnel analytics of one template version (GET /api/analytics/funnel): steps and phases entered, goal conversion, how
// each wait ended, and each A/B arm against the first with a 95 % interval of the difference.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Chart, BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend } from 'chart.js';
import { getFunnel, listTemplates, type Funnel, type TemplateSummary } from '../api';
import { useAuth } from '../auth';
import { fmtTime, pct, phaseColor, signedPct } from '../format';
import ProblemView from '../components/ProblemView';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export function AnalyticsPage() {
  const { me } = useAuth();
  const [templates, setTemplates] = useState<TemplateSummary[]>([]);
  const [template, setTemplate] = useState('');
  const [version, setVersion] = useState(1);
  const [dealer, setDealer] = useState('');
  const [funnel, setFunnel] = useState<Funnel | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listTemplates()
      .then((t) => {
        setTemplates(t);
        if (t.length) {
          setTemplate(t[0].id);
          setVersion(t[0].latestVersion);
        }
      })
      .catch(setError);
  }, []);

  const selected = templates.find((t) => t.id === template);

  const load = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!template) return;
    setBusy(true);
    setError(null);
    try {
      setFunnel(await getFunnel(template, version, dealer.trim() || undefined));
    } catch (x) {
      setError(x);
      setFunnel(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Funnel analytics</h1>
      <form className="filters" onSubmit={load} aria-label="Funnel">
        <label>
          Template{' '}
          <select
            value={template}
            onChange={(e) => {
              setTemplate(e.target.value);
              setVersion(templates.find((t) => t.id === e.target.value)?.latestVersion ?? 1);
            }}
          >
            {templates.map((t) => (
              <option key={t.id} value={t.id}>
                {t.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          Version{' '}
          <select value={version} onChange={(e) => setVersion(Number(e.target.value))}>
            {Array.from({ length: selected?.latestVersion ?? 1 }, (_, i) => i + 1).map((v) => (
              <option key={v} value={v}>
                v{v}
              </option>
            ))}
          </select>
        </label>
        {me?.role !== 'dealer' && (
          <label>
            Dealer (optional){' '}
            <input value={dealer} onChange={(e) => setDealer(e.target.value)} size={14} />
          </label>
        )}
        <button type="submit" disabled={busy || !template}>
          {busy ? 'Computing…' : 'Show funnel'}
        </button>
      </form>
      <ProblemView error={error} />
      {funnel && <FunnelView funnel={funnel} />}
    </section>
  );
}

function StepsChart({ funnel }: { funnel: Funnel }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const chart = new Chart(canvas.current!, {
      type: 'bar',
      data: {
        labels: funnel.steps.map((s) => s.stepId),
        datasets: [
          {
            label: 'journeys that entered the step',
            data: funnel.steps.map((s) => s.entered),
            backgroundColor: funnel.steps.map((s) => phaseColor(s.phase)),
          },
        ],
      },
      options: {
        indexAxis: 'y',
        animation: false,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    return () => chart.destroy();
  }, [funnel]);
  return (
    <div className="chart" style={{ height: Math.max(160, funnel.steps.length * 18 + 40) }}>
      <canvas ref={canvas} role="img" aria-label="Journeys that entered each step (bar chart; the table below has the numbers)" />
    </div>
  );
}

function FunnelView({ funnel }: { funnel: Funnel }) {
  const total = funnel.journeys || 1;
  return (
    <div className="funnel">
      <p>
        <strong data-testid="funnel-journeys">{funnel.journeys}</strong> journeys of {funnel.templateId} v{funnel.templateVersion}
        {funnel.dealerId ? ` at ${funnel.dealerId}` : ''} ·{' '}
        {Object.entries(funnel.statuses)
          .map(([s, n]) => `${n} ${s.toLowerCase()}`)
          .join(', ')}{' '}
        <span className="muted">
          · computed {fmtTime(funnel.computedAt)} from {funnel.scanned} journeys read
          {funnel.truncated ? ' (truncated: the scan limit was reached)' : ''}
        </span>
      </p>
      <div className="cards">
        <div className="card">
          <h2>Goals</h2>
          <table className="grid" data-testid="funnel-goals">
            <thead>
              <tr>
                <th scope="col">Goal</th>
                <th scope="col">Reached</th>
                <th scope="col">Conversion</th>
              </tr>
            </thead>
            <tbody>
              {funnel.goals.map((g) => (
                <tr key={g.goal}>
                  <td>{g.goal}</td>
                  <td className="num">{g.reached}</td>
                  <td className="num">{pct(g.conversion)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div className="card">
          <h2>Phases</h2>
          <table className="grid" data-testid="funnel-phases">
            <thead>
              <tr>
                <th scope="col">Phase</th>
                <th scope="col">Entered</th>
                <th scope="col">Share</th>
              </tr>
            </thead>
            <tbody>
              {funnel.phases.map((p) => (
                <tr key={p.phase}>
                  <td>
                    <span className="swatch" style={{ background: phaseColor(p.phase) }} aria-hidden="true" /> {p.phase}
                  </td>
                  <td className="num">{p.entered}</td>
                  <td className="num">{pct(p.entered / total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <h2>Steps</h2>
      <StepsChart funnel={funnel} />
      <table className="grid" data-testid="funnel-steps">
        <thead>
          <tr>
            <th scope="col">Step</th>
            <th scope="col">Kind</th>
            <th scope="col">Phase</th>
            <th scope="col">Entered</th>
            <th scope="col">Share</th>
          </tr>
        </thead>
        <tbody>
          {funnel.steps.map((s) => (
            <tr key={s.stepId}>
              <td>
                <code>{s.stepId}</code>
              </td>
              <td>{s.kind}</td>
              <td>{s.phase ?? '–'}</td>
              <td className="num">{s.entered}</td>
              <td className="num">{pct(s.entered / total)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Waits: how they ended</h2>
      <table className="grid" data-testid="funnel-waits">
        <thead>
          <tr>
            <th scope="col">Wait</th>
            <th scope="col">Entered</th>
            <th scope="col">Ended by an event</th>
            <th scope="col">Timed out</th>
            <th scope="col">Still waiting</th>
          </tr>
        </thead>
        <tbody>
          {funnel.waits.map((w) => (
            <tr key={w.stepId}>
              <td>
                <code>{w.stepId}</code>
              </td>
              <td className="num">{w.entered}</td>
              <td>
                {Object.entries(w.byEvent)
                  .map(([e, n]) => `${e}: ${n}`)
                  .join(', ') || '–'}
              </td>
              <td className="num">{w.timedOut}</td>
              <td className="num">{w.waiting}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {funnel.splits.map((s) => (
        <div key={s.stepId} data-testid="funnel-split">
          <h2>
            A/B split <code>{s.stepId}</code>
          </h2>
          <table className="grid">
            <thead>
              <tr>
                <th scope="col">Arm</th>
                <th scope="col">Journeys</th>
                {(s.arms[0]?.goals ?? []).map((g) => (
                  <th key={g.goal} scope="col">
                    {g.goal}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {s.arms.map((a) => (
                <tr key={a.arm}>
                  <td>{a.arm}</td>
                  <td className="num">{a.journeys}</td>
                  {a.goals.map((g) => (
                    <td key={g.goal} className="num">
                      {g.reached} ({pct(g.conversion)})
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {s.comparisons.length > 0 && (
            <ul className="comparisons">
              {s.comparisons.map((c) => (
                <li key={`${c.goal}/${c.arm}`}>
                  <strong>{c.goal}</strong>: {c.arm} vs {c.baseline} {signedPct(c.difference)} (95 % interval {signedPct(c.low)} to{' '}
                  {signedPct(c.high)}){c.low > 0 || c.high < 0 ? ' — significant' : ' — not significant'}
                </li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}
