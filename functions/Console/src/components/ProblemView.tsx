// An API error (problem details) as the user should read it: title, detail and each error with its path.
import { ApiError } from '../api';

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return [e.problem.title, e.problem.detail].filter(Boolean).join(': ');
  return e instanceof Error ? e.message : String(e);
}

export default function ProblemView({ error }: { error: unknown }) {
  if (!error) return null;
  const errors = error instanceof ApiError ? error.problem.errors ?? [] : [];
  return (
    <div className="problem" role="alert">
      <strong>{errorText(error)}</strong>
      {errors.length > 0 && (
        <ul>
          {errors.map((x, i) => (
            <li key={i}>
              <code>{x.path}</code> {x.message}
              {x.line ? ` (line ${x.line})` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
