// The logged-in editor of one commune: opens the site manifest (from this computer first,
// then synced), shows the header with the sync status and who is online, and switches
// between the home (dashboard, tree, lists) and one page.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type * as Y from 'yjs';
import type { CommuneRef } from '../../../site/apiContract';
import { seedPageBody } from '../../../site/pageBody';
import { createPage, newPageId } from '../../../site/siteDoc';
import { pageRoom, siteRoom } from '../../../site/syncProtocol';
import type { AuthSession } from '../auth/AuthSession';
import type { LocalDocs } from '../store/LocalStore';
import { type PresentAgent, uniqueNames, usePresence } from '../sync/presence';
import type { RoomProvider } from '../sync/RoomProvider';
import type { SyncClient } from '../sync/SyncClient';
import { HistoryStore, historyDbName } from '../history/HistoryStore';
import { BackgroundSync, localStorageSeqMemory } from '../sync/BackgroundSync';
import { BackgroundSyncStatus } from './BackgroundSyncStatus';
import { MediaOutbox } from '../media/MediaOutbox';
import { MediaStore, mediaDbName } from '../media/MediaStore';
import { PageDeletions } from '../tree/siteEdits';
import { HomeScreen } from './HomeScreen';
import type { NewPageRequest } from './NewPageForm';
import { PageScreen } from './PageScreen';
import { PublishButton } from './PublishButton';
import { StorageWarning, useStorageState, useWriteFailure } from './StorageWarning';
import { SyncStatusBar } from './SyncStatusBar';
import { useManifestPages } from './useManifestPages';

interface Props {
  auth: AuthSession;
  sync: SyncClient;
  docs: LocalDocs;
  commune: CommuneRef;
  onLogout: () => void;
}

type View = { kind: 'home' } | { kind: 'page'; pageId: string };

export function Workspace({ auth, sync, docs, commune, onLogout }: Props) {
  const opened = useManifest(docs, sync, siteRoom(commune.insee));
  const agent = auth.current.agent;
  const present = usePresence(opened?.provider.awareness);
  const { status } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  const storage = useStorageState();
  const writeFailure = useWriteFailure(docs);
  const others = uniqueNames(present);
  const media = useMedia(auth, commune.insee);
  // Back online (or saved): let the outbox try at once rather than at its next timer.
  useEffect(() => {
    if (status.kind !== 'offline') media.outbox.kick();
  }, [status.kind, media]);

  return (
    <div className="app">
      <header className="top">
        <p className="brand">
          Usine à sites <span className="commune">· {commune.name}</span>
        </p>
        <SyncStatusBar sync={sync} />
        <div className="top-actions">
          {commune.role === 'referent' && <PublishButton auth={auth} insee={commune.insee} />}
          <p className="who">Connecté·e : {agent.displayName}</p>
          <button type="button" onClick={onLogout}>
            Se déconnecter
          </button>
        </div>
      </header>
      <main className="content">
        {/* Always in the page, so assistive technologies announce the banner when it appears. */}
        <div className="offline-live" aria-live="polite">
          {status.kind === 'offline' && (
            <div className="offline-banner">
              <p>
                Vous travaillez sans connexion au serveur de la Métropole. Tout ce que vous faites est
                enregistré sur cet ordinateur et sera envoyé automatiquement au retour de la connexion.
              </p>
            </div>
          )}
        </div>
        <StorageWarning state={storage} writeFailure={writeFailure} savedOnServer={status.kind === 'saved'} />
        <p className="online-agents">
          {status.kind === 'offline'
            ? 'Présence des autres agents indisponible hors connexion.'
            : others.length === 0
              ? 'Aucun autre agent en ligne sur le site.'
              : `Aussi en ligne sur le site : ${others.join(', ')}.`}
        </p>
        {opened ? (
          <CommuneSite
            manifest={opened.doc}
            manifestProvider={opened.provider}
            present={present}
            commune={commune}
            docs={docs}
            sync={sync}
            auth={auth}
            media={media}
            agent={{ id: agent.id, displayName: agent.displayName, color: agent.color }}
          />
        ) : (
          <p>Ouverture du site de la commune…</p>
        )}
      </main>
    </div>
  );
}

