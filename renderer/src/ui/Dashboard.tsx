// The home dashboard: what other agents changed since my last visit, what is not published,
// and where the site stands (sync and last publication, remembered for offline use).
import { useEffect, useState, useSyncExternalStore } from 'react';
import type * as Y from 'yjs';
import type { PageMeta } from '../../../site/siteDoc';
import { FirstSteps } from './firstSteps/FirstSteps';
import { getPublication } from '../auth/apiClient';
import type { AuthSession } from '../auth/AuthSession';
import type { SyncClient } from '../sync/SyncClient';
import { pendingWorkOf, syncStatusText } from '../sync/syncStatus';
import { useFocusOnMount } from './useFocusOnMount';
import { formatDateTime } from './formatDate';
import { pageState, pageStateLabel } from '../tree/pageState';
import { PUBLISHED_EVENT } from './PublishButton';
import { usePageStatuses } from './usePageStatuses';
import { persistenceText, requestPersistentStorage } from './StorageWarning';

const PERSIST_NOTICE_KEY = 'usine:persistNoticeSeen';

interface Props {
  insee: string;
  agentId: string;
  agentName: string;
  pages: PageMeta[];
  auth: AuthSession;
  sync: SyncClient;
  onOpenPage: (pageId: string) => void;
  /** Other agents online on the site (presence). */
  onlineAgents: readonly string[];
  /** For « Premiers pas ». */
  manifest?: Y.Doc;
  communeName?: string;
  onCreateStarterPages?: () => Promise<number>;
}

function storageGet(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function storageSet(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage full or disabled: the dashboard only loses its memory, never content.
  }
}

/** The previous visit's time, read once; this visit is recorded for next time. */
function useLastVisit(key: string): number {
  const [previous] = useState(() => Number(storageGet(key) ?? 0) || 0);
  useEffect(() => storageSet(key, String(Date.now())), [key]);
  return previous;
}

/** Last publication: from the server when reachable, else what we last heard. */
function usePublication(auth: AuthSession, insee: string): { at: number | null; known: boolean } {
  const key = `usine:publication:${auth.current.serverUrl}:${insee}`;
  const [state, setState] = useState<{ at: number | null; known: boolean }>(() => {
    const stored = storageGet(key);
    return stored === null ? { at: null, known: false } : { at: Number(stored) || null, known: true };
  });
  useEffect(() => {
    let live = true;
    auth
      .withAccessToken((token) => getPublication(auth.current.serverUrl, insee, token))
      .then(
        (result) => {
          storageSet(key, String(result.lastPublishedAt ?? 0));
          if (live) setState({ at: result.lastPublishedAt, known: true });
        },
        () => undefined,
      );
    const onPublished = (event: Event) => {
      const at = (event as CustomEvent<number>).detail;
      storageSet(key, String(at));
      setState({ at, known: true });
    };
    window.addEventListener(PUBLISHED_EVENT, onPublished);
    return () => {
      live = false;
      window.removeEventListener(PUBLISHED_EVENT, onPublished);
    };
  }, [auth, insee, key]);
  return state;
}

