// Live preview of the page with the real published theme, rendered by site/ in a sandboxed
// iframe (`sandbox=""`: no script, no same-origin access, no navigation). The images it shows
// are read from this computer's media store and inlined as data: URLs.
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import themeCss from '../../../assets/site.css?raw';
import type { PageMeta } from '../../../site/siteDoc';
import type { MediaStore } from '../media/MediaStore';
import { useBodyMedia } from './bodyMedia';
import { manifestPreviewHtml } from './previewHtml';

interface Props {
  page: PageMeta;
  manifest: Y.Doc;
  commune: { insee: string; name: string; slug: string };
}

export function PagePreview({ page, manifest, commune }: Props) {
  const [editor] = useLexicalComposerContext();
  const [html, setHtml] = useState('');
  const media = useBodyMedia();
  const imageUrls = usePreviewImages(media?.store, html);
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const render = () => {
      timer = undefined;
      setHtml(
        manifestPreviewHtml(manifest, {
          commune,
          page,
          body: editor.getEditorState().toJSON(),
          stylesheet: themeCss,
          imageUrls,
        }),
      );
    };
    render();
    const schedule = () => {
      if (timer === undefined) timer = setTimeout(render, 250);
    };
    const offEditor = editor.registerUpdateListener(schedule);
    manifest.on('update', schedule);
    return () => {
      offEditor();
      manifest.off('update', schedule);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [editor, manifest, page, commune, imageUrls]);
  return (
    <iframe
      className="page-preview"
      title="Aperçu de la page avec le thème du site publié"
      sandbox=""
      srcDoc={html}
    />
  );
}

const MEDIA_SRC = / src="(?:\.\.\/|\.\/)media\/([0-9a-f]{64})\.[a-z0-9]+"/g;

/** data: URLs of the media files the preview's HTML shows, loaded once each from the store. */
function usePreviewImages(store: MediaStore | undefined, html: string): ReadonlyMap<string, string> {
  const [urls, setUrls] = useState<ReadonlyMap<string, string>>(() => new Map());
  const requested = useRef(new Set<string>());
  // A load outlives the render that asked for it (the HTML changes as the agent types).
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  useEffect(() => {
    if (!store) return;
    for (const match of html.matchAll(MEDIA_SRC)) {
      const sha = match[1]!;
      if (requested.current.has(sha)) continue;
      requested.current.add(sha);
      void dataUrl(store, sha).then((url) => {
        if (mounted.current && url) setUrls((previous) => new Map(previous).set(sha, url));
      });
    }
  }, [store, html]);
  return urls;
}

/** A stored file as a data: URL (downloaded first if another agent added it), or undefined. */
async function dataUrl(store: MediaStore, sha256: string): Promise<string | undefined> {
  if (!(await store.objectUrl(sha256))) return undefined;
  const row = await store.get(sha256);
  if (!row) return undefined;
  const blob = new Blob([row.bytes as Uint8Array<ArrayBuffer>], { type: row.mime });
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : undefined);
    reader.onerror = () => resolve(undefined);
    reader.readAsDataURL(blob);
  });
}
