// Test a template before it goes live: a scenario (customer profile, events at times, expectations) simulated in virtual
// time by the API (the simulation of `journey simulate`), shown as its timeline. Nothing is stored or sent.
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { listTemplates, runSimulation, type SimulationRequest, type SimulationResult, type TemplateSummary } from '../api';
import { useDraft } from '../draft';
import ProblemView from '../components/ProblemView';
import Timeline from '../components/Timeline';

// The shipped scenarios, bundled as examples (the same files `journey test` runs).
const SHIPPED = import.meta.glob('../../../journey-templates/scenarios/**/*.yaml', {
  query: '?raw',
  import: 'default',
  eager: true,
}) as Record<string, string>;

const EXAMPLES = Object.entries(SHIPPED)
  .map(([path, text]) => {
    const m = /scenarios\/([^/]+)\/([^/]+)\.yaml$/.exec(path);
    return { template: m?.[1] ?? '', name: m?.[2] ?? path, text };
  })
  .sort((a, b) => (a.template + a.name).localeCompare(b.template + b.name));

const DRAFT = '__draft';

export function TestPage() {
  const { draft } = useDraft();
  const [templates, setTemplates] = useState<TemplateSummary[]>([]);
  const [source, setSource] = useState<string>(draft ? DRAFT : 'new-car-purchase');
  const [scenario, setScenario] = useState<string>(() => EXAMPLES.find((e) => e.name === 'books-test-drive-at-once')?.text ?? '');
  const [result, setResult] = useState<SimulationResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    listTemplates().then(setTemplates).catch(setError);
  }, []);

  const examples = useMemo(() => {
    const id = source === DRAFT ? draft?.baseId : source;
    const own = EXAMPLES.filter((e) => e.template === id);
    return own.length ? own : EXAMPLES;
  }, [source, draft]);

  const run = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const req: SimulationRequest =
        source === DRAFT && draft
          ? { template: draft.text, scenario }
          : { templateId: source, templateVersion: templates.find((t) => t.id === source)?.latestVersion ?? 1, scenario };
      setResult(await runSimulation(req));
    } catch (x) {
      setError(x);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section>
      <h1>Test a template</h1>
      <p className="muted">
        A scenario is a customer and the events the dealer's systems would raise, at times after the start. It runs in
        virtual time on the real interpreter, calendar and e-mail rendering; nothing is stored or sent.
      </p>
      <form onSubmit={run} className="sim-form" aria-label="Scenario">
        <div className="row">
          <label>
            Template{' '}
            <select value={source} onChange={(e) => setSource(e.target.value)}>
              {draft && <option value={DRAFT}>the draft from the editor ({draft.baseId ?? 'new'})</option>}
              {templates.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.id} v{t.latestVersion}
                </option>
              ))}
            </select>
          </label>
          <label>
            Example scenario{' '}
            <select
              defaultValue=""
              onChange={(e) => {
                const x = examples.find((ex) => `${ex.template}/${ex.name}` === e.target.value);
                if (x) setScenario(x.text);
              }}
            >
              <option value="" disabled>
                choose…
              </option>
              {examples.map((x) => (
                <option key={`${x.template}/${x.name}`} value={`${x.template}/${x.name}`}>
                  {x.template}: {x.name}
                </option>
              ))}
            </select>
          </label>
        </div>
        <label htmlFor="scenario-text">Scenario (YAML)</label>
        <textarea
          id="scenario-text"
          className="code"
          rows={16}
          spellCheck={false}
          value={scenario}
          onChange={(e) => setScenario(e.target.value)}
        />
        <button type="submit" disabled={busy || !scenario.trim()}>
          {busy ? 'Running…' : 'Run scenario'}
        </button>
      </form>
      <ProblemView error={error} />
      {result && <SimulationView result={result} />}
    </section>
  );
}

function SimulationView({ result }: { result: SimulationResult }) {
  const failed = result.expectations.filter((x) => !x.passed).length;
  return (
    <div className="sim-result">
      <h2>
        {result.scenario}: {result.outcome}{' '}
        {result.expectations.length > 0 && (
          <span className={failed ? 'badge badge-bad' : 'badge badge-good'}>
            {failed ? `${failed} expectation${failed === 1 ? '' : 's'} failed` : 'all expectations met'}
          </span>
        )}
      </h2>
      <p className="muted">
        {result.templateId} v{result.templateVersion} · from {result.start} to {result.endedAt} · {result.episodes} episodes
      </p>
      {result.expectations.length > 0 && (
        <table className="grid" data-testid="expectations">
          <thead>
            <tr>
              <th scope="col">Expectation</th>
              <th scope="col">Result</th>
              <th scope="col">Timeline entries</th>
            </tr>
          </thead>
          <tbody>
            {result.expectations.map((x) => (
              <tr key={x.path} className={x.passed ? 'pass' : 'fail'}>
                <td>
                  <code>{x.path}</code> {x.expectation}
                </td>
                <td>{x.passed ? 'passed' : `failed${x.problem ? ': ' + x.problem : ''}`}</td>
                <td>{x.entries.map((i) => `#${i}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Timeline entries={result.timeline} dealerTimeZone={result.dealerTimeZone} />
    </div>
  );
}
