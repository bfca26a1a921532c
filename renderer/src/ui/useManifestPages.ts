// The manifest's pages as React state, re-read on every change of the manifest doc.
import { useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { type PageMeta, readPages } from '../../../site/siteDoc';

export function useManifestPages(manifest: Y.Doc): PageMeta[] {
  const [pages, setPages] = useState(() => readPages(manifest));
  useEffect(() => {
    const reread = () => setPages(readPages(manifest));
    reread();
    manifest.on('update', reread);
    return () => manifest.off('update', reread);
  }, [manifest]);
  return pages;
}
