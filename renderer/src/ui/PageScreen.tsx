// One page, the text first: its title and writing area (toolbar sticky, one row) fill the
// screen; its information, publication, history and who is here sit in a 320 px side panel
// of collapsible sections — a drawer opened by « Détails de la page » below 1200 px, kept
// mounted (its state kept) while closed.
import { PanelRightClose, PanelRightOpen } from 'lucide-react';
import {
  type ReactNode,
  useCallback,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { Button, Disclosure, DisclosurePanel, Heading } from 'react-aria-components';
import type * as Y from 'yjs';
import type { CommuneRef } from '../../../site/apiContract';
import { type PageMeta, PAGE_TYPE_LABELS_FR } from '../../../site/siteDoc';
import { pageRoom } from '../../../site/syncProtocol';
import type { AuthSession } from '../auth/AuthSession';
import type { HistoryStore } from '../history/HistoryStore';
import type { LocalDocs } from '../store/LocalStore';
import { usePresence } from '../sync/presence';
import type { BackgroundSync } from '../sync/BackgroundSync';
import type { RoomProvider } from '../sync/RoomProvider';
import type { SyncClient } from '../sync/SyncClient';
import { PageComments } from './comments/PageComments';
import { ReviewerBanner } from './comments/ReviewerBanner';
import { FieldsForm } from './FieldsForm';
import { PageHistory } from './PageHistory';
import { PagePublication } from './PagePublication';
import { SchedulePublication } from './SchedulePublication';
import type { SessionMedia } from './Workspace';
import { PageAddress } from './PageAddress';
import { PageEditor } from './PageEditor';
import { usePageStatuses } from './usePageStatuses';

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
}: Props) {
  const provider = usePageRoom(docs, sync, background, pageRoom(commune.insee, page.id));
  const panelId = useId();
  // The title moves into the editor once the page's room is open: focus it on arrival, and
  // again when it is replaced while nothing else took the focus.
  const focusedOnce = useRef(false);
  const headingRef = useCallback((el: HTMLHeadingElement | null) => {
    if (!el) return;
    const active = document.activeElement;
    if (!focusedOnce.current || !active || active === document.body) {
      el.focus();
      focusedOnce.current = true;
    }
  }, []);
  const [showPreview, setShowPreview] = useState(false);
  const [drawerOpen, setDrawerOpen] = useState(false);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const openDrawer = (open: boolean) => {
    setDrawerOpen(open);
    // Into the drawer when it opens, back to its button when it closes.
    setTimeout(() => (open ? closeRef.current : toggleRef.current)?.focus(), 0);
  };
  const bodyMedia = useMemo(
    () => ({ insee: commune.insee, manifest, store: media.store, outbox: media.outbox }),
    [commune.insee, manifest, media],
  );

  const header = (
    <div className="page-head">
      <h1 ref={headingRef} tabIndex={-1} className="page-heading">
        {page.title || 'Page sans titre'}
      </h1>
      <button
        ref={toggleRef}
        type="button"
        className="drawer-toggle"
        aria-expanded={drawerOpen}
        aria-controls={panelId}
        onClick={() => openDrawer(!drawerOpen)}
      >
        {drawerOpen ? (
          <PanelRightClose aria-hidden="true" size={20} />
        ) : (
          <PanelRightOpen aria-hidden="true" size={20} />
        )}
        Détails de la page
      </button>
      {commune.role === 'relecteur' && <ReviewerBanner onOpenComments={() => openDrawer(true)} />}
    </div>
  );

  const panel = (
    <aside
      id={panelId}
      className="page-panel"
      aria-label="Détails de la page"
      onKeyDown={(e) => {
        if (e.key === 'Escape' && drawerOpen) openDrawer(false);
      }}
    >
      <button ref={closeRef} type="button" className="drawer-close" onClick={() => openDrawer(false)}>
        <PanelRightClose aria-hidden="true" size={20} />
        Fermer les détails
      </button>
      {provider ? <PagePresence provider={provider} /> : <p className="page-presence">…</p>}
      {provider && (
        <PageComments
          doc={provider.local.doc}
          author={{ id: auth.current.agent.id, name: agent.displayName }}
          canResolve={commune.role !== 'relecteur'}
        />
      )}
      <section className="panel-block" aria-labelledby={`${panelId}-pub`}>
        <h2 id={`${panelId}-pub`} className="panel-title">
          Publication
        </h2>
        {provider && (
          <PageStatus provider={provider} sync={sync} auth={auth} insee={commune.insee} page={page} />
        )}
        <PublicationBlock sync={sync} auth={auth} insee={commune.insee} page={page} role={commune.role} />
        <button type="button" aria-pressed={showPreview} onClick={() => setShowPreview((v) => !v)}>
          Aperçu avec le thème du site
        </button>
      </section>
      <PanelSection title="Informations" subtitle={PAGE_TYPE_LABELS_FR[page.type]} defaultExpanded>
        <FieldsForm
          insee={commune.insee}
          page={page}
          manifest={manifest}
          media={media}
          readOnly={readOnly}
          agentName={agent.displayName}
        />
      </PanelSection>
      <PanelSection title="Adresse de la page" defaultExpanded={false}>
        <PageAddress
          insee={commune.insee}
          page={page}
          manifest={manifest}
          readOnly={readOnly}
          agentName={agent.displayName}
          auth={auth}
        />
      </PanelSection>
      <PanelSection title="Programmer la publication" defaultExpanded={false}>
        <SchedulePublication
          auth={auth}
          insee={commune.insee}
          page={page}
          canSchedule={commune.role === 'referent'}
        />
      </PanelSection>
      {provider && (
        <div className="panel-block">
          <PageHistory
            store={history}
            provider={provider}
            by={agent.displayName}
            readOnly={readOnly}
            auth={auth}
          />
        </div>
      )}
    </aside>
  );

  return (
    <div className={`page-layout${drawerOpen ? ' drawer-open' : ''}${showPreview ? ' with-preview' : ''}`}>
      {provider ? (
        <PageEditor
          key={page.id}
          pageId={page.id}
          provider={provider}
          readOnly={readOnly}
          username={agent.displayName}
          cursorColor={agent.color}
          media={bodyMedia}
          manifest={manifest}
          header={header}
          preview={showPreview ? { page, manifest, commune } : undefined}
        >
          {panel}
        </PageEditor>
      ) : (
        <>
          <div className="page-main">
            {header}
            <p>Ouverture de la page…</p>
          </div>
          {panel}
        </>
      )}
    </div>
  );
}

