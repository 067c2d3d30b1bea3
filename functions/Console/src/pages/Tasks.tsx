// The dealer's task board (open, overdue, escalated) with Complete.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { completeTask, getTaskBoard, type SalesTask, type TaskBoard } from '../api';
import { useAuth } from '../auth';
import { fmtDistance, fmtTime } from '../format';
import { href } from '../router';
import ProblemView from '../components/ProblemView';
import { CLOCK_EVENT } from '../components/ClockWidget';

export function TasksPage() {
  const { me } = useAuth();
  const [dealer, setDealer] = useState('');
  const [applied, setApplied] = useState('');
  const [board, setBoard] = useState<TaskBoard | null>(null);
  const [error, setError] = useState<unknown>(null);

  const load = useCallback(() => {
    getTaskBoard(applied || undefined)
      .then((b) => {
        setBoard(b);
        setError(null);
      })
      .catch(setError);
  }, [applied]);

  useEffect(() => {
    load();
    window.addEventListener(CLOCK_EVENT, load);
    const timer = window.setInterval(load, 10000);
    return () => {
      window.removeEventListener(CLOCK_EVENT, load);
      window.clearInterval(timer);
    };
  }, [load]);

  const complete = async (t: SalesTask) => {
    try {
      await completeTask(t.id, 'done');
      load();
    } catch (e) {
      setError(e);
    }
  };

  return (
    <section>
      <h1>Tasks{me?.dealerId ? ` of ${me.dealerId}` : ''}</h1>
      {me?.role === 'admin' && (
        <form
          className="filters"
          aria-label="Dealer"
          onSubmit={(e: FormEvent) => {
            e.preventDefault();
            setApplied(dealer.trim());
          }}
        >
          <label>
            Dealer{' '}
            <input value={dealer} onChange={(e) => setDealer(e.target.value)} size={14} placeholder="all dealers" />
          </label>
          <button type="submit">Show</button>
        </form>
      )}
      <ProblemView error={error} />
      {board && (
        <>
          <p className="muted">
            As of {fmtTime(board.now)}
            {board.truncated ? ' · only the first tasks are shown (board limit)' : ''}
          </p>
          <div className="board">
            <Column title="Open" testId="tasks-open" tasks={board.open} now={board.now} onComplete={complete} />
            <Column title="Overdue" testId="tasks-overdue" tasks={board.overdue} now={board.now} onComplete={complete} />
            <Column title="Escalated" testId="tasks-escalated" tasks={board.escalated} now={board.now} onComplete={complete} />
          </div>
        </>
      )}
    </section>
  );
}

function Column({
  title,
  testId,
  tasks,
  now,
  onComplete,
}: {
  title: string;
  testId: string;
  tasks: SalesTask[];
  now: string;
  onComplete: (t: SalesTask) => void;
}) {
  const nowMs = new Date(now).getTime();
  return (
    <div className={`column column-${testId}`} data-testid={testId} role="region" aria-label={`${title} tasks`}>
      <h2>
        {title} <span className="count">{tasks.length}</span>
      </h2>
      {tasks.length === 0 && <p className="muted">None.</p>}
      <ul>
        {tasks.map((t) => {
          const due = new Date(t.dueAt).getTime();
          return (
            <li key={t.id} className="task" data-testid="task">
              <p className="task-title">{t.title}</p>
              <p className="muted small">
                <code>{t.type}</code> · {t.customerId} · due {fmtTime(t.dueAt)} (
                {due >= nowMs ? `in ${fmtDistance(due - nowMs)}` : `${fmtDistance(nowMs - due)} late`})
                {t.assignee ? ` · ${t.assignee}` : ''}
              </p>
              <p className="row">
                <a href={href('journeys', t.journeyId)}>journey</a>
                <button type="button" onClick={() => onComplete(t)} aria-label={`Complete: ${t.title}`}>
                  Complete
                </button>
              </p>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