export function Dashboard({
  insee,
  agentId,
  agentName,
  pages,
  auth,
  sync,
  onOpenPage,
  onlineAgents,
  manifest,
  communeName,
  onCreateStarterPages,
}: Props) {
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  const lastVisit = useLastVisit(`usine:lastVisit:${auth.current.serverUrl}:${agentId}:${insee}`);
  const publication = usePublication(auth, insee);
  const { status, pendingRooms } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  const [persisted, setPersisted] = useState<boolean | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    void requestPersistentStorage().then((granted) => live && setPersisted(granted));
    return () => {
      live = false;
    };
  }, []);
  const changed = pages
    .filter((p) => lastVisit > 0 && p.updatedAt > lastVisit && p.updatedBy && p.updatedBy !== agentName)
    .sort((a, b) => b.updatedAt - a.updatedAt);
  // [PUBL-9] What the public site shows, from the server's page statuses.
  const statuses = usePageStatuses(auth, insee);
  const drafts = statuses ? pages.filter((p) => pageState(p.id, statuses).kind === 'draft') : [];
  const modified = statuses ? pages.filter((p) => pageState(p.id, statuses).kind === 'modified') : [];

  return (
    <section aria-labelledby="dashboard-title" className="dashboard screen">
      <h1 id="dashboard-title" ref={headingRef} tabIndex={-1}>
        Tableau de bord
      </h1>
      <p className="online-agents">
        {status.kind === 'offline'
          ? 'Présence des autres agents indisponible hors connexion.'
          : onlineAgents.length === 0
            ? 'Aucun autre agent en ligne sur le site.'
            : `Aussi en ligne sur le site : ${onlineAgents.join(', ')}.`}
      </p>
      {manifest && (
        <FirstSteps
          manifest={manifest}
          communeName={communeName ?? ''}
          pages={pages}
          lastPublishedAt={publication.known ? publication.at : undefined}
          onCreateStarterPages={onCreateStarterPages}
        />
      )}
      <div className="dashboard-grid">
        <div className="card">
          <h2>Depuis votre dernière visite</h2>
          {lastVisit === 0 ? (
            <p>C’est votre première visite sur cet ordinateur.</p>
          ) : changed.length === 0 ? (
            <p>Aucune page modifiée par d’autres agents depuis le {formatDateTime(lastVisit)}.</p>
          ) : (
            <ul>
              {changed.slice(0, 10).map((p) => (
                <li key={p.id}>
                  <button type="button" className="link-button" onClick={() => onOpenPage(p.id)}>
                    {p.title || 'Page sans titre'}
                  </button>{' '}
                  — modifiée par {p.updatedBy} le {formatDateTime(p.updatedAt)}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="card">
          <h2>Pages non publiées</h2>
          {!statuses ? (
            <p>État de publication des pages inconnu (hors ligne).</p>
          ) : drafts.length === 0 && modified.length === 0 ? (
            <p>Toutes les pages sont en ligne telles qu’elles sont.</p>
          ) : (
            <>
              <p>
                {drafts.length} en brouillon (invisible{drafts.length > 1 ? 's' : ''} sur le site),{' '}
                {modified.length} en ligne — modifiée{modified.length > 1 ? 's' : ''} depuis.
              </p>
              <ul>
                {[...modified, ...drafts].slice(0, 10).map((p) => (
                  <li key={p.id}>
                    <button type="button" className="link-button" onClick={() => onOpenPage(p.id)}>
                      {p.title || 'Page sans titre'}
                    </button>{' '}
                    — {pageStateLabel(pageState(p.id, statuses), formatDateTime)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
        <div className="card">
          <h2>État du site</h2>
          <p>{syncStatusText(status, pendingWorkOf(pendingRooms))}.</p>
          <p>
            {publication.at
              ? `Dernière publication le ${formatDateTime(publication.at)}.`
              : publication.known
                ? 'Le site n’a jamais été publié.'
                : 'Date de la dernière publication inconnue (hors ligne).'}
          </p>
          {persisted === false && <PersistenceNotice />}
        </div>
      </div>
    </section>
  );
}

/**
 * The browser refused persistent storage: said calmly, with what to do, once (« J’ai compris »
 * is remembered on this computer). In the desktop app storage is always granted.
 */
function PersistenceNotice() {
  const [seen, setSeen] = useState(() => storageGet(PERSIST_NOTICE_KEY) === '1');
  if (seen) return null;
  return (
    <div className="storage-persist">
      <p>{persistenceText(false)}</p>
      <button
        type="button"
        className="small"
        onClick={() => {
          storageSet(PERSIST_NOTICE_KEY, '1');
          setSeen(true);
        }}
      >
        J’ai compris
      </button>
    </div>
  );
}
