// [PUBL-9] « Publier les modifications »: a dialog lists what will go online (the pages
// changed since they were put online, and those marked ready), then every ready page goes
// online; the incomplete ones are left as they are and named, each with a link to its field.
import { useId, useState } from 'react';
import type { PageStatusEntry, PublishIssue } from '../../../site/apiContract';
import type { PageMeta } from '../../../site/siteDoc';
import { FormDialog } from './feedback/FormDialog';
import { ApiFailure, MESSAGES_FR, publish } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import { pageState, pageStateLabel, pagesToPublish } from '../tree/pageState';
import { formatDateTime } from './formatDate';
import { PUBLISH_OFFLINE_TEXT, PUBLISHED_EVENT } from './PublishButton';
import { PublishIssues } from './PublishIssues';

type Result =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; released: number; skipped: PublishIssue[]; url: string }
  | { kind: 'failed'; message: string; issues: PublishIssue[] };

export function SitePublication(props: {
  auth: AuthSession;
  insee: string;
  pages: readonly PageMeta[];
  statuses: ReadonlyMap<string, PageStatusEntry> | null;
  offline: boolean;
}) {
  const { auth, insee, pages, statuses, offline } = props;
  const [open, setOpen] = useState(false);
  const [result, setResult] = useState<Result>({ kind: 'idle' });
  const reasonId = useId();
  const ready = statuses ? pagesToPublish(pages, statuses) : [];
  const drafts = statuses ? pages.filter((p) => pageState(p.id, statuses).kind === 'draft').length : 0;
  const title = (p: PageMeta) => p.title || 'Page sans titre';

  async function run() {
    setOpen(false);
    setResult({ kind: 'busy' });
    const serverUrl = auth.current.serverUrl;
    try {
      const response = await auth.withAccessToken((token) => publish(serverUrl, insee, token));
      window.dispatchEvent(new CustomEvent(PUBLISHED_EVENT, { detail: response.publishedAt }));
      setResult({
        kind: 'done',
        released: response.released?.length ?? 0,
        skipped: response.skipped ?? [],
        url: new URL(response.url, serverUrl + '/').href,
      });
    } catch (error) {
      const failure = error instanceof ApiFailure ? error : null;
      setResult({
        kind: 'failed',
        message: failure
          ? failure.status === 422
            ? failure.message.split('\n')[0]!
            : `La publication a échoué : ${failure.message}`
          : MESSAGES_FR.unexpected,
        issues: failure?.issues.filter((i) => i.severity === 'error') ?? [],
      });
    }
  }

  return (
    <div className="publish">
      <button
        type="button"
        className="primary"
        disabled={offline || result.kind === 'busy' || !statuses}
        aria-describedby={offline ? reasonId : undefined}
        onClick={() => setOpen(true)}
      >
        Publier les modifications
      </button>
      {offline && (
        <p id={reasonId} className="hint publish-offline">
          {PUBLISH_OFFLINE_TEXT}
        </p>
      )}
      {open && (
        <FormDialog title="Publier les modifications" onClose={() => setOpen(false)}>
          {ready.length === 0 ? (
            <>
              <p>Aucune page en ligne n’a changé : le site sera publié à nouveau tel qu’il est.</p>
              {drafts > 0 && (
                <p>
                  {drafts === 1 ? 'Le brouillon reste' : `Les ${drafts} brouillons restent`} hors du site :
                  pour mettre une page en ligne, ouvrez-la et choisissez « Mettre en ligne ».
                </p>
              )}
            </>
          ) : (
            <>
              <p>
                {ready.length === 1 ? 'Cette page sera mise' : `Ces ${ready.length} pages seront mises`} en
                ligne telle{ready.length > 1 ? 's' : ''} qu’elle{ready.length > 1 ? 's sont' : ' est'}{' '}
                maintenant ; une page incomplète restera comme elle est sur le site, et vous saurez quoi
                corriger.
              </p>
              <ul className="publish-list">
                {ready.map((p) => (
                  <li key={p.id}>
                    {title(p)} — {pageStateLabel(pageState(p.id, statuses), formatDateTime)}
                  </li>
                ))}
              </ul>
            </>
          )}
          <div className="dialog-actions">
            <button type="button" className="primary" onClick={() => void run()}>
              Publier
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Annuler
            </button>
          </div>
        </FormDialog>
      )}
      <div role="status" className="publish-result">
        {result.kind === 'busy' && <p>Publication en cours…</p>}
        {result.kind === 'done' && (
          <p>
            Site publié : {result.released} page{result.released > 1 ? 's' : ''} mise
            {result.released > 1 ? 's' : ''} en ligne.{' '}
            <a href={result.url} target="_blank" rel="noopener noreferrer">
              Voir le site publié
            </a>
          </p>
        )}
      </div>
      {result.kind === 'done' && result.skipped.length > 0 && (
        <div className="warning publish-skipped">
          <PublishIssues
            issues={result.skipped}
            title="Ces pages n’ont pas été mises en ligne (le site garde leur version précédente, s’il y en a une) :"
          />
        </div>
      )}
      {result.kind === 'failed' && (
        <div role="alert" className="error publish-message">
          <p>{result.message}</p>
          <PublishIssues issues={result.issues} title="À corriger :" />
        </div>
      )}
    </div>
  );
}
