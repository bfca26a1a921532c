// The screens of the side navigation, one per address (see routes.ts). Each has one h1 (it
// receives the focus when the screen appears) above the existing component; the component's
// own section heading stays for its region's name but is not shown twice.
import { useSyncExternalStore } from 'react';
import type * as Y from 'yjs';
import type { CommuneRef } from '../../../../site/apiContract';
import type { PageMeta } from '../../../../site/siteDoc';
import type { AuthSession } from '../../auth/AuthSession';
import type { SyncClient } from '../../sync/SyncClient';
import type { PageDeletions } from '../../tree/siteEdits';
import { ContentLists } from '../ContentLists';
import { Dashboard } from '../Dashboard';
import { MediaLibrary } from '../MediaLibrary';
import { pageState, pageStateLabel } from '../../tree/pageState';
import { formatDateTime } from '../formatDate';
import { SitePublication } from '../SitePublication';
import { usePageStatuses } from '../usePageStatuses';
import { SettingsForm } from '../SettingsForm';
import { SiteTree } from '../SiteTree';
import { useFocusOnMount } from '../useFocusOnMount';
import { ROUTES } from './routes';
import type { SessionMedia } from '../Workspace';

export interface ScreenContext {
  commune: CommuneRef;
  agent: { id: string; displayName: string };
  pages: PageMeta[];
  manifest: Y.Doc;
  deletions: PageDeletions;
  presence: ReadonlyMap<string, readonly string[]>;
  auth: AuthSession;
  sync: SyncClient;
  media: SessionMedia;
  readOnly: boolean;
  onlineAgents: readonly string[];
  onOpenPage: (pageId: string) => void;
  /** « Premiers pas »: adds the starter pages missing (absent for a relecteur). */
  onCreateStarterPages?: () => Promise<number>;
}

function ScreenTitle({ children }: { children: string }) {
  const ref = useFocusOnMount<HTMLHeadingElement>();
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

export function DashboardScreen(c: ScreenContext) {
  return (
    <Dashboard
      insee={c.commune.insee}
      agentId={c.agent.id}
      agentName={c.agent.displayName}
      pages={c.pages}
      auth={c.auth}
      sync={c.sync}
      onOpenPage={c.onOpenPage}
      onlineAgents={c.onlineAgents}
      manifest={c.manifest}
      communeName={c.commune.name}
      onCreateStarterPages={c.onCreateStarterPages}
    />
  );
}

export function PagesScreen(c: ScreenContext) {
  return (
    <div className="screen screen-titled">
      <ScreenTitle>Pages</ScreenTitle>
      <SiteTree
        pages={c.pages}
        manifest={c.manifest}
        deletions={c.deletions}
        readOnly={c.readOnly}
        agentName={c.agent.displayName}
        presence={c.presence}
        sync={c.sync}
        insee={c.commune.insee}
        auth={c.auth}
        onOpenPage={c.onOpenPage}
      />
    </div>
  );
}

function ListScreen(c: ScreenContext & { title: string; type: 'actualite' | 'evenement' | 'acte' }) {
  const statuses = usePageStatuses(c.auth, c.commune.insee);
  return (
    <div className="screen screen-titled">
      <ScreenTitle>{c.title}</ScreenTitle>
      <ContentLists
        key={c.type}
        pages={c.pages}
        onOpenPage={c.onOpenPage}
        initialType={c.type}
        statuses={statuses}
      />
    </div>
  );
}

export const NewsScreen = (c: ScreenContext) => <ListScreen {...c} title="Actualités" type="actualite" />;
export const AgendaScreen = (c: ScreenContext) => <ListScreen {...c} title="Agenda" type="evenement" />;
export const ActesScreen = (c: ScreenContext) => <ListScreen {...c} title="Actes" type="acte" />;

export function MediaScreen(c: ScreenContext) {
  return (
    <div className="screen screen-titled">
      <ScreenTitle>Médiathèque</ScreenTitle>
      <MediaLibrary
        manifest={c.manifest}
        pages={c.pages}
        media={c.media}
        readOnly={c.readOnly}
        onOpenPage={c.onOpenPage}
      />
    </div>
  );
}

export function SettingsScreen(c: ScreenContext) {
  return (
    <div className="screen screen-titled">
      <ScreenTitle>Paramètres du site</ScreenTitle>
      <p>
        <a href={`#${ROUTES.menus}`}>Menus du site</a> : le menu principal et les liens du pied de page.
      </p>
      <SettingsForm
        insee={c.commune.insee}
        communeName={c.commune.name}
        manifest={c.manifest}
        media={c.media}
        readOnly={c.commune.role !== 'referent'}
      />
    </div>
  );
}

/** [PUBL-9] The site-wide publication: what is not online, « Publier les modifications ». */
export function PublicationScreen(c: ScreenContext) {
  const statuses = usePageStatuses(c.auth, c.commune.insee);
  const drafts = statuses ? c.pages.filter((p) => pageState(p.id, statuses).kind !== 'online') : [];
  const { status } = useSyncExternalStore(c.sync.subscribe, c.sync.getSnapshot);
  return (
    <div className="screen">
      <ScreenTitle>Publication</ScreenTitle>
      <section className="card" aria-labelledby="publication-site">
        <h2 id="publication-site">Publier le site</h2>
        {c.commune.role === 'referent' ? (
          <>
            <p>
              Chaque page est mise en ligne depuis sa page (« Mettre en ligne »). Ici, toutes les pages
              modifiées depuis leur mise en ligne partent ensemble ; une page incomplète est laissée de côté.
            </p>
            <SitePublication
              auth={c.auth}
              insee={c.commune.insee}
              pages={c.pages}
              statuses={statuses}
              offline={status.kind === 'offline'}
            />
          </>
        ) : (
          <p>Seul le référent du site de la commune peut publier le site.</p>
        )}
      </section>
      <section className="card" aria-labelledby="publication-drafts">
        <h2 id="publication-drafts">Pages pas en ligne telles qu’elles sont</h2>
        {!statuses ? (
          <p>État de publication des pages inconnu (hors ligne).</p>
        ) : drafts.length === 0 ? (
          <p>Toutes les pages sont en ligne telles qu’elles sont.</p>
        ) : (
          <ul>
            {drafts.map((p) => (
              <li key={p.id}>
                <button type="button" className="link-button" onClick={() => c.onOpenPage(p.id)}>
                  {p.title || 'Page sans titre'}
                </button>{' '}
                — {pageStateLabel(pageState(p.id, statuses), formatDateTime)}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
