// One page: its title, its publication status, who else is here, its own truthful status,
// and its collaborative body editor with toolbar and live preview.
import { useEffect, useId, useMemo, useState, useSyncExternalStore } from 'react';
import type * as Y from 'yjs';
import type { CommuneRef } from '../../../site/apiContract';
import { type PageMeta, updatePage } from '../../../site/siteDoc';
import { pageRoom } from '../../../site/syncProtocol';
import type { AuthSession } from '../auth/AuthSession';
import type { HistoryStore } from '../history/HistoryStore';
import type { LocalDocs } from '../store/LocalStore';
import { usePresence } from '../sync/presence';
import type { BackgroundSync } from '../sync/BackgroundSync';
import type { RoomProvider } from '../sync/RoomProvider';
import type { SyncClient } from '../sync/SyncClient';
import { pendingEditsText } from '../sync/syncStatus';
import { pagePublicationState, pagePublicationText } from '../tree/pagePublication';
import { FieldsForm } from './FieldsForm';
import { PageHistory } from './PageHistory';
import { SchedulePublication } from './SchedulePublication';
import type { SessionMedia } from './Workspace';
import { formatDateTime } from './formatDate';
import { PageEditor } from './PageEditor';
import { useFocusOnMount } from './useFocusOnMount';
import { useSiteOnline } from './useSiteOnline';

interface Props {
  commune: CommuneRef;
  page: PageMeta;
  manifest: Y.Doc;
  docs: LocalDocs;
  sync: SyncClient;
  auth: AuthSession;
  media: SessionMedia;
  history: HistoryStore;
  background: BackgroundSync;
  readOnly: boolean;
  agent: { displayName: string; color: string };
  onBack: () => void;
}

export function PageScreen({
  commune,
  page,
  manifest,
  docs,
  sync,
  auth,
  media,
  history,
  background,
  readOnly,
  agent,
  onBack,
}: Props) {
  const provider = usePageRoom(docs, sync, background, pageRoom(commune.insee, page.id));
  const publishedId = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  const [showPreview, setShowPreview] = useState(false);
  const bodyMedia = useMemo(
    () => ({ insee: commune.insee, manifest, store: media.store, outbox: media.outbox }),
    [commune.insee, manifest, media],
  );

  return (
    <>
      <p>
        <button type="button" onClick={onBack}>
          Retour aux pages
        </button>
      </p>
      <h1 ref={headingRef} tabIndex={-1}>
        {page.title || 'Page sans titre'}
      </h1>
      {provider && <PagePresence provider={provider} />}
      {provider && (
        <PageStatus provider={provider} sync={sync} auth={auth} insee={commune.insee} page={page} />
      )}
      <p className="page-options">
        <input
          id={publishedId}
          type="checkbox"
          checked={page.status === 'published'}
          disabled={readOnly}
          onChange={(e) =>
            updatePage(
              manifest,
              page.id,
              { status: e.target.checked ? 'published' : 'draft' },
              agent.displayName,
            )
          }
        />{' '}
        <label htmlFor={publishedId}>Publiée</label>{' '}
        <span className="hint">(seules les pages publiées apparaissent sur le site)</span>{' '}
        <button type="button" aria-pressed={showPreview} onClick={() => setShowPreview((v) => !v)}>
          Aperçu avec le thème du site
        </button>
      </p>
      <SchedulePublication
        auth={auth}
        insee={commune.insee}
        page={page}
        canSchedule={commune.role === 'referent'}
      />
      <FieldsForm
        insee={commune.insee}
        page={page}
        manifest={manifest}
        media={media}
        readOnly={readOnly}
        agentName={agent.displayName}
      />
      <h2 className="body-title">Contenu</h2>
      {provider ? (
        <div className={showPreview ? 'page-with-preview' : undefined}>
          <PageEditor
            key={page.id}
            pageId={page.id}
            provider={provider}
            readOnly={readOnly}
            username={agent.displayName}
            cursorColor={agent.color}
            media={bodyMedia}
            manifest={manifest}
            preview={showPreview ? { page, manifest, commune } : undefined}
          >
            <PageHistory
              store={history}
              provider={provider}
              by={agent.displayName}
              readOnly={readOnly}
              auth={auth}
            />
          </PageEditor>
        </div>
      ) : (
        <p>Ouverture de la page…</p>
      )}
    </>
  );
}

