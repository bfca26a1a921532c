// The commune's home: dashboard, « Nouvelle page », the site's page tree, and the lists of
// actualités, événements and actes.
import type * as Y from 'yjs';
import type { PageMeta } from '../../../site/siteDoc';
import type { AuthSession } from '../auth/AuthSession';
import type { SyncClient } from '../sync/SyncClient';
import type { PageDeletions } from '../tree/siteEdits';
import type { MediaOutbox } from '../media/MediaOutbox';
import type { MediaStore } from '../media/MediaStore';
import { ContentLists } from './ContentLists';
import { Dashboard } from './Dashboard';
import { MediaLibrary } from './MediaLibrary';
import { SettingsForm } from './SettingsForm';
import { NewPageForm, type NewPageRequest } from './NewPageForm';
import { SiteTree } from './SiteTree';
import { useFocusOnMount } from './useFocusOnMount';

interface Props {
  communeName: string;
  insee: string;
  agent: { id: string; displayName: string };
  pages: PageMeta[];
  manifest: Y.Doc;
  deletions: PageDeletions;
  presence: ReadonlyMap<string, readonly string[]>;
  auth: AuthSession;
  sync: SyncClient;
  media: { store: MediaStore; outbox: MediaOutbox };
  onOpenPage: (pageId: string) => void;
  onCreatePage?: (request: NewPageRequest) => Promise<void>;
  /** The référent answers for the site's identity and accessibility statement. */
  canEditSettings: boolean;
}

export function HomeScreen(props: Props) {
  const { communeName, pages, onOpenPage, onCreatePage } = props;
  const headingRef = useFocusOnMount<HTMLHeadingElement>();
  return (
    <>
      <h1 ref={headingRef} tabIndex={-1}>
        {communeName}
      </h1>
      <Dashboard
        insee={props.insee}
        agentId={props.agent.id}
        agentName={props.agent.displayName}
        pages={pages}
        auth={props.auth}
        sync={props.sync}
        onOpenPage={onOpenPage}
      />
      {onCreatePage && <NewPageForm pages={pages} onCreate={onCreatePage} />}
      <SiteTree
        pages={pages}
        manifest={props.manifest}
        deletions={props.deletions}
        readOnly={!onCreatePage}
        agentName={props.agent.displayName}
        presence={props.presence}
        sync={props.sync}
        insee={props.insee}
        auth={props.auth}
        onOpenPage={onOpenPage}
      />
      <ContentLists pages={pages} onOpenPage={onOpenPage} />
      <SettingsForm
        insee={props.insee}
        communeName={communeName}
        manifest={props.manifest}
        media={props.media}
        readOnly={!props.canEditSettings}
      />
      <MediaLibrary
        manifest={props.manifest}
        pages={pages}
        media={props.media}
        readOnly={!onCreatePage}
        onOpenPage={onOpenPage}
      />
    </>
  );
}
