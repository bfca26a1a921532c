// The logged-in editor of one commune: opens the site manifest (from this computer first,
// then synced) and shows the app shell — side navigation, top bar with the sync status,
// banners — around the screen of the current address (hash routes, see shell/routes).
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { Redirect, Route, Router, Switch, useLocation } from 'wouter';
import { useHashLocation } from 'wouter/use-hash-location';
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
import type { NewPageRequest } from './NewPageForm';
import { createStarterPages } from './firstSteps/createStarterPages';
import { prefillContact } from './forms/contactPrefill';
import { AboutScreen } from './help/AboutScreen';
import { MenusScreen } from './MenusScreen';
import { PageScreen } from './PageScreen';
import { useStorageState, useWriteFailure } from './StorageWarning';
import { useManifestPages } from './useManifestPages';
import { usePageStatuses } from './usePageStatuses';
import { AppShell } from './shell/AppShell';
import { Banners } from './shell/Banners';
import { pageRoute, ROUTES } from './shell/routes';
import {
  ActesScreen,
  AgendaScreen,
  DashboardScreen,
  MediaScreen,
  NewsScreen,
  PagesScreen,
  PublicationScreen,
  type ScreenContext,
  SettingsScreen,
} from './shell/Screens';

interface Props {
  auth: AuthSession;
  sync: SyncClient;
  docs: LocalDocs;
  commune: CommuneRef;
  onLogout: () => void;
}

export function Workspace(props: Props) {
  return (
    <Router hook={useHashLocation}>
      <WorkspaceShell {...props} />
    </Router>
  );
}

function WorkspaceShell({ auth, sync, docs, commune, onLogout }: Props) {
  const opened = useManifest(docs, sync, siteRoom(commune.insee));
  const agent = auth.current.agent;
  const present = usePresence(opened?.provider.awareness);
  const storage = useStorageState();
  const writeFailure = useWriteFailure(docs);
  const media = useMedia(auth, commune.insee);
  // The same elements while their inputs are the same: the sync status changes at every
  // keystroke and must not draw the whole workspace again (keypress-to-paint).
  const banners = useMemo(
    () => <Banners sync={sync} storage={storage} writeFailure={writeFailure} />,
    [sync, storage, writeFailure],
  );
  const user = useMemo(
    () => ({ displayName: agent.displayName, role: commune.role, onLogout }),
    [agent.displayName, commune.role, onLogout],
  );
  const kick = <OutboxKick sync={sync} outbox={media.outbox} />;
  if (!opened) {
    return (
      <AppShell commune={commune} sync={sync} user={user} banners={banners}>
        {kick}
        <p>Ouverture du site de la commune…</p>
      </AppShell>
    );
  }
  return (
    <>
      {kick}
      <CommuneSite
        manifest={opened.doc}
        manifestProvider={opened.provider}
        present={present}
        commune={commune}
        docs={docs}
        sync={sync}
        auth={auth}
        media={media}
        banners={banners}
        user={user}
        agent={{ id: agent.id, displayName: agent.displayName, color: agent.color }}
      />
    </>
  );
}

