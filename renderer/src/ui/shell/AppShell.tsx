// The frame of every screen: the side navigation « Navigation de l'éditeur » (commune, logo,
// « Nouvelle page », the screens), a 48 px top bar (where you are, sync status, search, user
// menu) that never wraps, the lasting banners under it, then the screen.
import type { ReactNode } from 'react';
import type * as Y from 'yjs';
import type { CommuneRef } from '../../../../site/apiContract';
import type { PageMeta } from '../../../../site/siteDoc';
import type { SyncClient } from '../../sync/SyncClient';
import type { NewPageRequest } from '../NewPageForm';
import type { SessionMedia } from '../Workspace';
import { SideNav } from './SideNav';
import { TopBar, type UserInfo } from './TopBar';

interface Props {
  commune: CommuneRef;
  sync: SyncClient;
  user: UserInfo;
  banners: ReactNode;
  children: ReactNode;
  manifest?: Y.Doc;
  media?: SessionMedia;
  pages?: readonly PageMeta[];
  currentPage?: PageMeta;
  onCreatePage?: (request: NewPageRequest) => Promise<void>;
  /** Quiet, lasting information at the foot of the navigation (the background copy). */
  footer?: ReactNode;
}

export function AppShell(props: Props) {
  return (
    <div className="shell">
      <a className="skip-link" href="#contenu" onClick={skipToContent}>
        Aller au contenu
      </a>
      <SideNav
        commune={props.commune}
        manifest={props.manifest}
        media={props.media}
        pages={props.pages ?? []}
        onCreatePage={props.onCreatePage}
        footer={props.footer}
      />
      <div className="shell-main">
        <TopBar
          sync={props.sync}
          user={props.user}
          pages={props.pages ?? []}
          currentPage={props.currentPage}
        />
        <div className="shell-banners">{props.banners}</div>
        <main id="contenu" tabIndex={-1} className="shell-content">
          {props.children}
        </main>
      </div>
    </div>
  );
}

/** The skip link must not change the address (hash routes): it moves focus instead. */
function skipToContent(event: React.MouseEvent) {
  event.preventDefault();
  document.getElementById('contenu')?.focus();
}
