// Keeps the page's `bodyMedia` (manifest) equal to the images and PDF links of its body, so
// the media library can say where each file is used without opening every body. Written a
// second after the body stops changing (and when the page closes), only when it changed.
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { useEffect } from 'react';
import type * as Y from 'yjs';
import { bodyMediaRefs } from '../../../site/bodyMedia';
import { setPageBodyMedia } from '../../../site/siteDoc';

const DELAY_MS = 1_000;

export function BodyMediaIndexPlugin({ manifest, pageId }: { manifest: Y.Doc; pageId: string }) {
  const [editor] = useLexicalComposerContext();
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const index = () => {
      timer = null;
      setPageBodyMedia(manifest, pageId, bodyMediaRefs(editor.getEditorState().toJSON()));
    };
    // Restarted at each change: a long page is read (toJSON) once typing pauses, not every
    // second in the middle of a sentence.
    const unregister = editor.registerUpdateListener(({ dirtyElements, dirtyLeaves }) => {
      if (dirtyElements.size === 0 && dirtyLeaves.size === 0) return;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(index, DELAY_MS);
    });
    return () => {
      unregister();
      if (timer !== null) {
        clearTimeout(timer);
        index();
      }
    };
  }, [editor, manifest, pageId]);
  return null;
}