/** Back online (or saved): lets the media outbox try at once rather than at its next timer. */
function OutboxKick({ sync, outbox }: { sync: SyncClient; outbox: MediaOutbox }) {
  const { status } = useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  useEffect(() => {
    if (status.kind !== 'offline') outbox.kick();
  }, [status.kind, outbox]);
  return null;
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
  banners: React.ReactNode;
  user: { displayName: string; role: CommuneRef['role']; onLogout: () => void };
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
    // The store closes once the upload in progress (if any) is recorded.
    return () => void stop().then(() => media.store.close());
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
  banners,
  user,
  agent,
}: SiteProps) {
  const pages = useManifestPages(manifest);
  const [location, navigate] = useLocation();
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
  // Which pages are online, read at the session's start whatever the first screen: the page
  // screens and the tree then know it offline too (it is kept on this computer).
  usePageStatuses(auth, commune.insee);

  // Tell the others which page is on screen (the server stamps our verified name).
  const match = /^\/pages\/([^/]+)$/.exec(location);
  const pageOnScreen = match ? decodeURIComponent(match[1]!) : null;
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
    const created = createPage(manifest, { id, title, type, parentId, updatedBy: agent.displayName });
    if (type === 'contact') prefillContact(manifest, created, agent.displayName);
    navigate(pageRoute(id));
  }

  const openPage = (pageId: string) => navigate(pageRoute(pageId));
  const context: ScreenContext = {
    commune,
    agent,
    pages,
    manifest,
    deletions,
    presence,
    auth,
    sync,
    media,
    readOnly,
    onlineAgents: uniqueNames(present),
    onOpenPage: openPage,
    onCreateStarterPages: readOnly
      ? undefined
      : () => createStarterPages(docs, commune.insee, commune.name, manifest, agent.displayName),
  };
  const page = pageOnScreen ? pages.find((p) => p.id === pageOnScreen) : undefined;

  return (
    <AppShell
      commune={commune}
      sync={sync}
      user={user}
      banners={banners}
      manifest={manifest}
      media={media}
      pages={pages}
      currentPage={page}
      onCreatePage={readOnly ? undefined : create}
      footer={<BackgroundSyncStatus background={background} />}
    >
      <Switch>
        <Route path={ROUTES.dashboard}>
          <DashboardScreen {...context} />
        </Route>
        <Route path={ROUTES.pages}>
          <PagesScreen {...context} />
        </Route>
        <Route path={`${ROUTES.pages}/:id`}>
          {page ? (
            <PageScreen
              key={page.id}
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
            />
          ) : (
            <section className="screen">
              <h1>Page introuvable</h1>
              <p>Cette page n’existe pas ou a été supprimée.</p>
              <p>
                <a href={`#${ROUTES.pages}`}>Voir toutes les pages</a>
              </p>
            </section>
          )}
        </Route>
        <Route path={ROUTES.news}>
          <NewsScreen {...context} />
        </Route>
        <Route path={ROUTES.agenda}>
          <AgendaScreen {...context} />
        </Route>
        <Route path={ROUTES.actes}>
          <ActesScreen {...context} />
        </Route>
        <Route path={ROUTES.media}>
          <MediaScreen {...context} />
        </Route>
        <Route path={ROUTES.menus}>
          <MenusScreen manifest={manifest} pages={pages} readOnly={commune.role !== 'referent'} />
        </Route>
        <Route path={ROUTES.settings}>
          <SettingsScreen {...context} />
        </Route>
        <Route path={ROUTES.help}>
          <AboutScreen serverUrl={auth.current.serverUrl} sync={sync} />
        </Route>
        <Route path={ROUTES.publication}>
          <PublicationScreen {...context} />
        </Route>
        <Route>
          <Redirect to={ROUTES.dashboard} replace />
        </Route>
      </Switch>
    </AppShell>
  );
}

/**
 * The background sync of every page of the site: as soon as the server answers, when pages
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
  // The server answered when the manifest's socket opened: the rooms with unsent work can go.
  // The page list is only complete once the manifest has synced with the server.
  const [reachable, setReachable] = useState(() => manifestProvider.wsconnected);
  const [listSynced, setListSynced] = useState(() => manifestProvider.wsconnected && manifestProvider.synced);
  useEffect(() => {
    const update = () => {
      setReachable(manifestProvider.wsconnected);
      setListSynced(manifestProvider.wsconnected && manifestProvider.synced);
    };
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
      () => manifestProvider.wsconnected,
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
  }, [docs, auth, sync, insee, media, manifestProvider]);
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
    if (!reachable) return;
    const ids = pageIdsKey ? pageIdsKey.split(' ') : [];
    const run = () => void background.run(ids, listSynced);
    run();
    const timer = setInterval(run, 60_000);
    return () => clearInterval(timer);
  }, [background, reachable, listSynced, pageIdsKey]);
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
