// Live preview of the page with the real published theme, rendered by site/ in a sandboxed
// iframe (`sandbox=""`: no script, no same-origin access, no navigation).
import { useLexicalComposerContext } from '@lexical/react/LexicalComposerContext';
import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import themeCss from '../../../assets/site.css?raw';
import { readPages, readSettings, type PageMeta } from '../../../site/siteDoc';
import { previewHtml } from './previewHtml';

interface Props {
  page: PageMeta;
  manifest: Y.Doc;
  commune: { insee: string; name: string; slug: string };
}

export function PagePreview({ page, manifest, commune }: Props) {
  const [editor] = useLexicalComposerContext();
  const [html, setHtml] = useState('');
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const render = () => {
      timer = undefined;
      setHtml(
        previewHtml({
          commune,
          settings: readSettings(manifest, commune.name),
          pages: readPages(manifest),
          page,
          body: editor.getEditorState().toJSON(),
          stylesheet: themeCss,
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
  }, [editor, manifest, page, commune]);
  return (
    <iframe
      className="page-preview"
      title="Aperçu de la page avec le thème du site publié"
      sandbox=""
      srcDoc={html}
    />
  );
}
