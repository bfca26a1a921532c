// The logged-in editor of one commune: opens the site manifest (from this computer first,
// then synced), shows the header with the sync status, and switches between the page list
// and one page.
import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import type { CommuneRef } from '../../../site/apiContract';
import { seedPageBody } from '../../../site/pageBody';
import { createPage, newPageId } from '../../../site/siteDoc';
import { pageRoom, siteRoom } from '../../../site/syncProtocol';
import type { AuthSession } from '../auth/AuthSession';
import type { LocalDocs } from '../store/LocalStore';
import type { SyncClient } from '../sync/SyncClient';
import { HomeScreen } from './HomeScreen';
import { PageScreen } from './PageScreen';
import { PublishButton } from './PublishButton';
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
  const manifest = useManifest(docs, sync, siteRoom(commune.insee));
  const agent = auth.current.agent;

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
        {manifest ? (
          <CommuneSite
            manifest={manifest}
            commune={commune}
            docs={docs}
            sync={sync}
            agent={{ displayName: agent.displayName, color: agent.color }}
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
  commune: CommuneRef;
  docs: LocalDocs;
  sync: SyncClient;
  agent: { displayName: string; color: string };
}

function CommuneSite({ manifest, commune, docs, sync, agent }: SiteProps) {
  const pages = useManifestPages(manifest);
  const [view, setView] = useState<View>({ kind: 'home' });
  const readOnly = commune.role === 'relecteur';

  async function create(title: string) {
    const id = newPageId();
    // The body is seeded once, here, and stored before the page appears in the manifest.
    await docs.create(pageRoom(commune.insee, id), seedPageBody);
    createPage(manifest, { id, title, updatedBy: agent.displayName });
    setView({ kind: 'page', pageId: id });
  }

  const page = view.kind === 'page' ? pages.find((p) => p.id === view.pageId) : undefined;
  if (view.kind === 'page' && page) {
    return (
      <PageScreen
        insee={commune.insee}
        page={page}
        manifest={manifest}
        docs={docs}
        sync={sync}
        readOnly={readOnly}
        agent={agent}
        onBack={() => setView({ kind: 'home' })}
      />
    );
  }
  return (
    <HomeScreen
      communeName={commune.name}
      pages={pages}
      onOpenPage={(pageId) => setView({ kind: 'page', pageId })}
      onCreatePage={readOnly ? undefined : create}
    />
  );
}

/** Loads the manifest from this computer, then connects it; kept open for the session. */
function useManifest(docs: LocalDocs, sync: SyncClient, room: string): Y.Doc | undefined {
  const [doc, setDoc] = useState<Y.Doc>();
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
      setDoc(local.doc);
    })().catch((error: unknown) => console.error(error));
    return () => {
      cancelled = true;
      close?.();
    };
  }, [docs, sync, room]);
  return doc;
}
