// [PUBL-9] One page's publication, in its side panel: its state (« Brouillon », « En ligne »,
// « En ligne — modifiée depuis », « Programmée le … ») and, for the référent, « Mettre en
// ligne » (this page as it is now, nothing of the other pages) and « Retirer du site ».
import { useEffect, useId, useState } from 'react';
import type { PageStatusEntry, PublishIssue } from '../../../site/apiContract';
import type { PageMeta } from '../../../site/siteDoc';
import { ApiFailure, MESSAGES_FR, releasePage, withdrawPage } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import { pageState, pageStateLabel } from '../tree/pageState';
import { formatDateTime } from './formatDate';
import { PUBLISH_OFFLINE_TEXT, PUBLISHED_EVENT } from './PublishButton';
import { PublishIssues } from './PublishIssues';

type Result =
  | { kind: 'idle' }
  | { kind: 'busy'; what: 'release' | 'withdraw' }
  | { kind: 'done'; message: string; url?: string }
  | { kind: 'failed'; message: string; issues: PublishIssue[]; unreachable: boolean };

export function PagePublication(props: {
  auth: AuthSession;
  insee: string;
  page: PageMeta;
  statuses: ReadonlyMap<string, PageStatusEntry> | null;
  bodyEditedAt: number | undefined;
  canPublish: boolean;
  offline: boolean;
}) {
  const { auth, insee, page, statuses, canPublish, offline } = props;
  const [result, setResult] = useState<Result>({ kind: 'idle' });
  const reasonId = useId();
  useEffect(() => {
    if (!offline) setResult((r) => (r.kind === 'failed' && r.unreachable ? { kind: 'idle' } : r));
  }, [offline]);
  const state = pageState(page.id, statuses, props.bodyEditedAt);
  const entry = statuses?.get(page.id);
  // « … est en ligne telle qu’elle est maintenant » stops being true at the next edit.
  useEffect(() => {
    if (state.kind === 'modified') setResult((r) => (r.kind === 'done' ? { kind: 'idle' } : r));
  }, [state.kind]);

  async function run(what: 'release' | 'withdraw') {
    setResult({ kind: 'busy', what });
    const serverUrl = auth.current.serverUrl;
    try {
      const response = await auth.withAccessToken((token) =>
        (what === 'release' ? releasePage : withdrawPage)(serverUrl, insee, page.id, token),
      );
      window.dispatchEvent(new CustomEvent(PUBLISHED_EVENT, { detail: response.publishedAt }));
      setResult(
        what === 'release'
          ? {
              kind: 'done',
              message: `« ${page.title || 'Page sans titre'} » est en ligne telle qu’elle est maintenant.`,
              url: new URL(response.url, serverUrl + '/').href,
            }
          : { kind: 'done', message: `« ${page.title || 'Page sans titre'} » n’est plus sur le site.` },
      );
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : null;
      setResult({
        kind: 'failed',
        message: failure
          ? failure.status === 422 || failure.status === 409
            ? failure.message.split('\n')[0]!
            : `${what === 'release' ? 'La mise en ligne' : 'Le retrait'} a échoué : ${failure.message}`
          : MESSAGES_FR.unexpected,
        issues: failure?.issues.filter((i) => i.severity === 'error') ?? [],
        unreachable: failure?.kind === 'unreachable',
      });
    }
  }

  const busy = result.kind === 'busy';
  const online =
    state.kind === 'online' || state.kind === 'modified' || (state.kind === 'scheduled' && entry?.online);
  return (
    <div className="page-publication">
      <p className="page-state">
        <span className={`badge badge-state-${state.kind}`}>{pageStateLabel(state, formatDateTime)}</span>
        {entry?.releasedAt && online ? (
          <span className="hint">
            {' '}
            Mise en ligne le {formatDateTime(entry.releasedAt)}
            {entry.releasedBy ? ` par ${entry.releasedBy}` : ''}.
          </span>
        ) : null}
      </p>
      {state.kind === 'modified' && (
        <p className="hint">Le site montre la version mise en ligne, pas vos dernières modifications.</p>
      )}
      {canPublish ? (
        <div className="page-publication-actions">
          <button
            type="button"
            className="primary"
            disabled={busy || offline}
            aria-describedby={offline ? reasonId : undefined}
            onClick={() => void run('release')}
          >
            Mettre en ligne
          </button>
          {online && (
            <button
              type="button"
              disabled={busy || offline}
              aria-describedby={offline ? reasonId : undefined}
              onClick={() => void run('withdraw')}
            >
              Retirer du site
            </button>
          )}
        </div>
      ) : (
        <p className="hint">Le référent du site de la commune met les pages en ligne.</p>
      )}
      {offline && canPublish && (
        <p id={reasonId} className="hint publish-offline">
          {PUBLISH_OFFLINE_TEXT}
        </p>
      )}
      <div role="status" className="publish-result">
        {result.kind === 'busy' && (
          <p>{result.what === 'release' ? 'Mise en ligne en cours…' : 'Retrait en cours…'}</p>
        )}
        {result.kind === 'done' && (
          <p>
            {result.message}{' '}
            {result.url && (
              <a href={result.url} target="_blank" rel="noopener noreferrer">
                Voir le site publié
              </a>
            )}
          </p>
        )}
      </div>
      {result.kind === 'failed' && (
        <div role="alert" className="error publish-message">
          <p>{result.message}</p>
          <PublishIssues issues={result.issues} title="À corriger :" />
        </div>
      )}
    </div>
  );
}
