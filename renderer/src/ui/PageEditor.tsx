// The collaborative rich-text editor of one page body, bound to its Y.Doc by Lexical's
// CollaborationPlugin. The doc is empty when the binding is created and is then loaded
// from this computer by the provider's connect(): Lexical's V1 binding only renders what
// arrives as Yjs changes, so a doc loaded before binding would show as blank.
import { CollaborationPlugin } from '@lexical/react/LexicalCollaborationPlugin';
import { LexicalCollaboration } from '@lexical/react/LexicalCollaborationContext';
import { LexicalComposer } from '@lexical/react/LexicalComposer';
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { ContentEditable } from '@lexical/react/LexicalContentEditable';
import { LexicalErrorBoundary } from '@lexical/react/LexicalErrorBoundary';
import { LinkPlugin } from '@lexical/react/LexicalLinkPlugin';
import { ListPlugin } from '@lexical/react/LexicalListPlugin';
import { RichTextPlugin } from '@lexical/react/LexicalRichTextPlugin';
import { TablePlugin } from '@lexical/react/LexicalTablePlugin';
import type { Provider } from '@lexical/yjs';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type * as Y from 'yjs';
import { PAGE_NODES } from '../../../site/pageBody';
import { PAGE_BODY_ROOT, type PageMeta } from '../../../site/siteDoc';
import { type BodyMedia, BodyMediaContext } from '../editor/bodyMedia';
import { BodyMediaIndexPlugin } from '../editor/BodyMediaIndexPlugin';
import { EditorToolbar } from '../editor/EditorToolbar';
import { PagePreview } from '../editor/PagePreview';
import type { RoomProvider } from '../sync/RoomProvider';
import { editorTheme } from './editorTheme';

interface Props {
  pageId: string;
  /** When set, the live preview is shown beside the editor. */
  /** Rendered inside the composer beside the writing column (the page's panel, which may use the editor). */
  children?: React.ReactNode;
  /** Above the toolbar in the writing column (the page's title). */
  header?: React.ReactNode;
  preview?: { page: PageMeta; manifest: Y.Doc; commune: { insee: string; name: string; slug: string } };
  provider: RoomProvider;
  readOnly: boolean;
  username: string;
  cursorColor: string;
  /** The media library, for images and links to PDFs (their buttons are disabled without it). */
  media?: BodyMedia;
  /** The site's manifest: where the body's media are recorded (`BodyMediaIndexPlugin`). */
  manifest?: Y.Doc;
}

/** Lexical's classes for the rich blocks, on top of the shared editor theme. */
const theme = {
  ...editorTheme,
  table: 'ed-table',
  tableRow: 'ed-tr',
  tableCell: 'ed-td',
  tableCellHeader: 'ed-th',
  tableSelection: 'ed-table-selection',
  tableCellSelected: 'ed-cell-selected',
  image: 'ed-image',
  callout: 'ed-callout',
  calloutImportant: 'ed-callout-important',
};

function onError(error: Error): void {
  console.error(error);
}

export function PageEditor({
  pageId,
  preview,
  provider,
  readOnly,
  username,
  cursorColor,
  media,
  manifest,
  children,
  header,
}: Props) {
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let live = true;
    void provider.local.whenLoaded.then(() => live && setLoaded(true));
    return () => {
      live = false;
    };
  }, [provider]);

  // Other people's cursors are drawn inside the editor (inside the page's landmarks), not at
  // the end of <body>; a state ref so the plugin re-renders into it once it exists.
  const [cursorsElement, setCursorsElement] = useState<HTMLDivElement | null>(null);
  const cursorsContainerRef = useMemo(() => ({ current: cursorsElement }), [cursorsElement]);

  const providerFactory = useCallback(
    (id: string, yjsDocMap: Map<string, Y.Doc>): Provider => {
      yjsDocMap.set(id, provider.local.doc);
      // WebsocketProvider satisfies Lexical's structural Provider at runtime; its typings differ.
      return provider as unknown as Provider;
    },
    [provider],
  );

  return (
    <LexicalComposer
      initialConfig={{
        namespace: 'usine-page',
        nodes: [...PAGE_NODES],
        theme,
        onError,
        editorState: null,
        editable: false,
      }}
    >
      <LexicalCollaboration>
        <BodyMediaContext.Provider value={media ?? null}>
          <div className="page-main">
            {header}
            {!readOnly && <EditorToolbar disabled={!loaded} media={media ?? null} />}
            <div className={loaded ? 'editor' : 'editor editor-loading'}>
              <RichTextPlugin
                contentEditable={<ContentEditable className="editor-input" ariaLabel="Contenu de la page" />}
                ErrorBoundary={LexicalErrorBoundary}
              />
              <div ref={setCursorsElement} className="editor-cursors" />
              <CollaborationPlugin
                cursorsContainerRef={cursorsContainerRef}
                id={pageId}
                key={pageId}
                providerFactory={providerFactory}
                shouldBootstrap={false}
                rootName={PAGE_BODY_ROOT}
                username={username}
                cursorColor={cursorColor}
              />
              <ListPlugin />
              <LinkPlugin />
              {/* Merged cells and cell colours are not published: keep every table a plain grid. */}
              <TablePlugin hasCellMerge={false} hasCellBackgroundColor={false} />
              <EditableWhen editable={loaded && !readOnly} />
              {manifest && loaded && !readOnly && (
                <BodyMediaIndexPlugin manifest={manifest} pageId={pageId} />
              )}
            </div>
            {preview && <PagePreview {...preview} />}
          </div>
          {children}
        </BodyMediaContext.Provider>
      </LexicalCollaboration>
    </LexicalComposer>
  );
}

/** Typing is allowed once the local copy is in the editor (and never for relecteurs). */
function EditableWhen({ editable }: { editable: boolean }) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => editor.setEditable(editable), [editor, editable]);
  return null;
}
