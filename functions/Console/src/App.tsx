// The shell: sign-in, the navigation the role allows, and the page of the current hash route.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from './api';
import { SECTIONS, canSee, signedInAs, useAuth, type Section } from './auth';
import { href, navigate, useRoute } from './router';
import ClockWidget from './components/ClockWidget';
import { TemplatesPage } from './pages/Templates';
import { TestPage } from './pages/TestTemplate';
import { JourneysPage, JourneyPage } from './pages/Journeys';
import { AnalyticsPage } from './pages/Analytics';
import { TasksPage } from './pages/Tasks';
import { MailboxPage } from './pages/Mailbox';

export default function App() {
  const { me, checking, signOut } = useAuth();
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const section = (route.segments[0] ?? '') as Section;

  // Land on the first section the role may see; keep the route when it is allowed.
  useEffect(() => {
    if (!me) return;
    if (!canSee(me.role, section)) {
      const first = SECTIONS.find((s) => s.roles.includes(me.role));
      if (first) navigate(first.id);
    }
  }, [me, section]);

  // Move focus to the page on navigation (keyboard and screen-reader users land on the new content).
  useEffect(() => {
    main.current?.focus();
  }, [route.path]);

  if (checking) return <p className="pad muted">Checking your key…</p>;
  if (!me) return <SignIn />;

  return (
    <div className="app">
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); main.current?.focus(); }}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Journeys console</span>
        <nav aria-label="Sections">
          <ul className="nav">
            {SECTIONS.filter((s) => s.roles.includes(me.role)).map((s) => (
              <li key={s.id}>
                <a href={href(s.id)} aria-current={section === s.id ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {me.role === 'admin' && <ClockWidget />}
        <span className="who" data-testid="signed-in-as">
          Signed in as <strong>{signedInAs(me)}</strong>
        </span>
        <button type="button" className="secondary" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {canSee(me.role, section) ? <Page segments={route.segments} /> : null}
      </main>
    </div>
  );
}

function Page({ segments }: { segments: string[] }) {
  const [section, id, version] = segments;
  switch (section as Section) {
    case 'templates':
      return <TemplatesPage id={id} version={version ? Number(version) : undefined} view={segments[3]} />;
    case 'test':
      return <TestPage />;
    case 'journeys':
      return id ? <JourneyPage id={id} /> : <JourneysPage />;
    case 'analytics':
      return <AnalyticsPage />;
    case 'tasks':
      return <TasksPage />;
    case 'mailbox':
      return <MailboxPage />;
    default:
      return null;
  }
}

function SignIn() {
  const { signIn, notice } = useAuth();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!key.trim()) {
      setError('Enter your API key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(key.trim());
    } catch (x) {
      setError(x instanceof ApiError && x.status === 401 ? 'This API key is not known.' : x instanceof ApiError ? x.message : String(x));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin" id="main">
      <h1>Journeys console</h1>
      <p className="muted">Sign in with the API key you were given. It stays in this browser tab only.</p>
      {notice && <p className="notice" role="status">{notice}</p>}
      <form onSubmit={submit} aria-label="Sign in">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'api-key-error' : undefined}
        />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p id="api-key-error" className="error" role="alert">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