/** A collapsible section of the page's panel (keyboard: Tab to its title, Enter or Space). */
function PanelSection(props: {
  title: string;
  subtitle?: string;
  defaultExpanded: boolean;
  children: ReactNode;
}) {
  return (
    <Disclosure className="panel-block panel-section" defaultExpanded={props.defaultExpanded}>
      <Heading level={2} className="panel-title">
        <Button slot="trigger" className="disclosure-trigger">
          <span className="disclosure-chevron" aria-hidden="true" />
          {props.title}
          {props.subtitle && <span className="disclosure-subtitle"> · {props.subtitle}</span>}
        </Button>
      </Heading>
      <DisclosurePanel className="disclosure-panel">{props.children}</DisclosurePanel>
    </Disclosure>
  );
}

/** [PUBL-9] The page's state on the public site, « Mettre en ligne », « Retirer du site ». */
function PublicationBlock(props: {
  sync: SyncClient;
  auth: AuthSession;
  insee: string;
  page: PageMeta;
  role: CommuneRef['role'];
}) {
  const { status } = useSyncExternalStore(props.sync.subscribe, props.sync.getSnapshot);
  const statuses = usePageStatuses(props.auth, props.insee);
  return (
    <PagePublication
      auth={props.auth}
      insee={props.insee}
      page={props.page}
      statuses={statuses}
      bodyEditedAt={props.sync.pending.editedAt(pageRoom(props.insee, props.page.id))}
      canPublish={props.role === 'referent'}
      offline={status.kind === 'offline'}
    />
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
  const { provider, sync } = props;
  useSyncExternalStore(sync.subscribe, sync.getSnapshot);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let live = true;
    void provider.local.whenLoaded.then(() => live && setLoaded(true));
    return () => {
      live = false;
    };
  }, [provider]);
  const room = sync.roomState(provider);
  const storage = !loaded
    ? 'Chargement depuis cet ordinateur…'
    : room?.saved
      ? 'Cette page est enregistrée sur cet ordinateur et sur le serveur de la Métropole.'
      : room && room.pending > 0
        ? 'Cette page est enregistrée sur cet ordinateur — modifications pas encore envoyées.'
        : 'Cette page est enregistrée sur cet ordinateur.';
  return (
    <div className="page-status" aria-live="polite">
      <p>{storage}</p>
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
        return docs.open(room, { unloaded: true });
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
