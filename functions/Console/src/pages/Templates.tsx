// Templates: the list with versions; for one version its graph, the YAML editor (validated by the server as you type,
// publish), and the diff of two versions.
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { diffLines } from 'diff';
import {
  getTemplate,
  getTemplateVersion,
  listTemplates,
  publishTemplate,
  type PublishResult,
  type TemplateSummary,
  type TemplateVersion,
} from '../api';
import { fmtTime, documentId } from '../format';
import { href, navigate } from '../router';
import ProblemView from '../components/ProblemView';
import YamlEditor, { type ValidationState } from '../components/YamlEditor';
import { useDraft } from '../draft';

const TemplateGraph = lazy(() => import('../components/TemplateGraph'));

type View = 'graph' | 'edit' | 'diff';

export function TemplatesPage({ id, version, view }: { id?: string; version?: number; view?: string }) {
  if (!id) return <TemplateList />;
  return <TemplateDetail id={id} version={version} view={(view as View) || 'graph'} />;
}

function TemplateList() {
  const [items, setItems] = useState<TemplateSummary[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    listTemplates().then(setItems).catch(setError);
  }, []);
  return (
    <section>
      <h1>Templates</h1>
      <ProblemView error={error} />
      {items && (
        <table className="grid" data-testid="templates">
          <thead>
            <tr>
              <th scope="col">Template</th>
              <th scope="col">Name</th>
              <th scope="col">Versions</th>
              <th scope="col">Entry events</th>
              <th scope="col">Published</th>
            </tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <tr key={t.id}>
                <td>
                  <a href={href('templates', t.id, t.latestVersion)}>{t.id}</a>
                </td>
                <td>{t.name}</td>
                <td>
                  {Array.from({ length: t.latestVersion }, (_, i) => i + 1).map((v) => (
                    <a key={v} className="chip" href={href('templates', t.id, v)} aria-label={`${t.id} version ${v}`}>
                      v{v}
                    </a>
                  ))}
                </td>
                <td>{t.entryEvents.join(', ')}</td>
                <td className="nowrap">{fmtTime(t.publishedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function TemplateDetail({ id, version, view }: { id: string; version?: number; view: View }) {
  const [tv, setTv] = useState<TemplateVersion | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setError(null);
    setTv(null);
    const load = version ? getTemplateVersion(id, version) : getTemplate(id);
    load.then(setTv).catch(setError);
  }, [id, version]);

  const tabs: { id: View; label: string }[] = [
    { id: 'graph', label: 'Graph' },
    { id: 'edit', label: 'Edit YAML' },
    { id: 'diff', label: 'Compare versions' },
  ];

  return (
    <section>
      <p className="crumbs">
        <a href={href('templates')}>Templates</a> / {id}
        {tv ? ` / version ${tv.version}` : ''}
      </p>
      <h1>{tv ? tv.name : id}</h1>
      <ProblemView error={error} />
      {tv && (
        <>
          <div className="row">
            <label>
              Version{' '}
              <select value={tv.version} onChange={(e) => navigate('templates', id, Number(e.target.value), view)}>
                {tv.versions.map((v) => (
                  <option key={v} value={v}>
                    v{v}
                  </option>
                ))}
              </select>
            </label>
            <span className="muted">published {fmtTime(tv.publishedAt)}</span>
          </div>
          <nav className="tabs" aria-label="Template views">
            {tabs.map((t) => (
              <a key={t.id} href={href('templates', id, tv.version, t.id)} aria-current={view === t.id ? 'page' : undefined}>
                {t.label}
              </a>
            ))}
          </nav>
          {view === 'graph' && (
            <Suspense fallback={<p className="muted">Loading the graph…</p>}>
              {tv.template.description && <p className="muted">{tv.template.description}</p>}
              <TemplateGraph template={tv.template} />
            </Suspense>
          )}
          {view === 'edit' && <TemplateEditor key={`${tv.id}/${tv.version}`} tv={tv} />}
          {view === 'diff' && <TemplateDiff tv={tv} />}
        </>
      )}
    </section>
  );
}

function TemplateEditor({ tv }: { tv: TemplateVersion }) {
  const { draft, setDraft } = useDraft();
  const initial = draft && draft.baseId === tv.id && draft.baseVersion === tv.version ? draft.text : tv.source;
  const [text, setText] = useState(initial);
  const [validation, setValidation] = useState<ValidationState | null>(null);
  const [published, setPublished] = useState<PublishResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const targetId = documentId(text) ?? tv.id;

  const change = (t: string) => {
    setText(t);
    setPublished(null);
    setDraft({ text: t, baseId: tv.id, baseVersion: tv.version });
  };

  const publish = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await publishTemplate(targetId, text);
      setPublished(r);
      setDraft(null);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <p className="muted">
        Edit the YAML: the server checks it as you type and pins each error to its line. Publishing creates a new version;
        running journeys keep theirs.
      </p>
      <YamlEditor value={text} onChange={change} onValidation={setValidation} label={`YAML of template ${tv.id}`} />
      <div className="row">
        <button type="button" onClick={publish} disabled={busy || validation?.valid !== true}>
          Publish as {targetId}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft({ text, baseId: tv.id, baseVersion: tv.version });
            navigate('test');
          }}
        >
          Test this draft
        </button>
        <button type="button" className="secondary" onClick={() => change(tv.source)} disabled={text === tv.source}>
          Revert
        </button>
      </div>
      <ProblemView error={error} />
      {published && (
        <p className="ok" role="status" data-testid="published">
          {published.created ? 'Published' : 'Unchanged: the same document is already'} {published.id} version {published.version}.{' '}
          <a href={href('templates', published.id, published.version)}>Open it</a>
        </p>
      )}
    </div>
  );
}

function TemplateDiff({ tv }: { tv: TemplateVersion }) {
  const others = tv.versions.filter((v) => v !== tv.version);
  const [against, setAgainst] = useState<number | null>(others.length ? others[others.length - 1] : null);
  const [other, setOther] = useState<TemplateVersion | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setOther(null);
    if (against === null) return;
    getTemplateVersion(tv.id, against).then(setOther).catch(setError);
  }, [tv.id, against]);

  const parts = useMemo(() => {
    if (!other) return [];
    const [older, newer] = other.version < tv.version ? [other, tv] : [tv, other];
    return diffLines(older.source, newer.source);
  }, [other, tv]);

  if (against === null) return <p className="muted">This template has one version: nothing to compare.</p>;
  const [lo, hi] = other ? (other.version < tv.version ? [other.version, tv.version] : [tv.version, other.version]) : [0, 0];
  return (
    <div>
      <label>
        Compare v{tv.version} with{' '}
        <select value={against} onChange={(e) => setAgainst(Number(e.target.value))}>
          {others.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
      </label>
      <ProblemView error={error} />
      {other && (
        <>
          <p className="muted">
            Lines removed in v{hi} are red, lines added are green (v{lo} → v{hi}).
          </p>
          <pre className="diff" data-testid="template-diff">
            {parts.map((p, i) => (
              <span key={i} className={p.added ? 'add' : p.removed ? 'del' : 'same'}>
                {p.value
                  .replace(/\n$/, '')
                  .split('\n')
                  .map((l) => `${p.added ? '+ ' : p.removed ? '- ' : '  '}${l}`)
                  .join('\n') + '\n'}
              </span>
            ))}
          </pre>
        </>
      )}
    </div>
  );
}
