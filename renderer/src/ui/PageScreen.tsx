// One page: its title, its publication status, and its collaborative body editor.
import { useEffect, useId, useState } from 'react';
import type * as Y from 'yjs';
import { type PageMeta, updatePage } from '../../../site/siteDoc';
import { pageRoom } from '../../../site/syncProtocol';
import type { LocalDocs } from '../store/LocalStore';
import type { RoomProvider } from '../sync/RoomProvider';
import type { SyncClient } from '../sync/SyncClient';
import { PageEditor } from './PageEditor';
import { useFocusOnMount } from './useFocusOnMount';

interface Props {
  insee: string;
  page: PageMeta;
  manifest: Y.Doc;
  docs: LocalDocs;
  sync: SyncClient;
  readOnly: boolean;
  agent: { displayName: string; color: string };
  onBack: () => void;
}

export function PageScreen({ insee, page, manifest, docs, sync, readOnly, agent, onBack }: Props) {
  const provider = usePageRoom(docs, sync, pageRoom(insee, page.id));
  const publishedId = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>();

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
        <span className="hint">(seules les pages publiées apparaissent sur le site)</span>
      </p>
      {provider ? (
        <PageEditor
          key={page.id}
          pageId={page.id}
          provider={provider}
          readOnly={readOnly}
          username={agent.displayName}
          cursorColor={agent.color}
        />
      ) : (
        <p>Ouverture de la page…</p>
      )}
    </>
  );
}

/** Opens the page's doc and room for as long as the page is on screen. */
function usePageRoom(docs: LocalDocs, sync: SyncClient, room: string): RoomProvider | undefined {
  const [provider, setProvider] = useState<RoomProvider>();
  useEffect(() => {
    let cancelled = false;
    let opened: RoomProvider | undefined;
    docs.open(room).then(
      (local) => {
        if (cancelled) {
          local.release();
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
      if (!toClose) return;
      // After the editor's own unmount cleanups, which still use the provider and the doc.
      setTimeout(() => {
        sync.closeRoom(toClose);
        toClose.local.release();
      }, 0);
    };
  }, [docs, sync, room]);
  return provider;
}