interface SiteProps {
  manifest: Y.Doc;
  manifestProvider: RoomProvider;
  present: PresentAgent[];
  commune: CommuneRef;
  docs: LocalDocs;
  sync: SyncClient;
  auth: AuthSession;
  media: SessionMedia;
  agent: { id: string; displayName: string; color: string };
}

/** This session's page history store. */
function useHistoryStore(auth: AuthSession): HistoryStore {
  const store = useMemo(
    () => new HistoryStore(historyDbName(auth.current.serverUrl, auth.current.agent.id)),
    [auth],
  );
  useEffect(() => () => store.close(), [store]);
  return store;
}

export interface SessionMedia {
  store: MediaStore;
  outbox: MediaOutbox;
}

/** This session's media store and upload outbox, started once and stopped on leave. */
function useMedia(auth: AuthSession, insee: string): SessionMedia {
  const media = useMemo(() => {
    const store = new MediaStore(mediaDbName(auth.current.serverUrl, auth.current.agent.id));
    const outbox = new MediaOutbox(store, auth);
    store.download = (sha) => outbox.download(insee, sha);
    return { store, outbox };
  }, [auth, insee]);
  useEffect(() => {
    const stop = media.outbox.start();
    return () => {
      stop();
      media.store.close();
    };
  }, [media]);
  return media;
}

function CommuneSite({
  manifest,
  manifestProvider,
  present,
  commune,
  docs,
  sync,
  auth,
  media,
  agent,
}: SiteProps) {
  const pages = useManifestPages(manifest);
  const [view, setView] = useState<View>({ kind: 'home' });
  const readOnly = commune.role === 'relecteur';
  const deletions = useMemo(() => new PageDeletions(manifest), [manifest]);
  const history = useHistoryStore(auth);
  const background = useBackgroundSync(
    docs,
    auth,
    sync,
    media,
    manifestProvider,
    commune.insee,
    pages.map((p) => p.id).join(' '),
  );
  useEffect(() => () => deletions.destroy(), [deletions]);

  // Tell the others which page is on screen (the server stamps our verified name).
  const pageOnScreen = view.kind === 'page' ? view.pageId : null;
  useEffect(() => {
    manifestProvider.awareness.setLocalStateField('pageId', pageOnScreen);
  }, [manifestProvider, pageOnScreen]);

  const presence = useMemo(() => {
    const byPage = new Map<string, string[]>();
    for (const p of present) {
      if (!p.pageId) continue;
      const names = byPage.get(p.pageId) ?? [];
      if (!names.includes(p.name)) names.push(p.name);
      byPage.set(p.pageId, names);
    }
    return byPage;
  }, [present]);

  async function create({ title, type, parentId }: NewPageRequest) {
    const id = newPageId();
    // The body is seeded once, here, and stored before the page appears in the manifest.
    await docs.create(pageRoom(commune.insee, id), seedPageBody);
    createPage(manifest, { id, title, type, parentId, updatedBy: agent.displayName });
    setView({ kind: 'page', pageId: id });
  }

  const page = view.kind === 'page' ? pages.find((p) => p.id === view.pageId) : undefined;
  const progress = <BackgroundSyncStatus background={background} />;
  if (view.kind === 'page' && page) {
    return (
      <>
        {progress}
        <PageScreen
          commune={commune}
          page={page}
          manifest={manifest}
          docs={docs}
          sync={sync}
          auth={auth}
          media={media}
          history={history}
          background={background}
          readOnly={readOnly}
          agent={agent}
          onBack={() => setView({ kind: 'home' })}
        />
      </>
    );
  }
  return (
    <>
      {progress}
      <HomeScreen
        communeName={commune.name}
        insee={commune.insee}
        agent={agent}
        pages={pages}
        manifest={manifest}
        deletions={deletions}
        presence={presence}
        auth={auth}
        sync={sync}
        media={media}
        onOpenPage={(pageId) => setView({ kind: 'page', pageId })}
        onCreatePage={readOnly ? undefined : create}
        canEditSettings={commune.role === 'referent'}
      />
    </>
  );
}

