// « Programmer la publication » of one page, for the référent: a date and time (checked in
// French: given, valid, to come), the page's scheduled publications with « Annuler », and
// their state (also shown, without the controls, to the other members). The server publishes at that time with no editor running; this needs the
// server, so offline it says so and does nothing.
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import type { ScheduledPublication } from '../../../site/apiContract';
import type { PageMeta } from '../../../site/siteDoc';
import {
  ApiFailure,
  cancelScheduledPublication,
  getSchedule,
  MESSAGES_FR,
  schedulePublication,
} from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import { formatDateTime } from './formatDate';
import { DateTimeInput } from './forms/DateTimeInput';
import { parseScheduleTime } from './scheduleTime';

interface Props {
  auth: AuthSession;
  insee: string;
  page: Pick<PageMeta, 'id' | 'title'>;
  /** The référent schedules and cancels; the others only see what is scheduled. */
  canSchedule: boolean;
}

type ScheduleList =
  | { kind: 'loading' }
  | { kind: 'loaded'; items: ScheduledPublication[] }
  | { kind: 'unavailable'; message: string };

const OFFLINE_FR =
  'Programmation impossible hors ligne : le serveur de la Métropole est injoignable. Rien n’a été programmé ni annulé.';
/** While a publication is pending, its state is read again this often. */
const POLL_MS = 10_000;

function failureMessage(error: unknown): string {
  if (error instanceof ApiFailure) return error.kind === 'unreachable' ? OFFLINE_FR : error.message;
  return MESSAGES_FR.unexpected;
}

export function SchedulePublication({ auth, insee, page, canSchedule }: Props) {
  const [list, setList] = useState<ScheduleList>({ kind: 'loading' });
  const [date, setDate] = useState('');
  const [time, setTime] = useState('');
  const [error, setError] = useState('');
  const [message, setMessage] = useState('');
  const [busy, setBusy] = useState(false);
  const dateId = useId();
  const timeId = useId();
  const errorId = useId();
  const headingId = useId();

  const show = useCallback(
    (items: ScheduledPublication[]) =>
      setList({ kind: 'loaded', items: items.filter((s) => s.pageId === page.id) }),
    [page.id],
  );

  const load = useCallback(async () => {
    if (navigator.onLine === false) return setList({ kind: 'unavailable', message: OFFLINE_FR });
    const serverUrl = auth.current.serverUrl;
    try {
      show((await auth.withAccessToken((token) => getSchedule(serverUrl, insee, token))).scheduled);
    } catch (err) {
      setList({ kind: 'unavailable', message: failureMessage(err) });
    }
  }, [auth, insee, show]);

  useEffect(() => {
    void load();
  }, [load]);

  const pending = list.kind === 'loaded' ? list.items.filter((s) => s.state === 'pending') : [];
  useEffect(() => {
    if (pending.length === 0) return;
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [pending.length, load]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setMessage('');
    const parsed = parseScheduleTime(date, time, Date.now());
    if (!parsed.ok) return setError(parsed.message);
    setError('');
    if (navigator.onLine === false) return setError(OFFLINE_FR);
    setBusy(true);
    const serverUrl = auth.current.serverUrl;
    try {
      const response = await auth.withAccessToken((token) =>
        schedulePublication(serverUrl, insee, { pageId: page.id, at: parsed.at }, token),
      );
      show(response.scheduled);
      setDate('');
      setTime('');
      setMessage(
        `Publication de « ${page.title} » programmée le ${formatDateTime(parsed.at)}. Le serveur la fera, même éditeur fermé.`,
      );
    } catch (err) {
      setError(failureMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function cancel(item: ScheduledPublication) {
    setMessage('');
    setError('');
    const serverUrl = auth.current.serverUrl;
    try {
      const response = await auth.withAccessToken((token) =>
        cancelScheduledPublication(serverUrl, insee, item.id, token),
      );
      show(response.scheduled);
      setMessage(`Publication du ${formatDateTime(item.at)} annulée.`);
    } catch (err) {
      setError(failureMessage(err));
    }
  }

  const finished =
    list.kind === 'loaded'
      ? list.items.filter((s) => s.state === 'done' || s.state === 'failed').sort((a, b) => b.at - a.at)[0]
      : undefined;

  // Nothing scheduled for this page: only the référent has something to do here.
  if (!canSchedule && pending.length === 0 && !finished) return null;

  return (
    <section className="schedule" aria-labelledby={headingId}>
      <h2 id={headingId}>Publication à une date choisie</h2>
      {list.kind === 'unavailable' && (
        <p role="status" className="schedule-offline">
          {list.message}
        </p>
      )}
      {pending.length > 0 && (
        <ul className="schedule-list">
          {pending.map((s) => (
            <li key={s.id}>
              <span>Publication programmée le {formatDateTime(s.at)}</span>{' '}
              {canSchedule && (
                <button
                  type="button"
                  className="small"
                  aria-label={`Annuler la publication programmée le ${formatDateTime(s.at)}`}
                  onClick={() => void cancel(s)}
                >
                  Annuler
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {finished && pending.length === 0 && (
        <p className={finished.state === 'failed' ? 'error' : undefined}>
          {finished.state === 'done'
            ? `Publiée par le serveur le ${formatDateTime(finished.at)}, comme programmé.`
            : `La publication programmée le ${formatDateTime(finished.at)} n’a pas eu lieu : ${finished.message ?? 'erreur inconnue.'}`}
        </p>
      )}
      {canSchedule && (
        <form className="schedule-form" onSubmit={(e) => void submit(e)} aria-busy={busy} noValidate>
          <div className="field">
            <DateTimeInput
              id={dateId}
              kind="date"
              label="Date de publication"
              value={date}
              onChange={setDate}
              isInvalid={error !== ''}
              aria-describedby={error ? errorId : undefined}
            />
          </div>
          <div className="field">
            <DateTimeInput
              id={timeId}
              kind="time-seconds"
              label="Heure de publication"
              value={time}
              onChange={setTime}
              isInvalid={error !== ''}
              aria-describedby={error ? errorId : undefined}
            />
          </div>
          <button type="submit" disabled={busy}>
            Programmer la publication
          </button>
          {error && (
            <p id={errorId} role="alert" className="error">
              {error}
            </p>
          )}
        </form>
      )}
      <p aria-live="polite" className="schedule-message">
        {message}
      </p>
    </section>
  );
}
