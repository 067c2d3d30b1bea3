// CodeMirror 6 with YAML and the server's validation as lint: every error pinned at its line and column, and listed with
// its path below the editor. Validation runs as you type (debounced; the previous request is aborted).
import { useEffect, useRef, useState } from 'react';
import { EditorView, basicSetup } from 'codemirror';
import { EditorState } from '@codemirror/state';
import { yaml } from '@codemirror/lang-yaml';
import { linter, lintGutter, type Diagnostic } from '@codemirror/lint';
import { validateTemplate, type ProblemError } from '../api';
import { errorText } from './ProblemView';

export interface ValidationState {
  checking: boolean;
  valid: boolean | null;
  errors: ProblemError[];
  failure: string | null;
}

function position(doc: EditorState['doc'], e: ProblemError): number {
  if (!e.line || e.line < 1 || e.line > doc.lines) return 0;
  const line = doc.line(e.line);
  return Math.min(line.to, line.from + Math.max(0, (e.column ?? 1) - 1));
}

export default function YamlEditor({
  value,
  onChange,
  onValidation,
  label,
}: {
  value: string;
  onChange: (text: string) => void;
  onValidation?: (v: ValidationState) => void;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const callbacks = useRef({ onChange, onValidation });
  callbacks.current = { onChange, onValidation };
  const [state, setState] = useState<ValidationState>({ checking: false, valid: null, errors: [], failure: null });

  useEffect(() => {
    let controller: AbortController | null = null;
    const report = (v: ValidationState) => {
      setState(v);
      callbacks.current.onValidation?.(v);
    };
    const serverLint = linter(
      async (v): Promise<Diagnostic[]> => {
        controller?.abort();
        controller = new AbortController();
        const text = v.state.doc.toString();
        report({ checking: true, valid: null, errors: [], failure: null });
        try {
          const result = await validateTemplate(text, controller.signal);
          report({ checking: false, valid: result.valid, errors: result.errors, failure: null });
          return result.errors.map((e) => {
            const from = position(v.state.doc, e);
            const to = Math.max(from, v.state.doc.lineAt(from).to);
            return { from, to, severity: 'error', message: `${e.path}: ${e.message}`, source: 'server validation' };
          });
        } catch (e) {
          if (e instanceof DOMException && e.name === 'AbortError') return [];
          report({ checking: false, valid: null, errors: [], failure: errorText(e) });
          return [];
        }
      },
      { delay: 400 },
    );
    const editor = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          serverLint,
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) callbacks.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      controller?.abort();
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later `value` changes from outside replace the document below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  const jump = (e: ProblemError) => {
    const v = view.current;
    if (!v) return;
    const at = position(v.state.doc, e);
    v.dispatch({ selection: { anchor: at }, scrollIntoView: true });
    v.focus();
  };

  return (
    <div className="yaml-editor">
      <div className="editor" data-testid="template-editor" ref={host} />
      <div className="validation" aria-live="polite">
        {state.checking && <p className="muted small">Validating…</p>}
        {!state.checking && state.valid === true && (
          <p className="ok" data-testid="validation-ok">
            Valid: the server accepts this template.
          </p>
        )}
        {state.failure && <p className="error">Validation failed: {state.failure}</p>}
        {state.errors.length > 0 && (
          <>
            <p className="error">
              {state.errors.length} error{state.errors.length === 1 ? '' : 's'}:
            </p>
            <ul className="errors" data-testid="validation-errors">
              {state.errors.map((e, i) => (
                <li key={i}>
                  <button type="button" className="link" onClick={() => jump(e)}>
                    {e.line ? `line ${e.line}` : 'document'}
                  </button>{' '}
                  <code className="path">{e.path}</code> <span>{e.message}</span>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