/**
 * The background sync of every page of the site: when the server is reachable, when pages
 * are added, and every minute. Rooms closed with unsent edits are remembered as dirty.
 */
function useBackgroundSync(
  docs: LocalDocs,
  auth: AuthSession,
  sync: SyncClient,
  media: SessionMedia,
  manifestProvider: RoomProvider,
  insee: string,
  pageIdsKey: string,
): BackgroundSync {
  // The page list is only complete once the manifest has synced with the server.
  const [online, setOnline] = useState(() => manifestProvider.wsconnected && manifestProvider.synced);
  useEffect(() => {
    const update = () => setOnline(manifestProvider.wsconnected && manifestProvider.synced);
    update();
    manifestProvider.on('sync', update);
    manifestProvider.on('status', update);
    return () => {
      manifestProvider.off('sync', update);
      manifestProvider.off('status', update);
    };
  }, [manifestProvider]);
  const { background, refreshUnsent } = useMemo(() => {
    const memory = localStorageSeqMemory(`usine:bg:${auth.current.serverUrl}:${auth.current.agent.id}`);
    const background = new BackgroundSync(
      docs,
      auth,
      insee,
      memory,
      () => sync.openRoomNames(),
      sync.pending,
    );
    // What waits to be sent outside the open rooms keeps the status from saying « enregistré ».
    const refreshUnsent = () => {
      const open = sync.openRoomNames();
      const unsent = new Set([...memory.dirty(), ...sync.pending.rooms()]);
      const pages = [...unsent].filter((room) => !open.has(room)).sort();
      const files = media.outbox.getState().pendingShas.map((sha) => `media/${sha}`);
      sync.setUnsentElsewhere([...pages, ...files]);
    };
    sync.onLocalEdit = (room) => memory.markDirty(room, true);
    sync.onRoomClosed = (room, saved) => {
      memory.markDirty(room, !saved);
      if (saved) sync.pending.clear(room);
      // After the room has left the open set; a page left with unsent edits is sent now.
      queueMicrotask(() => {
        refreshUnsent();
        if (!saved) background.rerun();
      });
    };
    background.onChange = refreshUnsent;
    return { background, refreshUnsent };
  }, [docs, auth, sync, insee, media]);
  useEffect(() => {
    const off = media.outbox.subscribe(refreshUnsent);
    const offPending = sync.pending.subscribe(refreshUnsent);
    refreshUnsent();
    return () => {
      off();
      offPending();
      background.stop();
    };
  }, [background, refreshUnsent, media, sync]);
  useEffect(() => {
    if (!online) return;
    const ids = pageIdsKey ? pageIdsKey.split(' ') : [];
    const run = () => void background.run(ids);
    const first = setTimeout(run, 50);
    const timer = setInterval(run, 60_000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [background, online, pageIdsKey]);
  return background;
}

/** Loads the manifest from this computer, then connects it; kept open for the session. */
function useManifest(
  docs: LocalDocs,
  sync: SyncClient,
  room: string,
): { doc: Y.Doc; provider: RoomProvider } | undefined {
  const [opened, setOpened] = useState<{ doc: Y.Doc; provider: RoomProvider }>();
  useEffect(() => {
    let cancelled = false;
    let close: (() => void) | undefined;
    (async () => {
      const local = await docs.open(room);
      await local.load();
      if (cancelled) {
        local.release();
        return;
      }
      const provider = sync.openRoom(local);
      provider.connect();
      close = () => {
        sync.closeRoom(provider);
        local.release();
      };
      setOpened({ doc: local.doc, provider });
    })().catch((error: unknown) => console.error(error));
    return () => {
      cancelled = true;
      close?.();
    };
  }, [docs, sync, room]);
  return opened;
}