/** « Bruno Roux modifie cette page » from the page room's awareness (Lexical's `focusing`). */
function PagePresence({ provider }: { provider: RoomProvider }) {
  const present = usePresence(provider.awareness);
  const byName = new Map<string, boolean>();
  for (const p of present) byName.set(p.name, (byName.get(p.name) ?? false) || p.focusing);
  const lines = [...byName].map(([name, editing]) =>
    editing ? `${name} modifie cette page` : `${name} consulte cette page`,
  );
  return (
    <p className="page-presence" aria-live="polite">
      {lines.length === 0 ? 'Personne d’autre sur cette page.' : `${lines.join(' · ')}.`}
    </p>
  );
}

/** This page's own status: local copy, pending edits, server ack, publication. */
function PageStatus(props: {
  provider: RoomProvider;
  sync: SyncClient;
  auth: AuthSession;
  insee: string;
  page: PageMeta;
}) {
  const { provider, sync, page } = props;
  useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let live = true;
    void provider.local.whenLoaded.then(() => live && setLoaded(true));
    return () => {
      live = false;
    };
  }, [provider]);
  const online = useSiteOnline(props.auth, props.insee);
  const room = sync.roomState(provider);
  const storage = !loaded
    ? 'Chargement depuis cet ordinateur…'
    : room?.saved
      ? 'Cette page est enregistrée sur cet ordinateur et sur le serveur de la Métropole.'
      : room && room.pending > 0
        ? `Cette page est enregistrée sur cet ordinateur — ${pendingEditsText(room.pending)}.`
        : 'Cette page est enregistrée sur cet ordinateur.';
  // The same facts as the tree's row (tree/pagePublication), in sentences.
  const state = pagePublicationState(page, online, sync.pending.editedAt(provider.roomname));
  const published =
    state.kind === 'online'
      ? `${pagePublicationText(state, page.status, formatDateTime).join(' — ')}.`
      : page.status !== 'published'
        ? 'Brouillon : cette page n’apparaît pas sur le site publié.'
        : state.kind === 'not-online'
          ? 'Marquée « Publiée » : elle sera en ligne à la prochaine publication du site.'
          : `Marquée « Publiée » — ${pagePublicationText(state, page.status, formatDateTime).join(' — ').toLowerCase()}.`;
  return (
    <div className="page-status" aria-live="polite">
      <p>{storage}</p>
      <p>{published}</p>
    </div>
  );
}

/** Opens the page's doc and room for as long as the page is on screen. */
function usePageRoom(
  docs: LocalDocs,
  sync: SyncClient,
  background: BackgroundSync,
  room: string,
): RoomProvider | undefined {
  const [provider, setProvider] = useState<RoomProvider>();
  useEffect(() => {
    let cancelled = false;
    let opened: RoomProvider | undefined;
    let unreserve: (() => void) | undefined;
    background
      .reserve(room)
      .then((release) => {
        if (cancelled) {
          release();
          return undefined;
        }
        unreserve = release;
        return docs.open(room);
      })
      .then(
        (local) => {
          if (!local) return;
          if (cancelled) {
            local.release();
            unreserve?.();
            return;
          }
          opened = sync.openRoom(local);
          setProvider(opened);
        },
        (error: unknown) => console.error(error),
      );
    return () => {
      cancelled = true;
      setProvider(undefined);
      const toClose = opened;
      if (!toClose) {
        unreserve?.();
        return;
      }
      // After the editor's own unmount cleanups, which still use the provider and the doc.
      setTimeout(() => {
        sync.closeRoom(toClose);
        toClose.local.release();
        unreserve?.();
      }, 0);
    };
  }, [docs, sync, background, room]);
  return provider;
}
