// The development mailbox (when the e-mail sink is the dev mailbox): every rendered e-mail, shown in a sandboxed frame.
import { useCallback, useEffect, useState } from 'react';
import { ApiError, getMailbox, type MailboxMessage } from '../api';
import { fmtTime } from '../format';
import { href } from '../router';
import ProblemView from '../components/ProblemView';
import { CLOCK_EVENT } from '../components/ClockWidget';

export function MailboxPage() {
  const [items, setItems] = useState<MailboxMessage[] | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    getMailbox()
      .then((m) => {
        setItems(m.items);
        setError(null);
      })
      .catch(setError);
  }, []);

  useEffect(() => {
    load();
    window.addEventListener(CLOCK_EVENT, load);
    return () => window.removeEventListener(CLOCK_EVENT, load);
  }, [load]);

  const message = items?.find((m) => m.id === selected) ?? items?.[items.length - 1] ?? null;

  if (error instanceof ApiError && error.status === 404)
    return (
      <section>
        <h1>Mailbox</h1>
        <p className="muted">This host sends e-mail through SendGrid: there is no development mailbox.</p>
      </section>
    );

  return (
    <section>
      <h1>Mailbox</h1>
      <ProblemView error={error} />
      {items && items.length === 0 && <p className="muted">No e-mail yet.</p>}
      {items && items.length > 0 && (
        <div className="mailbox" data-testid="mailbox">
          <ul className="mail-list" aria-label="E-mails">
            {[...items].reverse().map((m) => (
              <li key={m.id}>
                <button
                  type="button"
                  className={message?.id === m.id ? 'mail selected' : 'mail'}
                  aria-pressed={message?.id === m.id}
                  onClick={() => setSelected(m.id)}
                >
                  <strong>{m.subject}</strong>
                  <span className="muted small">
                    {m.to} · {fmtTime(m.sentAt)} · {m.emailTemplate}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {message && (
            <article className="mail-view" aria-label={`E-mail: ${message.subject}`}>
              <h2>{message.subject}</h2>
              <p className="muted small">
                To {message.to} · {message.category} · {fmtTime(message.sentAt)} ·{' '}
                <a href={href('journeys', message.journeyId)}>its journey</a>
              </p>
              <iframe title={`Body of ${message.subject}`} sandbox="" srcDoc={message.body} className="mail-body" />
            </article>
          )}
        </div>
      )}
    </section>
  );
}
